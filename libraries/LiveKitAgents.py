"""Robot Framework library for LiveKit's agent paths: a real worker registering with the key pair, a
token or an admin dispatching it, and the token the server mints for the agent, never logged."""

from __future__ import annotations

import os
import secrets as random_source
import time

import requests
from robot.api import SkipExecution, logger
from robot.api.deco import keyword, library
from robot.api.types import Secret

from livekit_client import signal
from livekit_client.loop import run as run_client
from livekit_diagnosis import agents as agent_diagnosis
from livekit_diagnosis import recording
from livekit_http.answers import excerpt, load_json, status_text
from livekit_server import current as current_server
from livekit_server import process as server_process
from livekit_tokens import evidence
from livekit_tokens.arguments import CONVERTERS, Duration, typed_arguments
from livekit_tokens.robot_context import ConfigurationFailure, log_table, report_finding, run_context
from livekit_tokens.timeutil import now as current_time
from livekit_tokens.verification import parse_token
from livekit_workers import agent_endpoint, calls
from livekit_workers import environment as worker_environment
from livekit_workers.process import WorkerProcess, WorkerSettings

__version__ = "1.0.0"

AGENTS_KEY = "agents"  # the stable key of this library's evidence records, read by the sign-off (livekit_signoff.agents)
REFUSAL_LINE = "401"  # what livekit-agents logs of a refused registration: "401, message='Invalid response status'"
POLL_SECONDS = 0.25
TWO_KEYS = "two keys"


