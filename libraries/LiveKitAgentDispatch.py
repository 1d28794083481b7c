"""Robot Framework library for LiveKit's agent dispatch: a participant token's ``roomConfig.agents`` and
``AgentDispatchService`` bring a worker's agent into a room, and the server mints the agent's token."""

from __future__ import annotations

import secrets as random_source
import time

from robot.api import SkipExecution
from robot.api.deco import keyword, library
from robot.api.types import Secret

from livekit_client import signal
from livekit_client.loop import run as run_client
from livekit_diagnosis import recording
from livekit_http.answers import status_text
from livekit_server import process as server_process
from livekit_tokens import evidence
from livekit_tokens.arguments import CONVERTERS, Duration, typed_arguments
from livekit_tokens.robot_context import log_table, report_finding
from livekit_tokens.verification import parse_token
from livekit_workers import calls
from livekit_workers.agent_run import agent_run
from LiveKitAgents import record

__version__ = "1.0.0"


@library(scope="GLOBAL", version=__version__, doc_format="ROBOT")
@typed_arguments
class LiveKitAgentDispatch:
    """Dispatch the agents of the workers ``LiveKitAgents`` started, and check what the server does.

    A caller joins at signal level (LiveKit's protocol over the server's WebSocket) with a token whose
    ``roomConfig.agents`` asks for an agent, or an admin calls ``AgentDispatchService``;
    ``ListParticipants`` is polled, within a bounded wait, for the agent (kind AGENT). The token the
    server minted for the agent comes from the worker, as a ``Secret``, for the five steps' keywords.
    """

    ROBOT_LIBRARY_CONVERTERS = CONVERTERS

    def __init__(self):
        """No arguments: the timeout is `LiveKitAgents`'.

        Example:
        | Library | LiveKitAgentDispatch |
        """
        self.run = agent_run()

    @keyword
    def unique_agent_room(self, prefix: str = "livekit-auth-agents") -> str:
        """Return ``prefix`` followed by a random suffix: a room no one else uses.

        Example:
        | ${room} = | Unique Agent Room |
        """
        return f"{prefix}-{random_source.token_hex(4)}"

    @keyword
    def caller_joins_asking_for_agent(
        self, alias: str, room: str, agent_name: str | None = None, credentials: str = "run key"
    ) -> None:
        """Join ``room`` as ``alias`` (signal level) with a token whose ``roomConfig.agents`` asks for ``agent_name``.

        ``agent_name`` ``${None}`` joins without ``roomConfig``. The caller stays in the room until
        `Stop Every Agent Worker`. ``credentials`` as in `Start Agent Worker`.

        Example:
        | Caller Joins Asking For Agent | caller | ${room} | livekit-auth-agent |
        """
        pair = self.run.credentials(credentials)
        token = self.run.remember(calls.caller_token(pair, f"livekit-auth-{alias}", room, agent_name))
        server = self.run.server(credentials)
        self.run.leave(alias)
        self.run.callers[alias] = run_client(
            signal.join_and_stay(server.ws_url, server.http_url, token, self.run.timeout, tuple(self.run.secrets())),
            self.run.timeout + 5,
            f"the join of {alias}",
        )
        asked = "no agent (no roomConfig)" if agent_name is None else f"agent '{agent_name}' (roomConfig.agents)"
        log_table(
            f"Caller {alias} joined",
            [
                {"label": "Room", "value": room},
                {"label": "Asks for", "value": asked},
                {"label": "Signed with", "value": pair.what},
                {"label": "Token", "value": evidence.fingerprint(token)},
            ],
        )

    @keyword
    def agent_should_join_the_room(
        self, room: str, worker: str, timeout: Duration = "15 seconds", credentials: str = "run key"
    ) -> None:
        """Poll ``ListParticipants`` of ``room`` until the agent of ``worker`` is there as kind AGENT.

        The worker's job for the room must have arrived too. A dispatch that brings no agent fails
        with the diagnosis: no worker of that name, or a worker that reported itself full.

        Example:
        | Agent Should Join The Room | ${room} | tester |
        """
        process = self.run.worker(worker)
        started = time.monotonic()
        agents = self.run.wait_for_agents(room, float(timeout), credentials)
        job = process.wait_for("job", max(0.0, float(timeout) - (time.monotonic() - started)), lambda e: e.get("room") == room)
        if not agents or job is None:
            name = process.settings.agent_name
            diagnosis = self.run.dispatch_diagnosis(name, room)
            seen = "no participant of kind AGENT" if not agents else "an agent, but the worker reported no job for the room"
            raise AssertionError(recording.failure(f"No agent joined room '{room}' within {timeout:g} s: {seen}.", diagnosis))
        rows = [
            {"key": "room", "label": "Room", "value": room},
            {"key": "identity", "label": "Agent participant", "value": agents[0]["identity"]},
            {"key": "kind", "label": "Kind (ListParticipants)", "value": str(agents[0]["kind"])},
            {"key": "agent_name", "label": "Agent name of the job", "value": job.get("agent_name") or "(automatic)"},
            {"key": "dispatch_id", "label": "Dispatch id", "value": job.get("dispatch_id") or "(none)"},
            {"key": "job_after", "label": "Job arrived", "value": f"{job['at']:.1f} s after the worker started"},
            {"key": "listed_after", "label": "Listed after", "value": f"{time.monotonic() - started:.1f} s of polling"},
        ]
        facts = {
            "room": room,
            "identity": agents[0]["identity"],
            "agent_name": job.get("agent_name"),
            "worker_key": process.settings.api_key,
        }
        record("dispatched", "Agent dispatched", rows, facts)

    @keyword
    def no_agent_should_join_the_room(
        self, room: str, wait: Duration = "3 seconds", agent_name: str = "", cause: str = "", credentials: str = "run key"
    ) -> None:
        """Check, by polling ``ListParticipants`` for ``wait``, that no agent joins ``room``.

        With ``cause``, the diagnosis a dispatch to ``agent_name`` without an agent gets must name it
        (``no-worker-for-agent``, ``worker-full``).

        Example:
        | No Agent Should Join The Room | ${room} | 3 seconds |
        """
        agents = self.run.wait_for_agents(room, float(wait), credentials)
        rows = [{"label": "Agents in the room", "expected": 0, "actual": len(agents), "ok": not agents}]
        diagnosis = None
        if cause:
            diagnosis = self.run.dispatch_diagnosis(agent_name, room)
            rows.append(
                {
                    "label": "Diagnosis",
                    "expected": cause,
                    "actual": f"{diagnosis.cause}: {diagnosis.text}",
                    "ok": diagnosis.cause == cause,
                }
            )
        log_table(f"No agent in {room}", rows)
        if agents:
            raise AssertionError(f"An agent joined room '{room}' although none was asked for: {agents[0]['identity']}.")
        if diagnosis is not None and diagnosis.cause != cause:
            raise AssertionError(
                f"The dispatch without an agent was diagnosed as {diagnosis.cause}, expected {cause}: {diagnosis.text}"
            )

    @keyword
    def get_agent_token(self, worker: str, room: str) -> Secret:
        """Return, as a ``Secret``, the token the server minted for the agent of ``worker`` in ``room``.

        Example:
        | ${agent token} = | Get Agent Token | tester | ${room} |
        """
        process = self.run.worker(worker)
        job = process.wait_for("job", 0, lambda e: e.get("room") == room)
        token = None if job is None else process.token_of(job)
        if token is None:
            raise AssertionError(f"The worker {worker} got no job for room '{room}', so it holds no agent token for it.")
        self.run.known.add(token)
        return Secret(token)

    @keyword
    def agent_token_should_be_minted_by_the_server(self, token: Secret, worker: str, room: str) -> None:
        """Record, for the sign-off, the agent token as the server minted it: key, kind, room, lifetime.

        The checks themselves are the five steps' keywords; this keyword fails only when the token
        was not signed with the worker's key.

        Example:
        | Agent Token Should Be Minted By The Server | ${agent token} | tester | ${room} |
        """
        claims = parse_token(token.value).server_claims
        process = self.run.worker(worker)
        lifetime = float(claims.get("exp", 0)) - float(claims.get("nbf", claims.get("iat", 0)) or 0)
        facts = {
            "api_key": claims.get("iss"),
            "worker_key": process.settings.api_key,
            "kind": claims.get("kind"),
            "agent": (claims.get("video") or {}).get("agent"),
            "room": (claims.get("video") or {}).get("room"),
            "lifetime": lifetime,
            "fingerprint": evidence.fingerprint(token.value),
        }
        rows = [{"key": name, "label": name.replace("_", " ").capitalize(), "value": value} for name, value in facts.items()]
        record("agent_token", "Agent token as the server minted it", rows, facts)
        if claims.get("iss") != process.settings.api_key:
            raise AssertionError(
                f"The agent's token is signed with key '{claims.get('iss')}', not the worker's '{process.settings.api_key}'."
            )

    @keyword
    def agent_dispatch_should_answer(
        self, grants: str, room_in_token: str, status: int, answer: str, room: str, agent_name: str, credentials: str = "run key"
    ) -> None:
        """Call ``AgentDispatchService/CreateDispatch`` for ``agent_name`` in ``room`` with a token of ``grants``.

        ``grants`` as the token writes them (``roomAdmin``, ``roomJoin``, ``agent``...), ``join only``
        or ``no token``; ``room_in_token`` the room of its video grant. ``credentials`` signs it
        (``wrong secret``, ``unknown key``...). The status and a part of the answer are checked.

        Example:
        | Agent Dispatch Should Answer | roomAdmin | ${room} | 200 | ${room} | ${room} | livekit-auth-agent |
        """
        pair = self.run.credentials(credentials)
        token = calls.grants_token(pair, grants, room_in_token)
        if token is not None:
            self.run.remember(token)
        body = {"room": room, "agent_name": agent_name, "metadata": "dispatched by the livekit-auth acceptance suite"}
        exchange = self.run.twirp("AgentDispatchService", "CreateDispatch", token, body, credentials)
        shown = self.run.excerpt(exchange.body)
        ok_status = exchange.status == int(status)
        ok_text = not answer or answer.lower() in exchange.body.decode("utf-8", "replace").lower()
        log_table(
            "AgentDispatchService/CreateDispatch",
            [
                {"label": "Token", "value": f"{grants} ({pair.what})" if token else "none"},
                {"label": "Room in token", "value": room_in_token or "(none)"},
                {"label": "Status", "expected": int(status), "actual": exchange.status, "ok": ok_status},
                {
                    "label": "Answer",
                    "expected": f"contains '{answer}'" if answer else None,
                    "actual": shown,
                    "ok": ok_text if answer else None,
                },
            ],
        )
        if not (ok_status and ok_text):
            raise AssertionError(
                f"CreateDispatch with {grants} ({pair.what}) answered {status_text(exchange.status, exchange.reason)} "
                f"'{shown}' instead of {status} with '{answer}'."
            )

    @keyword
    def use_a_server_with_two_key_pairs(self) -> bool:
        """Have a server that holds two key pairs: workers use the first, callers the second (``second key``).

        Without ``LIVEKIT_URL`` a second livekit-server is started with the run's first pair and a
        generated one. With a server given by ``LIVEKIT_URL`` the run's first two configured pairs
        are used (``LIVEKIT_KEYS`` with two pairs the server holds). Returns whether there is such
        a server; when there is none, `Two Key Pairs Should Be In Use` skips the test saying why.

        Example:
        | ${two keys} = | Use A Server With Two Key Pairs |
        """
        chosen = self.run.server()
        keys = list(self.run.keyring)
        if chosen.started is None:
            if len(keys) < 2:
                self.run.without_two_keys = (
                    "The key-pair check needs a server with two key pairs: set LIVEKIT_KEYS to two pairs the server at "
                    f"{chosen.ws_url} holds."
                )
                return False
            self.run.second = calls.Credentials(keys[1].key, keys[1].secret, f"the second key '{keys[1].key}'")
            return True
        second = calls.Credentials(f"second-{random_source.token_hex(3)}", calls.random_secret(), "")
        second = calls.Credentials(second.api_key, second.api_secret, f"the second key '{second.api_key}'")
        evidence.remember_secret(second.api_secret)
        if self.run.two_key_server is not None:
            self.run.two_key_server.stop()
        started = server_process.start_server(
            chosen.started.binary, {keys[0].key: keys[0].secret, second.api_key: second.api_secret}
        )
        self.run.two_key_server, self.run.second = started, second
        log_table(
            "A server with two key pairs",
            [
                {"label": "Client URL", "value": started.ws_url},
                {"label": "Keys", "value": f"'{keys[0].key}' (the workers'), '{second.api_key}' (the callers')"},
            ],
        )
        return True

    @keyword
    def two_key_pairs_should_be_in_use(self) -> None:
        """Skip the test, saying what to set, when `Use A Server With Two Key Pairs` found no such server.

        Example:
        | Two Key Pairs Should Be In Use |
        """
        if self.run.second is None:
            raise SkipExecution(self.run.without_two_keys or "No server with two key pairs is in use.")

    @keyword
    def agent_keys_should_be_reported(self, worker: str, room: str) -> None:
        """Report the finding that a token of the second key dispatched the worker of the first key.

        Call it after the agent of ``worker`` joined ``room`` for a caller signed with ``second key``.
        The agent's token, minted by the server, is signed with the worker's key.

        Example:
        | Agent Keys Should Be Reported | tester | ${room} |
        """
        process = self.run.worker(worker)
        job = process.wait_for("job", 0, lambda e: e.get("room") == room)
        token = None if job is None else process.token_of(job)
        if token is None or self.run.second is None:
            raise AssertionError(f"No agent of {worker} joined room '{room}' for a caller of the second key.")
        signed = parse_token(token).server_claims.get("iss")
        text = (
            f"Key pairs are not tenants: a caller token signed with '{self.run.second.api_key}' dispatched the worker "
            f"registered with '{process.settings.api_key}', and the server signed the agent's token with '{signed}'. "
            "Key pairs of one server do not separate environments: use a server (or project) per environment."
        )
        report_finding("agent-key-pairs", text, "info")
        record(
            "key_pairs",
            "Key pairs and agents",
            [{"key": "finding", "label": "Finding", "value": text}],
            {"caller_key": self.run.second.api_key, "worker_key": process.settings.api_key, "agent_token_key": signed},
        )
