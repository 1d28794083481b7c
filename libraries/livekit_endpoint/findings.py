"""The holes a token endpoint can leave open, each a finding: a severity, one sentence, the evidence
that shows it and the fix an app developer makes. Pure functions of what the probes observed.

Severities: ``critical`` and ``high`` fail their check; ``medium``, ``low`` and ``info`` are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FAILING = ("critical", "high")
ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}

# Grants an app's participant token should not carry without a reason (names as in the token).
RISKY_GRANTS = {
    "roomAdmin": "high",
    "roomCreate": "high",
    "roomList": "high",
    "roomRecord": "high",
    "ingressAdmin": "high",
    "sip.admin": "high",
    "sip.call": "high",
    "agent.admin": "high",
    "canUpdateOwnMetadata": "medium",
    "hidden": "medium",
    "recorder": "medium",
}
# What a JSON room configuration may hold besides agent dispatch (protobuf JSON names, both spellings).
ROOM_CONFIG_LIMITS = {
    "egress": "egress outputs",
    "maxParticipants": "a participant limit",
    "max_participants": "a participant limit",
    "emptyTimeout": "a timeout",
    "empty_timeout": "a timeout",
    "departureTimeout": "a timeout",
    "departure_timeout": "a timeout",
    "metadata": "room metadata",
    "minPlayoutDelay": "playout delays",
    "min_playout_delay": "playout delays",
    "maxPlayoutDelay": "playout delays",
    "max_playout_delay": "playout delays",
    "syncStreams": "stream sync",
    "sync_streams": "stream sync",
    "name": "the room name",
}
_INTERNALS = (
    (re.compile(r"Traceback \(most recent call last\)"), "a Python traceback"),
    (re.compile(r"\n?\s+at [\w.<>$\[\] ]+ \(?(?:file://)?/[^\s)]+:\d+:\d+\)?"), "a JavaScript stack trace"),
    (re.compile(r"node_modules/"), "a path inside node_modules"),
    (re.compile(r'File "/[^"]+", line \d+'), "a Python file and line"),
    (
        # Node's JSON.parse ("Unexpected end of JSON input", "Unexpected token ...") and Python's json module.
        re.compile(
            r"(?i)\bUnexpected (?:end of JSON input|token\b)|JSON\.parse|Expecting (?:value|property name)\b.*line \d+ column \d+"
        ),
        "the JSON parser's own message",
    ),
    (
        re.compile(r"(?i)\b(?:TypeError|ReferenceError|SyntaxError|KeyError|AttributeError|ValueError)\b"),
        "an exception class name",
    ),
    (re.compile(r"(?i)LIVEKIT_API_(?:KEY|SECRET)|LIVEKIT_URL is not defined"), "the name of a server-side setting"),
)


# Why each hole is there, in the app developer's terms: the diagnosis a failing check adds.
CAUSES = {
    "impersonation": "The endpoint builds the participant identity from what the caller sends (a field, a query parameter or a cookie).",
    "injected-metadata": "The endpoint copies the caller's participant metadata into the token it signs.",
    "injected-attributes": "The endpoint copies the caller's participant attributes into the token it signs.",
    "room-config": "The endpoint copies the caller's whole room_config into the token (RoomConfiguration.fromJson of the request).",
    "no-authentication": "The token route checks no session before minting (a development template's route, deployed as it is).",
    "shared-token": "The token route's answer is cached, or the endpoint mints one fixed token.",
    "shared-identity": "The endpoint gives every caller one fixed identity.",
    "long-lifetime": "The endpoint mints tokens with a lifetime of hours or days.",
    "broad-grants": "The endpoint's video grant gives its participants more than the app needs.",
    "cors": "The endpoint answers CORS for any origin.",
    "error-body": "The endpoint answers an exception's own message (or its stack) to the caller.",
}


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str
    sentence: str
    fix: str
    evidence: dict = field(default_factory=dict)

    @property
    def fails(self) -> bool:
        return self.severity in FAILING

    def record(self) -> dict:
        return {
            "finding": self.id,
            "severity": self.severity,
            "text": f"{self.sentence} Fix: {self.fix}",
            "evidence": self.evidence,
        }


def impersonation(victim: str, obtained: str, how: str, authenticated: bool) -> Finding | None:
    """A second caller obtained the first caller's identity ``victim`` by naming it (``how``)."""
    if not victim or obtained != victim:
        return None
    return Finding(
        "impersonation",
        "critical" if not authenticated else "high",
        f"A second caller obtained a token for another caller's identity '{victim}' {how}: whoever knows an "
        "identity can join as that participant, and the server then disconnects the real one (DUPLICATE_IDENTITY).",
        "Take the identity from the app's own authenticated session on the server; never from the request, "
        "a query parameter or a cookie the client can set.",
        {"identity": victim, "how": how},
    )


