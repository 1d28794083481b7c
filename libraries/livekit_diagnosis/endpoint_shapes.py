"""Diagnoses of token endpoints as apps build them: a dev server's slow first request, a cache
verdict the run's own observations contradict."""

from __future__ import annotations

from .model import Candidate, Diagnosis


def slow_first_request(host: str, timeout: float | None) -> Diagnosis:
    """The token endpoint did not answer in time: on a development server, most likely its first request."""
    limit = f"{timeout:g} s" if timeout else "the time limit"
    return Diagnosis.among(
        [
            Candidate(
                "endpoint-slow-first-request",
                f"The token endpoint at {host} accepted the connection but took longer than {limit}: a development server "
                "(next dev) compiles a route on its first request, which often takes 20 s or more.",
                "Set LIVEKIT_ENDPOINT_WARM_UP=60 seconds (one unjudged request first) or LIVEKIT_ENDPOINT_TIMEOUT=60 seconds; "
                "or build and start the app (next build, next start).",
            ),
            Candidate(
                "endpoint-hangs",
                f"The token endpoint at {host} hangs on the request: it waits for something (a database, a remote call) "
                "that does not answer.",
                "Look at the app's log for the request; a token route needs no remote call to mint.",
            ),
        ],
        "Whether a second request, after the first one finished in the app's log, answers quickly (if no connection "
        "opens at all, a firewall drops the packets).",
    )


def not_cached(cache_control: str | None, identities_differ: bool) -> bool:
    """True when the run saw an answer with no-store and two different identities: no cache served them."""
    return bool(identities_differ) and "no-store" in (cache_control or "").lower()


def dated_in_the_past(before: str, cache_control: str | None) -> Diagnosis:
    """A token dated before its request by an endpoint the run saw answering fresh: no cache is the cause."""
    return Diagnosis.among(
        [
            Candidate(
                "endpoint-backdated",
                f"The endpoint dates its tokens {before} before it mints them (nbf set back on purpose, or a fixed start "
                f"time); no cache served them: its answers say Cache-Control: {cache_control} and two requests got two "
                "different identities.",
                "Let the SDK write nbf as the moment of minting (livekit-server-sdk 2.15 or newer does), or leave nbf out.",
            ),
            Candidate(
                "endpoint-clock",
                f"The clock of the machine the endpoint runs on runs {before} behind, and the token is dated by it.",
                "Synchronise the clock of that machine with NTP.",
            ),
        ],
        "The endpoint's Date header: a clock that agrees with this machine's leaves the backdated nbf.",
    )
