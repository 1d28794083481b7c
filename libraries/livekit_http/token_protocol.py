"""LiveKit's standard token-endpoint protocol, seen from the client.

Request (``POST``, JSON, snake_case, every field optional): ``room_name``, ``participant_name``,
``participant_identity``, ``participant_metadata``, ``participant_attributes`` (text to text) and
``room_config`` with ``agents: [{agent_name, metadata}]``. Answer: any 2xx (201 by convention) with
JSON ``{"server_url": ..., "participant_token": ...}``; other fields are ignored by clients.
This is what ``TokenSource.endpoint`` of ``livekit-client`` sends and expects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from livekit_tokens import grants as model
from livekit_tokens.verification import identity_of

from .answers import TOO_DEEP, UnreadableJson, excerpt, load_json, status_text

REQUIRED_FIELDS = ("server_url", "participant_token")
SERVER_URL_SCHEMES = ("ws://", "wss://", "http://", "https://")


@dataclass(frozen=True)
class TokenAnswer:
    """What a token endpoint answered; ``token`` is the only field never to be logged."""

    status: int
    server_url: str
    token: str
    content_type: str
    cache_control: str | None


def build_request(
    room_name: str | None = None,
    participant_identity: str | None = None,
    participant_name: str | None = None,
    participant_metadata: str | None = None,
    participant_attributes: dict | None = None,
    agent_name: str | None = None,
    agent_metadata: str | None = None,
) -> dict:
    """The JSON body of a standard token request; empty values are left out, as clients do."""
    body: dict = {}
    for name, value in (
        ("room_name", room_name),
        ("participant_name", participant_name),
        ("participant_identity", participant_identity),
        ("participant_metadata", participant_metadata),
    ):
        if value not in (None, ""):
            body[name] = value
    if participant_attributes:
        body["participant_attributes"] = {str(key): str(value) for key, value in participant_attributes.items()}
    if agent_name not in (None, ""):
        agent = {"agent_name": agent_name}
        if agent_metadata not in (None, ""):
            agent["metadata"] = agent_metadata
        body["room_config"] = {"agents": [agent]}
    return body


def read_answer(
    status: int,
    reason: str | None,
    content_type: str | None,
    cache_control: str | None,
    body: bytes,
    secrets: Iterable[str] = (),
) -> TokenAnswer:
    """Check a token endpoint's answer and return it, or fail with one sentence saying what is wrong."""
    if not 200 <= status < 300:
        raise AssertionError(
            f"The token endpoint answered {status_text(status, reason)} instead of a 2xx status: {excerpt(body, secrets=secrets)}"
        )
    try:
        document = load_json(body)
    except UnreadableJson as unreadable:
        if unreadable.too_deep:
            raise AssertionError(f"The token endpoint answered {status} with JSON {TOO_DEEP}.") from None
        kind = content_type or "no Content-Type"
        raise AssertionError(
            f"The token endpoint answered {status} with a body that is not JSON ({kind}): {excerpt(body, secrets=secrets)}"
        ) from None
    if not isinstance(document, dict):
        raise AssertionError(
            f"The token endpoint answered {status} with JSON {model.json_kind(document)}, "
            "not an object with server_url and participant_token."
        )
    missing = [name for name in REQUIRED_FIELDS if document.get(name) in (None, "")]
    if missing:
        present = ", ".join(sorted(document)) or "no fields"
        raise AssertionError(f"The token endpoint's answer lacks {' and '.join(missing)} (it has: {present}).")
    wrong = [f"{name} is {model.json_kind(document[name])}" for name in REQUIRED_FIELDS if not isinstance(document[name], str)]
    if wrong:
        raise AssertionError(f"The token endpoint's answer is not usable: {' and '.join(wrong)}, not text.")
    server_url = document["server_url"]
    if not server_url.lower().startswith(SERVER_URL_SCHEMES):
        raise AssertionError(
            f"The token endpoint's server_url '{excerpt(server_url, secrets=secrets, limit=80)}' is not a "
            "ws://, wss://, http:// or https:// URL."
        )
    return TokenAnswer(
        status=status,
        server_url=server_url,
        token=document["participant_token"],
        content_type=content_type or "",
        cache_control=cache_control,
    )


