"""An endpoint's answer in any of the shapes apps give it, read as LiveKit's clients read it."""

from __future__ import annotations

from collections.abc import Iterable

from livekit_http.answers import UnreadableJson, excerpt, load_json
from livekit_http.token_protocol import SERVER_URL_SCHEMES, TokenAnswer, read_answer
from livekit_tokens.grants import json_kind

from . import shapes


def read(
    status: int, reason: str | None, content_type: str | None, cache_control: str | None, body: bytes, secrets: Iterable[str] = ()
) -> tuple[TokenAnswer, str]:
    """The token of a 2xx answer and the form it came in (snake_case JSON, camelCase JSON, bare token).

    Anything else fails with the sentence of :func:`livekit_http.token_protocol.read_answer`.
    """
    found = None
    if 200 <= status < 300:
        try:
            document = load_json(body)
        except UnreadableJson:
            document = None
        if isinstance(document, dict):
            found = shapes.read_document(document)
        elif document is None or isinstance(document, str):
            found = shapes.read_bare(body)
    if found is None or found.form == shapes.SNAKE:
        answer = read_answer(status, reason, content_type, cache_control, body, secrets=secrets)  # its own sentences
        return answer, shapes.SNAKE
    if found.form == shapes.CAMEL:
        wrong = [
            f"{name} is {json_kind(value)}"
            for name, value in (("participantToken", found.token), ("serverUrl", found.server_url))
            if not isinstance(value, str)
        ]
        if wrong:
            raise AssertionError(f"The token endpoint's answer is not usable: {' and '.join(wrong)}, not text.")
        if not found.server_url:
            raise AssertionError(f"The token endpoint's answer ({found.form}) has a token but no serverUrl.")
        if not found.server_url.lower().startswith(SERVER_URL_SCHEMES):
            raise AssertionError(
                f"The token endpoint's serverUrl '{excerpt(found.server_url, secrets=secrets, limit=80)}' is not a "
                "ws://, wss://, http:// or https:// URL."
            )
    answer = TokenAnswer(
        status=status,
        server_url=found.server_url,
        token=found.token,
        content_type=content_type or "",
        cache_control=cache_control,
    )
    return answer, found.form
