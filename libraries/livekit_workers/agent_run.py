"""What the agent keyword libraries of one run share: the workers, the callers, the second key pair,
the tokens seen, and the server calls they make. Without Robot Framework.

One instance per process (:func:`agent_run`), as the keyword libraries share one run context:
``LiveKitAgents`` starts the workers, ``LiveKitAgentDispatch`` dispatches them, both read here.
"""

from __future__ import annotations

import contextlib
import time

import requests

from livekit_client import signal
from livekit_client.loop import run as run_client
from livekit_diagnosis import agents as agent_diagnosis
from livekit_http.answers import excerpt, load_json, status_text
from livekit_server import current as current_server
from livekit_tokens import evidence
from livekit_tokens.robot_context import run_context

from . import agent_endpoint, calls
from .process import WorkerProcess

POLL_SECONDS = 0.25  # between two ListParticipants of a bounded wait
FULL_LOAD = 0.7  # the load from which a worker reports itself full (livekit-agents' threshold outside development)


class AgentRun:
    """The state of the agent checks of one run, and the calls every keyword needs."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self.python = None  # the workers' Python, once their environment is ready
        self.workers: dict[str, WorkerProcess] = {}
        self.facts: dict[str, dict] = {}  # alias -> what its worker reported, for the dispatch diagnoses
        self.callers: dict[str, signal.HeldJoin] = {}
        self.second: calls.Credentials | None = None
        self.two_key_server = None  # a server started with two key pairs
        self.without_two_keys = ""  # why there is no server with two key pairs, when there is none
        self.known: set[str] = set()
        self._session = calls.session()

    # ------------------------------------------------------------------ keys and servers

    @property
    def keyring(self):
        return run_context().keyring

    def secrets(self) -> list[str]:
        found = list(self.keyring.secrets())
        if self.second is not None:
            found.append(self.second.api_secret)
        found += [worker.settings.api_secret for worker in self.workers.values()]
        return found

    def server(self, credentials: str = "run key"):
        """The server `Use LiveKit Server` chose, or the two-key server for ``second key``."""
        chosen = current_server.chosen()
        if chosen is None:
            raise AssertionError("No LiveKit server is chosen yet; call Use LiveKit Server first (in Suite Setup).")
        if _words(credentials) == "second key" and self.two_key_server is not None:
            return self.two_key_server
        return chosen

    def credentials(self, name: str, worker: bool = False) -> calls.Credentials:
        if worker and _words(name) == "second key" and self.second is not None:
            primary = self.keyring.primary  # the worker of a two-key server uses the first pair
            return calls.Credentials(primary.key, primary.secret, f"the first key '{primary.key}' of a two-key server")
        return calls.credentials(name, self.keyring, self.second)

    def worker(self, alias: str) -> WorkerProcess:
        if alias not in self.workers:
            raise AssertionError(f"No agent worker '{alias}' is running; start it with Start Agent Worker first.")
        return self.workers[alias]

    def job_token(self, alias: str, room: str) -> str | None:
        """The token the server minted for the agent of worker ``alias`` in ``room``, if its job came."""
        process = self.worker(alias)
        job = process.wait_for("job", 0, lambda event: event.get("room") == room)
        return None if job is None else process.token_of(job)

    # ------------------------------------------------------------------ tokens in what is shown

    def remember(self, token: str) -> str:
        if token not in self.known:
            self.known.add(token)
            evidence.remember_token(token)
        return token

    def excerpt(self, body: bytes, limit: int = 200) -> str:
        return excerpt(body, tokens=self.known, secrets=self.secrets(), limit=limit)

    @staticmethod
    def log_tail(worker: WorkerProcess, lines: int = 12) -> str:
        return "\n".join(worker.log_text().strip().splitlines()[-lines:]) or "(empty)"

    # ------------------------------------------------------------------ server calls

    def ask_as(self, api_key: str, api_secret: str) -> agent_endpoint.AgentAnswer:
        """What ``/agent`` answers a worker of this key pair, asked as livekit-agents asks it."""
        token = self.remember(calls.worker_token(calls.Credentials(api_key, api_secret, "")))
        return agent_endpoint.ask(self.server().http_url, token, timeout=self.timeout)

    def endpoint_diagnosis(self, answer: agent_endpoint.AgentAnswer, api_key: str):
        return agent_diagnosis.agent_endpoint_answer(answer.status, self.excerpt(answer.body, 300), api_key, self.server().ws_url)

    def twirp(self, service: str, method: str, token: str | None, body: dict, credentials: str = "run key"):
        try:
            return calls.twirp(self._session, self.server(credentials).http_url, service, method, token, body, self.timeout)
        except requests.RequestException as error:
            raise AssertionError(f"The LiveKit server did not answer {service}/{method}: {type(error).__name__}.") from None

    def wait_for_agents(self, room: str, wait: float, credentials: str = "run key") -> list[dict]:
        """The agents ``ListParticipants`` shows in ``room``, polled until one is there or ``wait`` seconds passed."""
        token = self.remember(calls.grants_token(self.credentials(credentials), "roomAdmin", room))
        deadline = time.monotonic() + wait
        while True:
            exchange = self.twirp("RoomService", "ListParticipants", token, {"room": room}, credentials)
            if exchange.status != 200:
                answered = status_text(exchange.status, exchange.reason)
                raise AssertionError(f"ListParticipants of '{room}' answered {answered} '{self.excerpt(exchange.body)}'.")
            found = calls.agents_in(load_json(exchange.body))
            if found or time.monotonic() >= deadline:
                return found
            time.sleep(POLL_SECONDS)

    def dispatch_diagnosis(self, agent_name: str, room: str):
        return agent_diagnosis.dispatch_without_agent(agent_name, room, list(self.facts.values()), self.server().ws_url)

    # ------------------------------------------------------------------ the end

    def leave(self, alias: str) -> None:
        held = self.callers.pop(alias, None)
        if held is not None:
            with contextlib.suppress(AssertionError):
                run_client(held.leave(), 5, f"the leave of {alias}")

    def stop_worker(self, alias: str) -> int | None:
        worker = self.workers.pop(alias, None)
        return None if worker is None else worker.stop()

    def stop_everything(self) -> None:
        for alias in list(self.callers):
            self.leave(alias)
        for worker in self.workers.values():
            worker.ask_to_stop()
        for alias in list(self.workers):
            self.stop_worker(alias)
        if self.two_key_server is not None:
            self.two_key_server.stop()
            self.two_key_server = None


def _words(text: str) -> str:
    return " ".join(str(text).lower().split())


_AGENT_RUN = AgentRun()


def agent_run() -> AgentRun:
    """The agent checks' state this process shares."""
    return _AGENT_RUN
