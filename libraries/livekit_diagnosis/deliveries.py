"""Diagnoses of what reaches the app from LiveKit's side: the server's webhooks at a receiver, and the
token LiveKit's JS client fetches from a token endpoint. They read what the collector received (each
POST with its verdict) and what the endpoint answered this run's own request."""

from __future__ import annotations

from .model import Candidate, Diagnosis

_REFUSED = {
    "unknown-api-key": (
        "The LiveKit server signs its webhooks with an API key this run does not know ({key}).",
        "Set the server's webhook.api_key to a key of LIVEKIT_API_KEY/LIVEKIT_KEYS, or configure that key here.",
    ),
    "signature": (
        "The LiveKit server signs its webhooks with another secret for key {key} than this run holds.",
        "Give the server and the suite the same secret for that key (the server's keys, LIVEKIT_API_SECRET).",
    ),
    "checksum": (
        "The body of the server's webhook was changed on its way (its sha256 claim names another body).",
        "Let webhooks reach the receiver unchanged: no proxy or framework that re-encodes the JSON body before it is checked.",
    ),
    "expired": (
        "The server's webhooks arrive with an expired token: its clock and this machine's are far apart, or they were delayed.",
        "Synchronise both clocks (NTP); a webhook token is valid for 5 minutes.",
    ),
    "not-yet-valid": (
        "The server's webhooks arrive with a token that is not valid yet: the server's clock runs ahead of this machine's.",
        "Synchronise both clocks (NTP).",
    ),
}


def webhook_delivery(received: list[dict], wanted: str, server_started_here: bool, collector_url: str | None = None) -> Diagnosis:
    """Why the wanted webhook(s) did not arrive verified, from every POST the collector received."""
    refused = [item for item in received if not item.get("verified")]
    verified = [item for item in received if item.get("verified")]
    if refused:
        first = refused[0]
        sentence, fix = _REFUSED.get(
            str(first.get("cause")),
            (
                f"The collector refused the server's webhooks: {first.get('reason') or first.get('cause')}.",
                "Compare the server's webhook settings (webhook.api_key, webhook.urls) with this run's keys.",
            ),
        )
        return Diagnosis.certain(f"webhook-{first.get('cause')}", sentence.format(key=first.get("api_key")), fix)
    if not received:
        if not server_started_here:
            return Diagnosis.certain(
                "webhook-not-configured",
                f"The LiveKit server sent no webhook to the collector{_at(collector_url)}: a server given by LIVEKIT_URL "
                "sends its webhooks where its own configuration says.",
                "Add the collector's URL under the server's webhook.urls, or let the suite start the server.",
            )
        return Diagnosis.among(
            [
                Candidate(
                    "webhook-events-missing",
                    "The server sent no webhook at all: the event it reports did not happen (the client never joined).",
                    "Check the client's join in the suite setup's log.",
                ),
                Candidate(
                    "webhook-late",
                    "The server's webhooks are still on their way: it sends them in the background.",
                    "Give the check a longer timeout.",
                ),
            ],
            "whether the server's log shows the participant joining",
        )
    seen = ", ".join(dict.fromkeys(f"{item.get('event')} for {item.get('participant')!r}" for item in verified[:8]))
    return Diagnosis.certain(
        "webhook-other-events",
        f"The server's webhooks verify, but none is {wanted}; it sent {seen}: the client joined with another identity "
        "or room than the check expects, or that event did not happen.",
        "Expect the identity and room the token carries (the five-step settings), and check the client's join.",
    )


def js_client(problem: str, standard_request_answered: bool) -> Diagnosis:
    """Why LiveKit's JS client got no token, or another one, from an endpoint this run's own request may have reached."""
    if problem == "mismatch":
        return Diagnosis.certain(
            "endpoint-ignores-request",
            "The endpoint mints its token for another participant or room than LiveKit's JS client asked for: it does "
            "not take participant_identity, room_name or the agent dispatch from the request.",
            "Read those fields from the request body (LiveKit's token endpoint protocol) or from the signed-in user, "
            "and mint for exactly them.",
        )
    if problem == "bare token":
        return Diagnosis.certain(
            "endpoint-bare-token",
            "The endpoint answers the bare token as text, which LiveKit's TokenSource cannot read: it expects a JSON "
            "object with the server URL and the token.",
            'Answer with Content-Type: application/json and {"server_url": "wss://...", "participant_token": "..."} '
            "(camelCase serverUrl and participantToken are read too).",
        )
    if standard_request_answered:
        return Diagnosis.certain(
            "endpoint-refuses-js-client",
            "The endpoint answers this suite's standard request but not LiveKit's JS client's: it refuses something "
            "the client sends its own way (its headers, a field it does not know, the agent dispatch in room_config).",
            "Accept LiveKit's standard request as TokenSource.endpoint sends it; compare the endpoint's log of both requests.",
        )
    return Diagnosis.certain(
        "endpoint-unusable",
        "The endpoint gave no token to LiveKit's JS client, and this run's standard request got none either.",
        "Fix the endpoint's answer to the standard request first (see that test's failure).",
    )


def _at(url: str | None) -> str:
    return f" at {url}" if url else ""
