"""Robot Framework library for LiveKit's agent workers: a real ``livekit-agents`` worker registering with
the key pair, refused for a wrong one, and what the server's ``/agent`` endpoint answers each token."""

from __future__ import annotations

import time

from robot.api import logger
from robot.api.deco import keyword, library

from livekit_diagnosis import agents as agent_diagnosis
from livekit_diagnosis import recording
from livekit_http.answers import status_text
from livekit_tokens import evidence
from livekit_tokens.arguments import CONVERTERS, Duration, typed_arguments
from livekit_tokens.robot_context import log_table
from livekit_tokens.timeutil import now as current_time
from livekit_workers import agent_endpoint, calls
from livekit_workers import environment as worker_environment
from livekit_workers.agent_run import FULL_LOAD, agent_run
from livekit_workers.process import WorkerProcess, WorkerSettings

__version__ = "1.0.0"

AGENTS_KEY = "agents"  # the stable key of the agent evidence records, read by the sign-off (livekit_signoff.agents)
# What livekit-agents 1.8.9 logs of a refused registration (aiohttp's handshake error): "401, message='Invalid response status'".
REFUSAL_LINE = "401, message="
REFUSAL_CHECK_SECONDS = 1.0  # how often a registration wait looks for a refusal in the worker's log


def record(fact: str, title: str, rows: list[dict], facts: dict) -> None:
    """Log an evidence table of the agent checks; ``fact`` and ``facts`` are its stable names for the sign-off."""
    logger.info(evidence.table(title, rows, {"title": title, "rows": rows, AGENTS_KEY: fact, "facts": facts}), html=True)


