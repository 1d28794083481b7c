"""Diagnoses of the agent paths: a worker that does not register, a dispatch that brings no agent.

A worker is judged by what the server answered, never by its exit code: ``livekit-agents`` logs only
``401, message='Invalid response status'`` for a refused registration, retries, logs ``worker
failed`` and exits with code 0. The server's answer to the same credentials on ``/agent`` names the
cause (as livekit-server v1.13.5 words it). No sentence quotes a token or a secret.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Diagnosis

AGENT_GRANT_FIX = (
    "Register through livekit-agents, which mints its own token with the agent grant, or mint the "
    "worker's token with video.agent true (VideoGrants(agent=True))."
)
FULL_FIX = (
    "Let the worker report the load it really has: its default load function measures this machine's CPU, "
    "so a fresh worker on a busy machine reports itself full; give it a load_fnc of its own, raise "
    "load_threshold, or run more workers."
)


@dataclass(frozen=True)
class WorkerFacts:
    """How a worker ended: the key it used, whether it registered, its exit code, what its log shows."""

    api_key: str
    server_url: str | None = None
    registered: bool = False
    exit_code: int | None = None  # None: still running
    refusals_logged: int = 0  # lines of its log with the server's 401
    waited: float | None = None  # seconds the check waited for the registration


def _name(value: object) -> str:
    shown = "".join(ch if ch.isprintable() else "?" for ch in str(value))
    return shown if len(shown) <= 64 else shown[:61] + "..."


def _server(url: str | None) -> str:
    return f"the server at {url}" if url else "the server"


def agent_endpoint_answer(status: int | None, message: str, api_key: str, server_url: str | None = None) -> Diagnosis | None:
    """The cause of a refusal on ``/agent``, from the server's status and (scrubbed) message; None for 101."""
    text = (message or "").lower()
    key, server = _name(api_key), _server(server_url)
    if status == 101:
        return None
    if status == 401 and "invalid api key" in text:
        return Diagnosis.certain(
            "unknown-api-key",
            f"{server.capitalize()} does not know API key '{key}', the key the worker registers with.",
            f"Set the worker's LIVEKIT_API_KEY to a key in the server's keys, or add '{key}' with its secret there.",
        )
    if status == 401 and "signature is invalid" in text:
        return Diagnosis.certain(
            "secret-mismatch",
            f"{server.capitalize()} knows API key '{key}' but holds another secret for it than the worker's.",
            f"Set the worker's LIVEKIT_API_SECRET to the secret the server's configuration has for '{key}'.",
        )
    if status == 401 and "no permissions to access the room" in text:
        return Diagnosis.certain(
            "agent-grant-missing",
            "The request on /agent carried no token with the agent grant (video.agent), which the server requires of a worker.",
            AGENT_GRANT_FIX,
        )
    if status == 401 and ("token is expired" in text or "not valid yet" in text):
        return Diagnosis.certain(
            "worker-clock",
            "The worker's token was outside its validity when the server read it: livekit-agents mints a fresh one "
            "on every attempt, so the worker's clock and the server's disagree.",
            "Synchronise the clocks of the worker's and the server's machines with NTP.",
        )
    if status == 401 and "invalid authorization token" in text:
        return Diagnosis.certain(
            "malformed",
            "The Authorization header of the request on /agent holds something that is not a JWT.",
            "Send 'Authorization: Bearer <token>' with a token signed by the worker's key pair.",
        )
    if status == 401 and "invalid authorization header" in text:
        return Diagnosis.certain(
            "auth-scheme",
            "The request on /agent used another Authorization scheme than Bearer.",
            "Send the worker's token as 'Authorization: Bearer <token>'.",
        )
    if status == 404:
        return Diagnosis.certain(
            "not-a-worker-connection",
            f"{server.capitalize()} answered 404 on /agent: it serves workers only over a WebSocket upgrade, or the "
            "URL leads to something else than a LiveKit server.",
            "Set LIVEKIT_URL of the worker to the server's own URL (ws:// or wss://, no path) and connect with livekit-agents.",
        )
    return None


def worker_not_registered(facts: WorkerFacts, answer: Diagnosis | None) -> Diagnosis:
    """A worker that did not register: said as such, with the cause the server's answer names."""
    if facts.exit_code is not None:
        opening = (
            f"The worker exited {facts.exit_code} but never registered"
            + (" (livekit-agents exits 0 after giving up, so the exit code says nothing)" if facts.exit_code == 0 else "")
            + "."
        )
    else:
        waited = f" within {facts.waited:g} s" if facts.waited is not None else ""
        opening = f"The worker did not register{waited}."
    if facts.refusals_logged:
        opening += f" Its log shows the server's 401 {facts.refusals_logged} time(s)."
    if answer is None:
        return Diagnosis.certain(
            "worker-not-registered",
            f"{opening} The server accepts its credentials on /agent, so the cause is on the worker's side "
            "(its URL, a proxy, or the program itself).",
            "Read the worker's log for the error it gave; check its LIVEKIT_URL and any HTTP proxy in its environment.",
        )
    return Diagnosis(answer.cause, f"{opening} {answer.sentence}", answer.fix, answer.candidates, answer.decider)


def dispatch_without_agent(agent_name: str, room: str, workers: list[dict], server_url: str | None = None) -> Diagnosis:
    """A dispatch that brought no agent into ``room``: no worker of that name, or the worker said it was full.

    ``workers`` are what the test workers of the run reported: their agent name, whether they
    registered and whether they reported themselves full.
    """
    name, server = _name(agent_name), _server(server_url)
    named = [worker for worker in workers if worker.get("agent_name") == agent_name and worker.get("registered")]
    if not named:
        others = sorted({_name(worker.get("agent_name")) for worker in workers if worker.get("registered")})
        seen = f" (the workers registered here are named {', '.join(repr(o) for o in others)})" if others else ""
        return Diagnosis.certain(
            "no-worker-for-agent",
            f"No worker registered as agent '{name}' on {server}{seen}: the server had no one to give the job of room "
            f"'{_name(room)}' to.",
            f"Start a worker with agent_name '{name}' and the server's key pair, or ask for the name a worker registers.",
        )
    if all(worker.get("full") for worker in named):
        return Diagnosis.certain(
            "worker-full",
            f"The worker registered as '{name}' reported itself full, so the server offered it no job and dropped the "
            "dispatch without trying again.",
            FULL_FIX,
        )
    return Diagnosis.certain(
        "agent-did-not-join",
        f"A worker registered as '{name}' was available, but no agent joined room '{_name(room)}' in time.",
        "Read the worker's log: its entrypoint must accept the job and call ctx.connect() to join the room.",
    )