@library(scope="GLOBAL", version=__version__, doc_format="ROBOT")
@typed_arguments
class LiveKitAgents:
    """Check LiveKit's agent paths against a real server with a real ``livekit-agents`` worker.

    The worker runs in an environment of its own (``.venv-agents``, from ``requirements-agents.txt``,
    made on first use: ``livekit-agents`` pins another release of the real-time SDK than the
    project). It reads ``LIVEKIT_URL``, ``LIVEKIT_API_KEY`` and ``LIVEKIT_API_SECRET`` from its
    environment, as every worker does, and reports what the suite needs (registered, each job, the
    token the server minted for the agent) over a loopback connection, never in its log. Its log is
    shown only scrubbed of every secret and token.

    The server is the one `Use LiveKit Server` chose (``LiveKitHttp``). Tokens are taken and returned
    as ``Secret``; the log shows fingerprints.
    """

    ROBOT_LIBRARY_CONVERTERS = CONVERTERS

    def __init__(self, timeout: float = 10.0):
        """``timeout`` is the number of seconds to wait for an HTTP answer.

        Example:
        | Library | LiveKitAgents | timeout=5 |
        """
        self.timeout = float(timeout)
        self._python = None
        self._workers: dict[str, WorkerProcess] = {}
        self._facts: dict[str, dict] = {}  # alias -> what its worker reported, for the dispatch diagnoses
        self._callers: dict[str, signal.HeldJoin] = {}
        self._second: calls.Credentials | None = None
        self._two_key_server = None  # a server this library started with two key pairs
        self._session = calls.session()
        self._known: set[str] = set()

    # ------------------------------------------------------------------ the worker's environment and process

    @keyword
    def agent_worker_environment_should_be_ready(self) -> None:
        """Make the workers' environment on first use (``.venv-agents``) and log what it holds.

        The first time it takes about half a minute and 390 MB; later runs find it ready.

        Example:
        | Agent Worker Environment Should Be Ready |
        """
        started = time.monotonic()
        try:
            self._python = worker_environment.ensure(announce=logger.console)
        except worker_environment.EnvironmentFailure as failure:
            raise ConfigurationFailure(str(failure)) from None
        log_table(
            "Agent workers' environment",
            [
                {"label": "Python", "value": str(self._python)},
                {"label": "Requirements", "value": worker_environment.REQUIREMENTS.name},
                {"label": "Ready after", "value": f"{time.monotonic() - started:.1f} s"},
            ],
        )

    @keyword
    def start_agent_worker(
        self, alias: str, agent_name: str = "", credentials: str = "run key", load: float = 0.0, retries: int = 16
    ) -> None:
        """Start a real worker as ``alias`` that registers as ``agent_name`` with ``credentials``.

        ``credentials``: ``run key`` (the run's first key pair), ``wrong secret``, ``unknown key``,
        or ``second key`` (after `Use A Server With Two Key Pairs`, the worker uses its first key
        and the callers the second). ``load`` is the load it reports (0: never full; 1: full).
        ``retries`` is how often it retries a refused registration before it gives up.

        Example:
        | Start Agent Worker | tester | agent_name=livekit-auth-agent |
        """
        if self._python is None:
            self.agent_worker_environment_should_be_ready()
        server = self._server(credentials)
        pair = self._credentials(credentials, worker=True)
        if pair.api_secret not in {key.secret for key in self._keyring()}:
            evidence.remember_secret(pair.api_secret)
        self.stop_agent_worker(alias)
        settings = WorkerSettings(server.ws_url, pair.api_key, pair.api_secret, agent_name, float(load), int(retries))
        self._workers[alias] = WorkerProcess(self._python, settings, self._all_secrets())
        self._facts[alias] = {"agent_name": agent_name, "api_key": pair.api_key, "registered": False, "full": float(load) >= 0.7}
        log_table(
            f"Agent worker {alias} started",
            [
                {"label": "Agent name", "value": agent_name or "(automatic dispatch)"},
                {"label": "Credentials", "value": pair.what},
                {"label": "Server", "value": server.ws_url},
                {"label": "Load it reports", "value": f"{float(load):g}"},
                {"label": "Retries", "value": int(retries)},
            ],
        )

    @keyword
    def agent_worker_should_register(self, alias: str, timeout: Duration = "30 seconds") -> None:
        """Wait until the worker ``alias`` registered with the server and log its id and key.

        A worker that does not register fails with the server's answer to its credentials on
        ``/agent`` and the diagnosis; one that exited says so (livekit-agents exits 0 after giving up).

        Example:
        | Agent Worker Should Register | tester |
        """
        worker = self._worker(alias)
        event = worker.wait_for("registered", float(timeout))
        if event is None:
            raise AssertionError(self._not_registered(alias, worker, float(timeout)))
        self._facts[alias].update(registered=True, full=bool(event.get("full")))
        rows = [
            {"key": "api_key", "label": "API key", "value": worker.settings.api_key},
            {"key": "agent_name", "label": "Agent name", "value": event.get("agent_name") or "(automatic dispatch)"},
            {"key": "worker_id", "label": "Worker id (the server's)", "value": event.get("worker_id")},
            {"key": "seconds", "label": "Registered after", "value": f"{event['at']:.1f} s from the process start"},
            {"key": "sdk", "label": "livekit-agents", "value": (worker.events("started") or [{}])[0].get("sdk")},
        ]
        self._record("registered", f"Agent worker {alias} registered", rows, {**self._facts[alias], "alias": alias})

    @keyword
    def agent_worker_should_be_refused(
        self, alias: str, message: str, cause: str, timeout: Duration = "30 seconds"
    ) -> None:
        """Check that the worker ``alias`` never registered: its log shows the server's 401, it gave up,
        and the server answers its credentials on ``/agent`` with 401 and ``message``; the diagnosis names ``cause``.

        Judged by the server's answer and the worker's log, never by its exit code: livekit-agents
        exits 0 after giving up.

        Example:
        | Agent Worker Should Be Refused | intruder | signature is invalid | secret-mismatch |
        """
        worker = self._worker(alias)
        code = worker.wait_for_exit(float(timeout))
        registered = worker.events("registered")
        refusals = worker.log_text().count(REFUSAL_LINE)
        answer = self._ask_as(worker.settings.api_key, worker.settings.api_secret)
        shown = self._excerpt(answer.body)
        facts = agent_diagnosis.WorkerFacts(worker.settings.api_key, self._server().ws_url, bool(registered), code, refusals)
        diagnosis = agent_diagnosis.worker_not_registered(facts, self._endpoint_diagnosis(answer, worker.settings.api_key))
        rows = [
            {"label": "Registered", "expected": False, "actual": bool(registered), "ok": not registered},
            {"label": "Exit code", "expected": None, "actual": "still running" if code is None else code, "ok": None},
            {"label": "401 in its log", "expected": "at least once", "actual": refusals, "ok": refusals > 0},
            {"label": "/agent status", "expected": 401, "actual": answer.status, "ok": answer.status == 401},
            {"label": "/agent answer", "expected": f"contains '{message}'", "actual": shown, "ok": message.lower() in shown.lower()},
            {"label": "Diagnosis", "expected": cause, "actual": f"{diagnosis.cause}: {diagnosis.text}", "ok": diagnosis.cause == cause},
        ]
        log_table(f"Agent worker {alias} refused", rows)
        logger.info(f"The worker's log, scrubbed:\n{self._log_tail(worker)}")
        wrong = [row["label"] for row in rows if row["ok"] is False]
        if code is None:
            wrong.append("it was still retrying after the wait")
        if wrong:
            raise AssertionError(
                f"The worker {alias} was not refused as expected ({', '.join(wrong)}): /agent answered "
                f"{status_text(answer.status, answer.reason)} '{shown}'. {diagnosis.text}"
            )

    @keyword
    def stop_agent_worker(self, alias: str) -> None:
        """Stop the worker ``alias`` if it runs; its private folder and log are removed.

        Example:
        | Stop Agent Worker | tester |
        """
        worker = self._workers.pop(alias, None)
        if worker is not None:
            code = worker.stop()
            logger.info(f"Stopped the agent worker {alias} (exit code {code}).")

    @keyword
    def stop_every_agent_worker(self) -> None:
        """Stop every worker, let every caller leave and stop a server started with two key pairs (a teardown).

        Example:
        | Suite Teardown | Stop Every Agent Worker |
        """
        for alias in list(self._callers):
            self._leave(alias)
        for alias in list(self._workers):
            self.stop_agent_worker(alias)
        if self._two_key_server is not None:
            self._two_key_server.stop()
            self._two_key_server = None

    # ------------------------------------------------------------------ /agent

    @keyword
    def agent_endpoint_should_answer(self, case: str, status: int, message: str = "", cause: str = "") -> None:
        """Send one plain HTTP request of ``case`` to ``/agent`` and check the status, the message and the diagnosis.

        ``case`` is one of: right key and agent grant, same token in access_token, unknown key,
        expired, no agent grant, no token, bearer not a jwt, basic scheme, not a websocket request.
        ``cause`` is the diagnosis a worker refused so would get (empty: none expected).

        Example:
        | Agent Endpoint Should Answer | unknown key | 401 | invalid API key | unknown-api-key |
        """
        chosen = calls.endpoint_case(case, self._keyring(), current_time())
        if chosen.token:
            self._remember(chosen.token)
        answer = agent_endpoint.ask(
            self._server().http_url, chosen.token, chosen.scheme, chosen.in_query, chosen.upgrade, self.timeout
        )
        shown = self._excerpt(answer.body) if answer.body else ("(WebSocket upgrade)" if answer.upgraded else "(empty)")
        diagnosis = self._endpoint_diagnosis(answer, chosen.api_key)
        found = diagnosis.cause if diagnosis else ""
        rows = [
            {"label": "Request", "value": f"GET /agent ({case})"},
            {"label": "Token sent", "value": evidence.fingerprint(chosen.token) if chosen.token else "none"},
            {"label": "Status", "expected": int(status), "actual": answer.status, "ok": answer.status == int(status)},
            {"label": "Answer", "expected": f"contains '{message}'" if message else None, "actual": shown,
             "ok": (message.lower() in answer.text.lower()) if message else None},
            {"label": "Diagnosis", "expected": cause or "none", "actual": found or "none", "ok": found == cause},
        ]
        log_table("/agent", rows)
        wrong = [row["label"].lower() for row in rows if row.get("ok") is False]
        if wrong:
            said = f" {diagnosis.text}" if diagnosis else ""
            raise AssertionError(
                f"/agent answered {case} with {status_text(answer.status, answer.reason)} '{shown}' "
                f"(diagnosis: {found or 'none'}) instead of {status} '{message}' (diagnosis: {cause or 'none'}).{said}"
            )

    # ------------------------------------------------------------------ dispatch

    @keyword
    def unique_agent_room(self, prefix: str = "livekit-auth-agents") -> str:
        """Return ``prefix`` followed by a random suffix: a room no one else uses.

        Example:
        | ${room} = | Unique Agent Room |
        """
        return f"{prefix}-{random_source.token_hex(4)}"

    @keyword
    def caller_joins_asking_for_agent(self, alias: str, room: str, agent_name: str | None = None, credentials: str = "run key") -> None:
        """Join ``room`` as ``alias`` (signal level) with a token whose ``roomConfig.agents`` asks for ``agent_name``.

        ``agent_name`` ``${None}`` joins without ``roomConfig``. The caller stays in the room until
        `Stop Every Agent Worker`. ``credentials`` as in `Start Agent Worker`.

        Example:
        | Caller Joins Asking For Agent | caller | ${room} | livekit-auth-agent |
        """
        pair = self._credentials(credentials)
        token = self._remember(calls.caller_token(pair, f"livekit-auth-{alias}", room, agent_name))
        server = self._server(credentials)
        self._leave(alias)
        self._callers[alias] = run_client(
            signal.join_and_stay(server.ws_url, server.http_url, token, self.timeout, tuple(self._all_secrets())),
            self.timeout + 5,
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
    def agent_should_join_the_room(self, room: str, worker: str, timeout: Duration = "15 seconds", credentials: str = "run key") -> None:
        """Poll ``ListParticipants`` of ``room`` until the agent of ``worker`` is there as kind AGENT.

        The worker's job for the room must have arrived too. A dispatch that brings no agent fails
        with the diagnosis: no worker of that name, or a worker that reported itself full.

        Example:
        | Agent Should Join The Room | ${room} | tester |
        """
        process = self._worker(worker)
        started = time.monotonic()
        agents = self._wait_for_agents(room, float(timeout), credentials)
        job = process.wait_for("job", max(0.0, float(timeout) - (time.monotonic() - started)), lambda e: e.get("room") == room)
        if not agents or job is None:
            name = process.settings.agent_name
            diagnosis = agent_diagnosis.dispatch_without_agent(name, room, list(self._facts.values()), self._server().ws_url)
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
        facts = {"room": room, "identity": agents[0]["identity"], "agent_name": job.get("agent_name"), "worker_key": process.settings.api_key}
        self._record("dispatched", "Agent dispatched", rows, facts)

    @keyword
    def no_agent_should_join_the_room(self, room: str, wait: Duration = "3 seconds", agent_name: str = "", cause: str = "", credentials: str = "run key") -> None:
        """Check, by polling ``ListParticipants`` for ``wait``, that no agent joins ``room``.

        With ``cause``, the diagnosis a dispatch to ``agent_name`` without an agent gets must name it
        (``no-worker-for-agent``, ``worker-full``).

        Example:
        | No Agent Should Join The Room | ${room} | 3 seconds |
        """
        agents = self._wait_for_agents(room, float(wait), credentials)
        rows = [{"label": "Agents in the room", "expected": 0, "actual": len(agents), "ok": not agents}]
        diagnosis = None
        if cause:
            diagnosis = agent_diagnosis.dispatch_without_agent(agent_name, room, list(self._facts.values()), self._server().ws_url)
            rows.append({"label": "Diagnosis", "expected": cause, "actual": f"{diagnosis.cause}: {diagnosis.text}", "ok": diagnosis.cause == cause})
        log_table(f"No agent in {room}", rows)
        if agents:
            raise AssertionError(f"An agent joined room '{room}' although none was asked for: {agents[0]['identity']}.")
        if diagnosis is not None and diagnosis.cause != cause:
            raise AssertionError(f"The dispatch without an agent was diagnosed as {diagnosis.cause}, expected {cause}: {diagnosis.text}")

    @keyword
    def get_agent_token(self, worker: str, room: str) -> Secret:
        """Return, as a ``Secret``, the token the server minted for the agent of ``worker`` in ``room``.

        Example:
        | ${agent token} = | Get Agent Token | tester | ${room} |
        """
        process = self._worker(worker)
        job = process.wait_for("job", 0, lambda e: e.get("room") == room)
        token = None if job is None else process.token_of(job)
        if token is None:
            raise AssertionError(f"The worker {worker} got no job for room '{room}', so it holds no agent token for it.")
        self._known.add(token)
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
        process = self._worker(worker)
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
        self._record("agent_token", "Agent token as the server minted it", rows, facts)
        if claims.get("iss") != process.settings.api_key:
            raise AssertionError(f"The agent's token is signed with key '{claims.get('iss')}', not the worker's '{process.settings.api_key}'.")

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
        pair = self._credentials(credentials)
        token = calls.grants_token(pair, grants, room_in_token)
        if token is not None:
            self._remember(token)
        body = {"room": room, "agent_name": agent_name, "metadata": "dispatched by the livekit-auth acceptance suite"}
        exchange = self._twirp("AgentDispatchService", "CreateDispatch", token, body, credentials)
        shown = self._excerpt(exchange.body)
        ok_status = exchange.status == int(status)
        ok_text = not answer or answer.lower() in exchange.body.decode("utf-8", "replace").lower()
        log_table(
            "AgentDispatchService/CreateDispatch",
            [
                {"label": "Token", "value": f"{grants} ({pair.what})" if token else "none"},
                {"label": "Room in token", "value": room_in_token or "(none)"},
                {"label": "Status", "expected": int(status), "actual": exchange.status, "ok": ok_status},
                {"label": "Answer", "expected": f"contains '{answer}'" if answer else None, "actual": shown, "ok": ok_text if answer else None},
            ],
        )
        if not (ok_status and ok_text):
            raise AssertionError(
                f"CreateDispatch with {grants} ({pair.what}) answered {status_text(exchange.status, exchange.reason)} "
                f"'{shown}' instead of {status} with '{answer}'."
            )

    @keyword
    def use_a_server_with_two_key_pairs(self) -> None:
        """Have a server that holds two key pairs: workers use the first, callers the second (``second key``).

        With a server given by ``LIVEKIT_URL`` the run's first two configured pairs are used (set
        ``LIVEKIT_KEYS`` to two pairs the server holds), else the test is skipped saying so. Otherwise
        a second livekit-server is started with the run's first pair and a generated one.

        Example:
        | Use A Server With Two Key Pairs |
        """
        chosen = self._server()
        keys = list(self._keyring())
        if chosen.started is None:
            if len(keys) < 2:
                raise SkipExecution(
                    "The key-pair check needs a server with two key pairs: set LIVEKIT_KEYS to two pairs the server at "
                    f"{chosen.ws_url} holds."
                )
            self._second = calls.Credentials(keys[1].key, keys[1].secret, f"the second key '{keys[1].key}'")
            return
        second = calls.Credentials(f"second-{random_source.token_hex(3)}", calls.random_secret(), "")
        second = calls.Credentials(second.api_key, second.api_secret, f"the second key '{second.api_key}'")
        evidence.remember_secret(second.api_secret)
        if self._two_key_server is not None:
            self._two_key_server.stop()
        started = server_process.start_server(chosen.started.binary, {keys[0].key: keys[0].secret, second.api_key: second.api_secret})
        self._two_key_server, self._second = started, second
        log_table(
            "A server with two key pairs",
            [
                {"label": "Client URL", "value": started.ws_url},
                {"label": "Keys", "value": f"'{keys[0].key}' (the workers'), '{second.api_key}' (the callers')"},
            ],
        )

    @keyword
    def agent_keys_should_be_reported(self, worker: str, room: str) -> None:
        """Report the finding that a token of the second key dispatched the worker of the first key.

        Call it after the agent of ``worker`` joined ``room`` for a caller signed with ``second key``.
        The agent's token, minted by the server, is signed with the worker's key.

        Example:
        | Agent Keys Should Be Reported | tester | ${room} |
        """
        process = self._worker(worker)
        job = process.wait_for("job", 0, lambda e: e.get("room") == room)
        token = None if job is None else process.token_of(job)
        if token is None or self._second is None:
            raise AssertionError(f"No agent of {worker} joined room '{room}' for a caller of the second key.")
        signed = parse_token(token).server_claims.get("iss")
        text = (
            f"Key pairs are not tenants: a caller token signed with '{self._second.api_key}' dispatched the worker "
            f"registered with '{process.settings.api_key}', and the server signed the agent's token with '{signed}'. "
            "Key pairs of one server do not separate environments: use a server (or project) per environment."
        )
        report_finding("agent-key-pairs", text, "info")
        self._record("key_pairs", "Key pairs and agents", [{"key": "finding", "label": "Finding", "value": text}],
                     {"caller_key": self._second.api_key, "worker_key": process.settings.api_key, "agent_token_key": signed})

    # ------------------------------------------------------------------ helpers

    def _keyring(self):
        return run_context().keyring

    def _all_secrets(self) -> list[str]:
        found = list(self._keyring().secrets())
        if self._second is not None:
            found.append(self._second.api_secret)
        found += [worker.settings.api_secret for worker in self._workers.values()]
        return found

    def _server(self, credentials: str = "run key"):
        chosen = current_server.chosen()
        if chosen is None:
            raise AssertionError("No LiveKit server is chosen yet; call Use LiveKit Server first (in Suite Setup).")
        if " ".join(str(credentials).lower().split()) == "second key" and self._two_key_server is not None:
            return self._two_key_server
        return chosen

    def _credentials(self, name: str, worker: bool = False) -> calls.Credentials:
        wanted = " ".join(str(name).lower().split())
        if worker and wanted == "second key" and self._second is not None:
            primary = self._keyring().primary  # the worker of a two-key server uses the first pair
            return calls.Credentials(primary.key, primary.secret, f"the first key '{primary.key}' of a two-key server")
        return calls.credentials(name, self._keyring(), self._second)

    def _worker(self, alias: str) -> WorkerProcess:
        if alias not in self._workers:
            raise AssertionError(f"No agent worker '{alias}' is running; start it with Start Agent Worker first.")
        return self._workers[alias]

    def _remember(self, token: str) -> str:
        if token not in self._known:
            self._known.add(token)
            evidence.remember_token(token)
        return token

    def _excerpt(self, body: bytes, limit: int = 200) -> str:
        return excerpt(body, tokens=self._known, secrets=self._all_secrets(), limit=limit)

    def _log_tail(self, worker: WorkerProcess, lines: int = 12) -> str:
        return "\n".join(worker.log_text().strip().splitlines()[-lines:]) or "(empty)"

    def _ask_as(self, api_key: str, api_secret: str) -> agent_endpoint.AgentAnswer:
        pair = calls.Credentials(api_key, api_secret, "")
        token = self._remember(calls.worker_token(pair))
        return agent_endpoint.ask(self._server().http_url, token, timeout=self.timeout)

    def _endpoint_diagnosis(self, answer: agent_endpoint.AgentAnswer, api_key: str):
        return agent_diagnosis.agent_endpoint_answer(answer.status, self._excerpt(answer.body, 300), api_key, self._server().ws_url)

    def _not_registered(self, alias: str, worker: WorkerProcess, waited: float) -> str:
        answer = self._ask_as(worker.settings.api_key, worker.settings.api_secret)
        facts = agent_diagnosis.WorkerFacts(
            worker.settings.api_key, self._server().ws_url, False, worker.exit_code, worker.log_text().count(REFUSAL_LINE), waited
        )
        diagnosis = agent_diagnosis.worker_not_registered(facts, self._endpoint_diagnosis(answer, worker.settings.api_key))
        logger.info(f"The worker's log, scrubbed:\n{self._log_tail(worker)}")
        message = (
            f"The agent worker {alias} did not register within {waited:g} s; /agent answers its credentials with "
            f"{status_text(answer.status, answer.reason)} '{self._excerpt(answer.body)}'."
        )
        return recording.failure(message, diagnosis)

    def _twirp(self, service: str, method: str, token: str | None, body: dict, credentials: str = "run key"):
        try:
            return calls.twirp(self._session, self._server(credentials).http_url, service, method, token, body, self.timeout)
        except requests.RequestException as error:
            raise AssertionError(f"The LiveKit server did not answer {service}/{method}: {type(error).__name__}.") from None

    def _wait_for_agents(self, room: str, wait: float, credentials: str = "run key") -> list[dict]:
        pair = self._credentials(credentials)
        token = self._remember(calls.grants_token(pair, "roomAdmin", room))
        deadline = time.monotonic() + wait
        while True:
            exchange = self._twirp("RoomService", "ListParticipants", token, {"room": room}, credentials)
            if exchange.status != 200:
                raise AssertionError(f"ListParticipants of '{room}' answered {status_text(exchange.status, exchange.reason)} '{self._excerpt(exchange.body)}'.")
            found = calls.agents_in(load_json(exchange.body))
            if found or time.monotonic() >= deadline:
                return found
            time.sleep(POLL_SECONDS)

    def _leave(self, alias: str) -> None:
        held = self._callers.pop(alias, None)
        if held is not None:
            try:
                run_client(held.leave(), 5, f"the leave of {alias}")
            except AssertionError:
                pass

    def _record(self, fact: str, title: str, rows: list[dict], facts: dict) -> None:
        logger.info(evidence.table(title, rows, {"title": title, "rows": rows, AGENTS_KEY: fact, "facts": facts}), html=True)