@library(scope="GLOBAL", version=__version__, doc_format="ROBOT")
@typed_arguments
class LiveKitAgents:
    """Start real ``livekit-agents`` workers against a LiveKit server and check how it admits them.

    The worker runs in an environment of its own (``.venv-agents``, from ``requirements-agents.txt``,
    made on first use: ``livekit-agents`` pins another release of the real-time SDK than the
    project). It reads ``LIVEKIT_URL``, ``LIVEKIT_API_KEY`` and ``LIVEKIT_API_SECRET`` from its
    environment, as every worker does, and reports what the suite needs (registered, each job, the
    token the server minted for the agent) over a loopback connection, never in its log. Its log is
    shown only scrubbed of every secret and token.

    The server is the one `Use LiveKit Server` chose (``LiveKitHttp``). ``LiveKitAgentDispatch``
    dispatches the workers started here.
    """

    ROBOT_LIBRARY_CONVERTERS = CONVERTERS

    def __init__(self, timeout: float = 10.0):
        """``timeout`` is the number of seconds to wait for an HTTP answer.

        Example:
        | Library | LiveKitAgents | timeout=5 |
        """
        self.run = agent_run()
        self.run.timeout = float(timeout)

    # ------------------------------------------------------------------ the worker's environment and process

    @keyword
    def agent_worker_environment_should_be_ready(self) -> None:
        """Make the workers' environment on first use (``.venv-agents``) and log what it holds.

        The first time it installs about 390 MB, in half a minute to a few minutes; later runs find it ready.

        Example:
        | Agent Worker Environment Should Be Ready |
        """
        started = time.monotonic()
        try:
            self.run.python = worker_environment.ensure(announce=logger.console)
        except worker_environment.EnvironmentFailure as failure:
            logger.console(str(failure))  # a failed suite setup shows only its first line in the tests
            raise
        log_table(
            "Agent workers' environment",
            [
                {"label": "Python", "value": str(self.run.python)},
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
        if self.run.python is None:
            self.agent_worker_environment_should_be_ready()
        server = self.run.server(credentials)
        pair = self.run.credentials(credentials, worker=True)
        if pair.api_secret not in {key.secret for key in self.run.keyring}:
            evidence.remember_secret(pair.api_secret)
        self.stop_agent_worker(alias)
        settings = WorkerSettings(server.ws_url, pair.api_key, pair.api_secret, agent_name, float(load), int(retries))
        self.run.workers[alias] = WorkerProcess(self.run.python, settings, self.run.secrets())
        self.run.facts[alias] = {
            "agent_name": agent_name,
            "api_key": pair.api_key,
            "registered": False,
            "full": float(load) >= FULL_LOAD,
        }
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
    def agent_worker_should_register(self, alias: str, timeout: Duration = "90 seconds") -> None:
        """Wait until the worker ``alias`` registered with the server and log its id and key.

        A worker registered about 5 s after its start on the project's 2-core machine, most of it
        importing livekit-agents; while other runs shared the cores its imports alone took over
        30 s, hence the generous default ``timeout``.

        A worker that does not register fails with the server's answer to its credentials on
        ``/agent`` and the diagnosis; one that exited says so (livekit-agents exits 0 after giving up).
        The wait ends as soon as the worker's log shows the server's 401: it would only retry.

        Example:
        | Agent Worker Should Register | tester |
        """
        worker = self.run.worker(alias)
        started, event = time.monotonic(), None
        while event is None and time.monotonic() - started < float(timeout):
            event = worker.wait_for("registered", min(REFUSAL_CHECK_SECONDS, float(timeout) - (time.monotonic() - started)))
            if event is None and (REFUSAL_LINE in worker.log_text() or worker.process_finished()):
                break  # refused (the server is asked why below) or gone: no use waiting for its retries
        if event is None:
            raise AssertionError(self._not_registered(alias, worker, round(time.monotonic() - started, 1)))
        self.run.facts[alias].update(registered=True, full=bool(event.get("full")))
        rows = [
            {"key": "api_key", "label": "API key", "value": worker.settings.api_key},
            {"key": "agent_name", "label": "Agent name", "value": event.get("agent_name") or "(automatic dispatch)"},
            {"key": "worker_id", "label": "Worker id (the server's)", "value": event.get("worker_id")},
            {"key": "seconds", "label": "Registered after", "value": f"{event['at']:.1f} s from the process start"},
            {"key": "sdk", "label": "livekit-agents", "value": (worker.events("started") or [{}])[0].get("sdk")},
        ]
        record("registered", f"Agent worker {alias} registered", rows, {**self.run.facts[alias], "alias": alias})

    @keyword
    def agent_worker_should_be_refused(self, alias: str, message: str, cause: str, timeout: Duration = "90 seconds") -> None:
        """Check that the worker ``alias`` never registered: its log shows the server's 401, it gave up,
        and the server answers its credentials on ``/agent`` with 401 and ``message``; the diagnosis names ``cause``.

        Judged by the server's answer and the worker's log, never by its exit code: livekit-agents
        exits 0 after giving up.

        Example:
        | Agent Worker Should Be Refused | intruder | signature is invalid | secret-mismatch |
        """
        worker = self.run.worker(alias)
        code = worker.wait_for_exit(float(timeout))
        registered = worker.events("registered")
        refusals = worker.log_text().count(REFUSAL_LINE)
        answer = self.run.ask_as(worker.settings.api_key, worker.settings.api_secret)
        shown = self.run.excerpt(answer.body)
        facts = agent_diagnosis.WorkerFacts(worker.settings.api_key, self.run.server().ws_url, bool(registered), code, refusals)
        diagnosis = agent_diagnosis.worker_not_registered(facts, self.run.endpoint_diagnosis(answer, worker.settings.api_key))
        rows = [
            {"label": "Registered", "expected": False, "actual": bool(registered), "ok": not registered},
            {"label": "Exit code", "expected": None, "actual": "still running" if code is None else code, "ok": None},
            {"label": "401 in its log", "expected": "at least once", "actual": refusals, "ok": refusals > 0},
            {"label": "/agent status", "expected": 401, "actual": answer.status, "ok": answer.status == 401},
            {
                "label": "/agent answer",
                "expected": f"contains '{message}'",
                "actual": shown,
                "ok": message.lower() in shown.lower(),
            },
            {
                "label": "Diagnosis",
                "expected": cause,
                "actual": f"{diagnosis.cause}: {diagnosis.text}",
                "ok": diagnosis.cause == cause,
            },
        ]
        if code is not None:  # livekit-agents exits 0 after giving up: the diagnosis says so in those words
            said = f"exited {code} but never registered"
            rows.append(
                {"label": "Said as", "expected": f"'{said}'", "actual": diagnosis.sentence, "ok": said in diagnosis.sentence}
            )
        log_table(f"Agent worker {alias} refused", rows)
        logger.info(f"The worker's log, scrubbed:\n{self.run.log_tail(worker)}")
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
        worker = self.run.workers.pop(alias, None)
        if worker is not None:
            code = worker.stop()
            logger.info(f"Stopped the agent worker {alias} (exit code {code}).")

    @keyword
    def stop_every_agent_worker(self) -> None:
        """Stop every worker, let every caller leave and stop a server started with two key pairs (a teardown).

        Example:
        | Suite Teardown | Stop Every Agent Worker |
        """
        stopping = dict(self.run.workers)
        self.run.stop_everything()
        for alias, worker in stopping.items():
            logger.info(f"Stopped the agent worker {alias} (exit code {worker.exit_code}).")

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
        chosen = calls.endpoint_case(case, self.run.keyring, current_time())
        if chosen.token:
            self.run.remember(chosen.token)
        answer = agent_endpoint.ask(
            self.run.server().http_url, chosen.token, chosen.scheme, chosen.in_query, chosen.upgrade, self.run.timeout
        )
        shown = self.run.excerpt(answer.body) if answer.body else ("(WebSocket upgrade)" if answer.upgraded else "(empty)")
        diagnosis = self.run.endpoint_diagnosis(answer, chosen.api_key)
        found = diagnosis.cause if diagnosis else ""
        rows = [
            {"label": "Request", "value": f"GET /agent ({case})"},
            {"label": "Token sent", "value": evidence.fingerprint(chosen.token) if chosen.token else "none"},
            {"label": "Status", "expected": int(status), "actual": answer.status, "ok": answer.status == int(status)},
            {
                "label": "Answer",
                "expected": f"contains '{message}'" if message else None,
                "actual": shown,
                "ok": (message.lower() in answer.text.lower()) if message else None,
            },
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

    def _not_registered(self, alias: str, worker: WorkerProcess, waited: float) -> str:
        run = self.run
        answer = run.ask_as(worker.settings.api_key, worker.settings.api_secret)
        facts = agent_diagnosis.WorkerFacts(
            worker.settings.api_key, run.server().ws_url, False, worker.exit_code, worker.log_text().count(REFUSAL_LINE), waited
        )
        diagnosis = agent_diagnosis.worker_not_registered(facts, run.endpoint_diagnosis(answer, worker.settings.api_key))
        logger.info(f"The worker's log, scrubbed:\n{run.log_tail(worker)}")
        message = (
            f"The agent worker {alias} did not register within {waited:g} s; /agent answers its credentials with "
            f"{status_text(answer.status, answer.reason)} '{run.excerpt(answer.body)}'."
        )
        return recording.failure(message, diagnosis)
