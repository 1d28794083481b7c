"""Start a real ``livekit-server`` for one run: its configuration in its environment, never a file,
127.0.0.1 only, free ports, the run's key pairs; stop it and keep its log, scrubbed, when asked.

Why the configuration looks as it does (livekit-server v1.13.5 and its mediatransportutil):
- ``bind_addresses: [127.0.0.1]`` binds the HTTP and signal port to loopback only.
- ICE over TCP is off (``tcp_port: 0``): its listener binds every interface whatever
  ``bind_addresses`` says (mediatransportutil ``pkg/rtcconfig/webrtc_config.go`` 183), so the
  media path is UDP on one muxed port of 127.0.0.1 (``udp_port``, ``ips.includes``).
- ``use_external_ip: false`` and ``node_ip: 127.0.0.1``: no STUN look-up of a public address;
  ``enable_loopback_candidate`` makes 127.0.0.1 a candidate at all.
- ``stun_servers`` names a loopback port nothing answers on: without one the server hands its
  clients public STUN servers, which they would resolve and contact.
- Not ``--dev``: development mode prints its key pair into the log. A secret under 32 characters
  makes the server log an error and go on using it (``pkg/config/config.go`` 725); that line is
  read back as the weak-secret finding the suite already reports.
The file is JSON, which YAML (the server's format) reads as it is.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from livekit_http import processes
from livekit_http.answers import scrub
from livekit_tokens.keys import DEV_API_SECRET

CONFIG_VARIABLE = "LIVEKIT_CONFIG"  # livekit-server reads its --config-body from it
LOG_NAME = "livekit-server.log"  # the name of the kept log in a results folder
WEAK_SECRET_LINE = "secret is too short"


def free_udp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def server_configuration(
    http_port: int,
    udp_port: int,
    keys: Mapping[str, str],
    stun_port: int = 9,
    webhook_urls: Iterable[str] = (),
    webhook_key: str | None = None,
    redis_address: str | None = None,
) -> dict:
    """The configuration of a server the suite starts, as a JSON-compatible dict.

    With ``redis_address`` (``127.0.0.1:port``) the server is a node of a cluster that shares that Redis.
    """
    configuration: dict = {
        "port": http_port,
        "bind_addresses": ["127.0.0.1"],
        "rtc": {
            "tcp_port": 0,
            "udp_port": udp_port,
            "use_external_ip": False,
            "node_ip": "127.0.0.1",
            "enable_loopback_candidate": True,
            "ips": {"includes": ["127.0.0.1/32"]},
            # Without STUN servers of its own the server hands clients public ones (Google's, Twilio's:
            # pkg/service/roommanager.go 1130-1137), which they would look up and contact. A loopback port
            # that nothing answers on ends the client's STUN gathering at once; naming the server's own
            # UDP port instead keeps the client's transport from connecting at all (seen with livekit 1.2.1).
            "stun_servers": [f"127.0.0.1:{stun_port}"],
        },
        "keys": dict(keys),
        "logging": {"level": "info", "json": False},
        "room": {"auto_create": True, "empty_timeout": 30, "departure_timeout": 5},
        "turn": {"enabled": False},
    }
    urls = [url for url in webhook_urls if url]
    if urls:
        configuration["webhook"] = {"api_key": webhook_key or next(iter(keys)), "urls": urls}
    if redis_address:
        configuration["redis"] = {"address": redis_address}
    return configuration


@dataclass
class RunningServer:
    """A livekit-server this run started, and where it answers."""

    managed: processes.ManagedProcess
    binary: str
    udp_port: int
    configuration: dict = field(repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def http_url(self) -> str:
        return self.managed.url

    @property
    def ws_url(self) -> str:
        return self.managed.url.replace("http://", "ws://", 1)

    @property
    def running(self) -> bool:
        return self.managed.running

    def _raw_log(self) -> str:
        try:
            return self.managed.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def log_text(self) -> str:
        """The server's output so far, with every configured secret and every token replaced.

        Every token the run noted is searched for, also split by a line break or an escape (the
        server logs a refused token as the client sent it), and so is anything shaped like one.
        """
        from livekit_evidence.leak_guard import recorded_tokens
        from livekit_tokens.evidence import TOKEN_LOG_VARIABLE

        noted = os.environ.get(TOKEN_LOG_VARIABLE)
        tokens = recorded_tokens(Path(noted)) if noted else []
        return scrub(self._raw_log(), tokens=tokens, secrets=self.secrets)

    def reported_weak_secret(self) -> bool:
        """Whether the server logged that a configured secret is under 32 characters."""
        return WEAK_SECRET_LINE in self._raw_log()

    def keep_log(self, folder: Path) -> Path | None:
        """Write the scrubbed log into ``folder`` as ``livekit-server.log``; the path, or None."""
        text = self.log_text()
        if not text:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / LOG_NAME
        target.write_text(text, encoding="utf-8")
        return target

    def stop(self) -> int | None:
        """Stop the server (its configuration, in its environment, goes with it)."""
        return self.managed.stop()


def start_server(
    binary: str,
    keys: Mapping[str, str],
    webhook_urls: Iterable[str] = (),
    webhook_key: str | None = None,
    timeout: float = 30.0,
    redis_address: str | None = None,
) -> RunningServer:
    """Start ``binary`` on free ports of 127.0.0.1 with ``keys`` and wait until it answers HTTP.

    With ``redis_address`` it is a node of the cluster that shares that Redis. The configuration,
    secrets included, reaches the server in its environment
    (``LIVEKIT_CONFIG``, the source of its ``--config-body`` option), never in a file: nothing
    holding a secret is left behind whatever stops the run. Only this user can read a process's
    environment, and it ends with the process.
    """
    # The public development secret is the ordinary word "secret": replacing it would garble the log.
    secrets = tuple(secret for secret in keys.values() if secret and secret != DEV_API_SECRET)
    chosen: dict = {}
    environment = {name: value for name, value in os.environ.items() if not name.startswith("LIVEKIT_")}

    def command(port: int) -> list[str]:
        chosen["udp"], stun = free_udp_port(), free_udp_port()
        while stun == chosen["udp"]:
            stun = free_udp_port()
        chosen["configuration"] = server_configuration(port, chosen["udp"], keys, stun, webhook_urls, webhook_key, redis_address)
        environment[CONFIG_VARIABLE] = json.dumps(chosen["configuration"])
        return [binary]

    managed = processes.start(
        "livekit-server",
        command,
        lambda port: f"http://127.0.0.1:{port}",
        environ=environment,
        timeout=timeout,
        secrets=secrets,
    )
    return RunningServer(managed, binary, chosen["udp"], chosen["configuration"], secrets)
