"""The configuration matrix: what users run, and the verdict each must get from ``python run.py``.

Each row starts what the user has (a livekit-server started by hand with its own configuration
file, see ``matrix_support``), runs ``python run.py`` as the user would, and checks the sign-off's
status and the words that name the cause. Rows that can share a server share it: a deployment is
started on first use and stopped after the last row.

To add a row, add a ``Row`` to ``ROWS``: the deployment it runs against (a name in
``DEPLOYMENTS``, or None for none), the settings the user gives (a function of the deployment),
the arguments after ``python run.py``, the status and the words the console or the sign-off must
show. To add a deployment, add a function that starts it to ``DEPLOYMENTS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from matrix_support import OperatorServer, key_pair, run_as_user, start_operator_server, webhook_config
from server_support import real_server

pytestmark = pytest.mark.matrix


@dataclass
class Deployment:
    """A user's LiveKit as the rows see it: where it answers, its key pairs, and what else the user sets."""

    server: OperatorServer | None
    keys: list[tuple[str, str]]
    settings: dict[str, str] = field(default_factory=dict)  # the settings a user of this deployment gives

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def user_settings(self, **more: str) -> dict[str, str]:
        """LIVEKIT_URL, the first key pair, the deployment's own settings and ``more``."""
        key, secret = self.keys[0]
        return {"LIVEKIT_URL": self.url, "LIVEKIT_API_KEY": key, "LIVEKIT_API_SECRET": secret, **self.settings, **more}


def own_server_with_webhooks(folder: Path) -> Deployment:
    """A correct server: one key pair, its webhooks sent to the collector the suite runs (README's lines)."""
    from matrix_support import free_port

    key, secret = key_pair()
    collector = free_port()
    server = start_operator_server(real_server(), folder, f"{key}: {secret}", webhook_config(key, collector))
    return Deployment(server, [(key, secret)], {"LIVEKIT_WEBHOOK_COLLECTOR": f"127.0.0.1:{collector}"})


def own_server_without_webhooks(folder: Path) -> Deployment:
    """A correct server with two key pairs (a comment among them) and no webhook configuration."""
    first, second = key_pair(), key_pair()
    keys = f"# production\n{first[0]}: {first[1]}\n# rotation\n{second[0]}: {second[1]}"
    return Deployment(start_operator_server(real_server(), folder, keys), [first, second])


DEPLOYMENTS: dict[str, Callable[[Path], Deployment]] = {
    "own server with webhooks": own_server_with_webhooks,
    "own server without webhooks": own_server_without_webhooks,
}


@dataclass(frozen=True)
class Row:
    name: str
    deployment: str | None  # a name in DEPLOYMENTS, or None: no server
    settings: Callable[[Deployment], dict[str, str]] = Deployment.user_settings
    arguments: tuple[str, ...] = ()
    status: str = "PASSED"
    shows: tuple[str, ...] = ()  # words the console or the sign-off must show


def _wrong_secret(deployment: Deployment) -> dict[str, str]:
    return deployment.user_settings(LIVEKIT_API_SECRET=key_pair()[1])


def _keys_with_comments(deployment: Deployment) -> dict[str, str]:
    (first, first_secret), (second, second_secret) = deployment.keys
    listed = f"# production\n{first}: {first_secret}\n\n# rotation, with a comment after it\n{second}: {second_secret}  # May\n"
    return {"LIVEKIT_URL": deployment.url, "LIVEKIT_KEYS": listed}


ROWS = [
    Row(
        "own server, correct",
        "own server with webhooks",
        shows=("Server webhooks: checked", "version `1.13.5 (its join answer)`"),
    ),
    Row(
        "own server, wrong secret",
        "own server without webhooks",
        settings=_wrong_secret,
        status="FAILED",
        shows=("holds another secret for it than the one configured here", "Set LIVEKIT_API_SECRET"),
    ),
    Row(
        "--variable typo",
        None,
        arguments=("--variable", "TTL:6hourz"),
        status="stopped",
        shows=("Configuration error: TTL must be a duration such as '6 hours' or '90 seconds', got '6hourz'.",),
    ),
    Row("LIVEKIT_KEYS with a comment and several keys", "own server without webhooks", settings=_keys_with_comments),
    Row(
        "own server, --exclude live",
        "own server without webhooks",
        arguments=("--exclude", "live"),
        status="PASSED (offline only)",
        shows=("No LiveKit server answered a live check", "judged the security catalogue's verdicts"),
    ),
    Row(
        "no server, LIVEKIT_SERVER_BUILD=0",
        None,
        status="PASSED (offline only)",
        shows=("tests):** No LiveKit server: LIVEKIT_URL is not set", "LIVEKIT_SERVER_BUILD=0 turns off the build"),
    ),
    Row(
        "server without webhooks configured",
        "own server without webhooks",
        shows=("Server webhooks: not checked: the LiveKit server at",),
    ),
]


@pytest.fixture(scope="module")
def deployments(tmp_path_factory):
    """Start each deployment on first use; stop them all after the last row."""
    started: dict[str, Deployment] = {}

    def get(name: str | None) -> Deployment:
        if name is None:
            return Deployment(None, [])
        if name not in started:
            started[name] = DEPLOYMENTS[name](tmp_path_factory.mktemp("server"))
        return started[name]

    yield get
    for deployment in started.values():
        if deployment.server is not None:
            deployment.server.stop()


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_configuration(row: Row, deployments, tmp_path):
    deployment = deployments(row.deployment)
    settings = row.settings(deployment) if row.deployment is not None else {}
    run = run_as_user(tmp_path / "results", *row.arguments, **settings)
    assert run.status == row.status, str(run)
    seen = run.console + run.signoff
    missing = [words for words in row.shows if words not in seen]
    assert not missing, f"{missing} not shown; {run}\nsign-off:\n{run.signoff[-4000:]}"
    for _, secret in deployment.keys:
        assert secret not in seen
    if row.status == "stopped":
        assert not run.outputdir.exists(), "a run stopped before any test wrote results"