def injected(claims: dict, metadata: str, attributes: dict) -> list[Finding]:
    """Caller-chosen ``metadata`` or ``attributes`` that ended up in the token."""
    found = []
    if metadata and claims.get("metadata") == metadata:
        found.append(
            Finding(
                "injected-metadata",
                "high",
                f"Metadata chosen by the caller ({metadata[:60]}) is signed into the token: other participants and "
                "agents read it as the app's word (a role, a plan).",
                "Set participant metadata on the server from the app's own records; ignore or refuse it in the request.",
                {"sent": metadata[:120], "in_token": str(claims.get("metadata"))[:120]},
            )
        )
    carried = claims.get("attributes") if isinstance(claims.get("attributes"), dict) else {}
    taken = {key: value for key, value in (attributes or {}).items() if carried.get(key) == value}
    if taken:
        found.append(
            Finding(
                "injected-attributes",
                "high",
                f"Attributes chosen by the caller ({', '.join(sorted(taken))}) are signed into the token.",
                "Set participant attributes on the server; ignore or refuse them in the request.",
                {"attributes": sorted(taken)},
            )
        )
    return found


def room_configuration(claims: dict) -> Finding | None:
    """``roomConfig`` in the token carrying more than agent dispatch."""
    config = claims.get("roomConfig", claims.get("room_config"))
    if not isinstance(config, dict):
        return None
    beyond = sorted({key for key, value in config.items() if key in ROOM_CONFIG_LIMITS and value not in (None, "", 0, {}, [])})
    if not beyond:
        return None
    order = list(dict.fromkeys(ROOM_CONFIG_LIMITS.values()))  # egress first: the worst
    kinds = sorted({ROOM_CONFIG_LIMITS[key] for key in beyond}, key=order.index)
    egress = "egress" in beyond
    return Finding(
        "room-config",
        "critical" if egress else "high",
        f"The room configuration the caller sent is signed into the token beyond agent dispatch: {', '.join(kinds)} "
        f"({', '.join(beyond)}){': the caller can record the room to storage of its choosing' if egress else ''}.",
        "Copy only room_config.agents (agent name and metadata) from the request, and only for agents the app offers.",
        {"fields": beyond},
    )


def no_authentication(status: int, configured_headers: int) -> Finding | None:
    """The endpoint minted for a caller that sent no credential at all."""
    if not 200 <= status < 300:
        return None
    if configured_headers:
        sentence = (
            f"The endpoint minted a token ({status}) for a caller that sent none of the configured "
            "credentials: the header or cookie it is given is not checked."
        )
    else:
        sentence = f"The endpoint minted a token ({status}) without asking for any credential: anyone who can reach it gets one."
    return Finding(
        "no-authentication",
        "high",
        sentence,
        "Check the app's own session (a cookie or an Authorization header) before minting, and answer 401 without it.",
        {"status": status, "credentials_configured": configured_headers},
    )


def shared(identities: tuple[str, str], tokens_equal: bool) -> Finding | None:
    """Two separate callers got the same identity, or the same token."""
    if tokens_equal:
        return Finding(
            "shared-token",
            "high",
            "Two separate callers got byte-identical tokens: one caller's token is another's.",
            "Mint a new token for every request (no cached route) and answer with Cache-Control: no-store.",
            {"identity": identities[0]},
        )
    if identities[0] and identities[0] == identities[1]:
        return Finding(
            "shared-identity",
            "high",
            f"Two separate callers got the same identity '{identities[0]}': the second join disconnects the first.",
            "Give every user (or every session) an identity of their own.",
            {"identity": identities[0]},
        )
    return None