def room_of(claims: dict) -> str:
    video = model.server_view(claims, {"video": model.OBJECT}).get("video")
    if not isinstance(video, dict):
        return ""
    room = model.server_view(video, model.VIDEO_FIELDS).get("room")
    return room if isinstance(room, str) else ""


def agents_of(claims: dict) -> list[dict]:
    """Agent dispatches in the token's ``roomConfig``, each as ``{agent_name, metadata}``.

    SDKs write the room configuration with protobuf JSON names (``agentName``); the server reads
    both spellings, and so does this.
    """
    config = claims.get("roomConfig")
    if not isinstance(config, dict):
        return []
    agents = config.get("agents")
    if not isinstance(agents, list):
        return []
    found = []
    for agent in agents:
        if isinstance(agent, dict):
            found.append(
                {
                    "agent_name": agent.get("agentName", agent.get("agent_name", "")),
                    "metadata": agent.get("metadata", ""),
                }
            )
    return found


def request_mismatches(claims: dict, request: dict) -> list[str]:
    """Sentences for everything the token carries differently from what ``request`` asked for."""
    problems = []
    identity = identity_of(claims)
    wanted_identity = request.get("participant_identity")
    if wanted_identity and identity != wanted_identity:
        problems.append(f"The endpoint returned a token for identity '{identity}' instead of the requested '{wanted_identity}'.")
    room = room_of(claims)
    wanted_room = request.get("room_name")
    if wanted_room and room != wanted_room:
        problems.append(f"The endpoint returned a token for room '{room}' instead of the requested '{wanted_room}'.")
    for field, claim, label in (
        ("participant_name", "name", "participant name"),
        ("participant_metadata", "metadata", "participant metadata"),
    ):
        wanted = request.get(field)
        actual = claims.get(claim)
        if wanted and actual != wanted:
            shown = "nothing" if actual in (None, "") else f"'{str(actual)[:80]}'"
            problems.append(f"The token carries {shown} as {label} instead of the requested '{wanted[:80]}'.")
    attributes = claims.get("attributes") if isinstance(claims.get("attributes"), dict) else {}
    for key, wanted in (request.get("participant_attributes") or {}).items():
        if attributes.get(key) != wanted:
            actual = attributes.get(key)
            shown = "no value" if actual is None else f"'{str(actual)[:80]}'"
            problems.append(f"The token carries {shown} for attribute '{key}' instead of the requested '{wanted[:80]}'.")
    carried = agents_of(claims)
    for agent in (request.get("room_config") or {}).get("agents") or []:
        name = agent.get("agent_name", "")
        match = [item for item in carried if item["agent_name"] == name]
        if not match:
            names = ", ".join(f"'{item['agent_name']}'" for item in carried) or "none"
            problems.append(f"The token's roomConfig does not dispatch the requested agent '{name}' (it dispatches: {names}).")
        elif agent.get("metadata") and not any(item["metadata"] == agent["metadata"] for item in match):
            problems.append(f"The token dispatches agent '{name}' without the requested agent metadata.")
    return problems


def granted(claims: dict) -> list[str]:
    """Every permission the server grants with this token: video grants in effect, then other grants.

    Names are as in the token (``roomAdmin``, ``sip.admin``); ``canPublish`` and ``canSubscribe``
    count when the token leaves them out, because the server then allows them.
    """
    names = []
    video = model.server_view(claims, {"video": model.OBJECT}).get("video")
    effective = model.effective_video_grant(video if isinstance(video, dict) else None)
    for name, kind in model.VIDEO_FIELDS.items():
        if kind == model.BOOL and effective.get(name) is True:
            names.append(name)
    if effective.get("destinationRoom"):
        names.append("destinationRoom")
    for object_name, fields in model.GRANT_OBJECTS.items():
        if object_name == "video":
            continue
        grant = claims.get(object_name)
        if isinstance(grant, dict):
            view = model.server_view(grant, fields)
            names.extend(f"{object_name}.{field}" for field, value in view.items() if value is True)
    return names


def grants_beyond(claims: dict, allowed: Iterable[str]) -> list[str]:
    """Permissions granted by the token that are not in ``allowed`` (names compared case-insensitively)."""
    permitted = {model.go_fold(model.to_camel(name.strip())) for name in allowed if name.strip()}
    return [name for name in granted(claims) if model.go_fold(name) not in permitted]
