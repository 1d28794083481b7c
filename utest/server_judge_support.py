"""A real LiveKit server for the project's own tests, when ``livekit-server`` is on PATH.

The property tests send every token they check to it as well, and the offline verdict under the
server's profile must give the server's answer. The server is started on free loopback ports
with the test keys (k1, k2), and its version (``livekit-server --version``) chooses the profile.
Without the binary, :func:`start_judge` returns None and the tests stay offline.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path

from signing_helpers import FIRST_SECRET, SECOND_SECRET, T0

from livekit_http import processes, server_version
from livekit_http.server_oracle import ServerJudge
from livekit_tokens import grants as model
from livekit_tokens import profiles
from livekit_tokens.keys import ApiKey, Keyring
from livekit_tokens.timeutil import now

KEYS = Keyring([ApiKey("k1", FIRST_SECRET), ApiKey("k2", SECOND_SECRET)])
_TIME_NAMES = {"EXP", "NBF", "IAT"}


class StartedJudge:
    """A started server and the judge that talks to it."""

    def __init__(self, judge: ServerJudge, managed: processes.ManagedProcess, config: Path):
        self.judge = judge
        self.managed = managed
        self.config = config

    def stop(self) -> None:
        self.judge.close()
        self.managed.stop()
        self.config.unlink(missing_ok=True)


def start_judge() -> StartedJudge | None:
    """Start ``livekit-server`` from PATH with the test keys, or return None when it is not there."""
    binary = shutil.which("livekit-server")
    if binary is None:
        return None
    version = server_version.from_binary(binary) or "unknown"
    handle, name = tempfile.mkstemp(prefix="livekit-auth-judge-", suffix=".yaml")
    config = Path(name)
    os.close(handle)

    def command(port: int) -> list[str]:
        rtc_tcp, rtc_udp = processes.free_loopback_port(), processes.free_loopback_port()
        config.write_text(
            f"port: {port}\nbind_addresses: [127.0.0.1]\n"
            f"rtc:\n  tcp_port: {rtc_tcp}\n  udp_port: {rtc_udp}\n  use_external_ip: false\n  node_ip: 127.0.0.1\n"
            f"keys:\n  k1: {FIRST_SECRET}\n  k2: {SECOND_SECRET}\n",
            encoding="utf-8",
        )
        return [binary, "--config", str(config)]

    managed = processes.start("livekit-server", command, lambda port: f"http://127.0.0.1:{port}", secrets=KEYS.secrets())
    profile = profiles.profile_for_version(version) if version != "unknown" else profiles.CURRENT
    return StartedJudge(ServerJudge(managed.url, version, profile, KEYS), managed, config)


def moved_to_now(claims: dict) -> dict:
    """``claims`` with the numbers (or numeric texts) of exp, nbf and iat moved from T0 to now."""
    shift = math.floor(now()) - T0
    moved = {}
    for name, value in claims.items():
        if model.go_fold(name) in _TIME_NAMES:
            value = _moved(value, shift)
        moved[name] = value
    return moved


def _moved(value, shift: int):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and math.isfinite(value):
        return value + shift
    if isinstance(value, str) and value.lstrip("-").isdigit() and len(value) < 30:
        return str(int(value) + shift)
    return value


def judged(judge: StartedJudge | None, token) -> None:
    """Send ``token`` to the judging server, if there is one, and assert that it agrees."""
    if judge is None:
        return
    comparison = judge.judge.judge(token)
    assert comparison.agrees, (
        f"offline under {judge.judge.profile.title}: {comparison.expected.verdict} ({comparison.expected.summary}); "
        f"LiveKit server {judge.judge.version}: {comparison.answer.summary}"
    )