def lifetime(seconds: float, maximum: float, basis: str) -> Finding | None:
    if seconds <= maximum:
        return None
    hours = seconds / 3600
    return Finding(
        "long-lifetime",
        "medium" if hours <= 24 * 7 else "high",
        f"The endpoint's token lives {hours:.1f} h (counted from {basis}), longer than the {maximum / 3600:g} h allowed: "
        "a leaked token stays usable that long.",
        "Mint tokens for minutes (LiveKit's clients fetch a new one shortly before expiry).",
        {"seconds": round(seconds), "basis": basis},
    )


def grants(names: list[str], viewer: bool) -> list[Finding]:
    found = []
    risky = [(name, RISKY_GRANTS[name]) for name in names if name in RISKY_GRANTS]
    if viewer and "canPublish" in names:
        risky.append(("canPublish", "medium"))
    for name, severity in risky:
        found.append(
            Finding(
                "broad-grants",
                severity,
                f"The endpoint's token grants {name}, beyond what an app's participant needs.",
                f"Leave {name} out of the grant the endpoint mints (true only for the users who need it).",
                {"grant": name},
            )
        )
    return found


def cors(
    preflight_status: int | None, allow_origin: str | None, allow_credentials: str | None, foreign: str, credential: str
) -> Finding | None:
    """A preflight from ``foreign`` and the answer's CORS headers; ``credential`` is how the app authenticates ('' for none)."""
    allowed = (allow_origin or "").strip()
    credentials = (allow_credentials or "").strip().lower() == "true"
    if allowed == foreign and credentials:
        return Finding(
            "cors",
            "high",
            f"A preflight from the foreign origin {foreign} is answered with that origin and credentials allowed: any web "
            "site can mint tokens with its visitors' cookies.",
            "Answer Access-Control-Allow-Origin only for the app's own origins, never by echoing the request's Origin.",
            {"status": preflight_status, "allow_origin": allowed, "allow_credentials": True},
        )
    if allowed == "*" and credential:
        return Finding(
            "cors",
            "medium" if credential == "cookie" else "low",
            f"The endpoint authenticates by {credential} but answers Access-Control-Allow-Origin: *: any web site may call it.",
            "Name the app's own origin in Access-Control-Allow-Origin.",
            {"status": preflight_status, "allow_origin": allowed},
        )
    if allowed == foreign:
        return Finding(
            "cors",
            "low",
            f"A preflight from the foreign origin {foreign} is allowed.",
            "Answer Access-Control-Allow-Origin only for the app's own origins.",
            {"status": preflight_status, "allow_origin": allowed},
        )
    return None


def error_body(status: int, body: str) -> Finding | None:
    """Internals (a stack trace, a parser's message, a setting's name) in an error answer."""
    shown = [what for pattern, what in _INTERNALS if pattern.search(body or "")]
    if not shown:
        return None
    severity = "medium" if any(word in " ".join(shown) for word in ("trace", "path", "file")) else "low"
    return Finding(
        "error-body",
        severity,
        f"The endpoint's error answer ({status}) shows {', '.join(shown)}: internals an attacker learns the app from.",
        "Log the exception on the server and answer a short fixed message (400 for a malformed request).",
        {"status": status, "shows": shown},
    )


def nbf_missing(nbf) -> Finding:
    shown = "0" if nbf == 0 else "absent"
    return Finding(
        "nbf-missing",
        "info",
        f"The token's nbf is {shown} and it has no iat, so it does not say when it was minted (livekit-server-sdk 2.11 "
        "to 2.14 mint such tokens); its lifetime is counted from the request.",
        "Update livekit-server-sdk to 2.15 or newer, which writes nbf as the moment of minting.",
        {"nbf": shown},
    )


def ranked(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda finding: ORDER.get(finding.severity, 9))
