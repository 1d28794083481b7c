"""Diagnoses of a server that decided otherwise than the token's grants say: it refused what the token
allows, or allowed what it does not.

The sentence names the grant as the token really carries it (read from the token, defaults of absent
grants included), never what the settings expected, so that a check that read the server too early
or a server that changed the participant is not blamed on the token.
"""

from __future__ import annotations

from livekit_server.binary import PINNED_VERSION
from livekit_tokens import grants as model

from .model import Candidate, Diagnosis, Observations


def _show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(f"'{item}'" for item in value) + "]" if value else "[] (every source)"
    return f"'{value}'"


def carried(video: dict | None, grant: str) -> str:
    """``grant`` as the token carries it: its value, and whether the token writes it or the default applies."""
    if video is None:
        return f"{grant} = (no video grant, so nothing is granted)"
    value = model.effective_video_grant(video).get(grant)
    written = grant in model.server_view(video, model.VIDEO_FIELDS)
    if written:
        return f"{grant} = {_show(value)}"
    if grant == "canPublishData":
        return f"{grant} = {_show(value)} (left out, so it follows canPublish)"
    return f"{grant} = {_show(value)} (left out: the server's default)"


def diagnose(o: Observations) -> Diagnosis:
    expected = o.expectation
    video = o.token.video if o.token else None
    what = expected.detail or f"what {expected.name} governs"
    grants = carried(video, expected.name)
    if expected.name == "canPublishSources":
        grants = f"{carried(video, 'canPublish')} and {grants}"
    token_says = "allowed" if expected.expected else "refused"
    server_did = "allowed" if expected.actual else "refused"
    where = f"the server at {o.server_url}" if o.server_url else "the server"
    version = o.server_version or "of an unreported version"
    return Diagnosis.among(
        [
            Candidate(
                "permissions-updated",
                f"The token grants {grants}, so the server should have {token_says} the request to {what}, but "
                f"{where} {server_did} it: something changed the participant's permissions after it joined (an app "
                "calling RoomService UpdateParticipant, or an agent with admin rights).",
                "Find the app or agent that updates participants' permissions, or run the check in a room of its own.",
            ),
            Candidate(
                "server-rules-differ",
                f"The token grants {grants}, but {where} (version {version}) decides this grant otherwise than "
                f"livekit-server v{PINNED_VERSION}, whose rules this check applies.",
                f"Compare the server's release notes with v{PINNED_VERSION}, and write the grant explicitly in the token.",
            ),
        ],
        "The participant's permissions in ListParticipants right after the request: if they still match the "
        "token, the server's own rules decided.",
    )
