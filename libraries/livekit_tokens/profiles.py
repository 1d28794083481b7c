"""The rules of LiveKit server release lines, where they differ: server profiles.

Most of what a LiveKit server does with a token is the same in every release and lives in
``verification.py``. Where release lines differ, the rule is a field of :class:`ServerProfile`,
read in exactly one place of ``verification.py``, and each profile below gives its value with the
source line it was read from. Sources, from the Go module proxy:

- v1.9.11: livekit-server v1.9.11, livekit/protocol v1.43.5-0.20260114074149-a8bb8204ce69
  (``auth/verifier.go``, ``auth/grants.go``), go-jose v3.0.4 (``jwt/``, ``json/``);
- v1.13.5: livekit-server v1.13.5, livekit/protocol v1.50.5-0.20260728075222-28e604c046c6,
  golang-jwt v5.3.1 (``parser.go``, ``validator.go``, ``types.go``);
- v1.13.11: livekit/protocol v1.53.1-0.20261023175527-46332a036e25, the commit v1.13.11 pins;
- current: livekit/protocol v1.54.1 (2026-11-15), the newest release the proxy serves.

:func:`profile_for_version` maps a server version to its profile; ``None`` (no server and no
``LIVEKIT_SERVER_VERSION``) means :data:`CURRENT`, the strictest current rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from . import grants as model

# JSON kinds of the claims golang-jwt and go-jose decode themselves (registered claims).
DATE = "NumericDate"
AUDIENCE = "string or list of strings"
ROOM_CONFIGURATION = "RoomConfiguration"

# jwt.RegisteredClaims (golang-jwt ``registered_claims.go``) and jwt.Claims (go-jose
# ``jwt/claims.go``): the same seven claims in both libraries.
REGISTERED_CLAIMS: dict[str, str] = {
    "iss": model.STRING,
    "sub": model.STRING,
    "aud": AUDIENCE,
    "exp": DATE,
    "nbf": DATE,
    "iat": DATE,
    "jti": model.STRING,
}

GOLANG_JWT = "golang-jwt"
GO_JOSE = "go-jose"


@dataclass(frozen=True)
class ServerProfile:
    """What one line of LiveKit server releases does where the lines differ.

    Each field after the descriptive ones is one rule; ``verification.py`` reads each in one place.
    """

    name: str  # short, for logs and settings: "v1.13.5"
    versions: str  # the releases it covers, in words: "v1.13.0 to v1.13.5"
    read_in: str  # where the rules were read
    # --- the rules
    jwt_library: str  # GOLANG_JWT or GO_JOSE: the wording of the server's answers (server_oracle.py)
    alg_known_while_parsing: bool  # alg must be a known method before the key lookup
    claims_decoded_before_signature: bool  # a wrong claim is refused before alg and signature
    nbf_checked_before_exp: bool  # a token both not yet valid and expired is refused for nbf
    algorithms: frozenset[str]  # the `alg` values accepted with an HMAC secret
    exp_required: bool  # a token without exp is refused
    iat_checked: bool  # an iat more than the leeway in the future is refused
    expired_at_exp_plus_leeway: bool  # at exactly exp + leeway the token is already expired
    dates_from_strings: bool  # exp/nbf/iat may be strings holding a number
    dates_rounded_down: bool  # fractions of a second rounded down (else toward zero)
    names_fold_case: bool  # claim names match a field in either case (Go's encoding/json)
    room_config_discards_unknown: bool  # roomConfig: unknown fields and enum names are ignored
    padding_allowed: bool  # base64url segments may end in '='
    header_numbers_checked: bool  # a header number beyond a float64 makes the header unreadable
    duplicate_keys_refused: bool  # a JSON object the server decodes may not give a key twice
    json_depth_limit: int | None  # deepest JSON nesting read, None for any
    whitespace_stripped: bool  # every whitespace character of the token is dropped before parsing
    signing_input_reencoded: bool  # the signature covers the decoded segments encoded again
    header_fields_typed: bool  # alg, kid, nonce must be text and jwk a public key, while parsing
    claim_fields: dict[str, str] = field(repr=False)  # every claim the server decodes, with its kind
    grant_objects: dict[str, dict[str, str]] = field(repr=False)  # fields of each grant object

    @property
    def servers(self) -> str:
        """The releases as a reader names them: ``v1.13.0 to v1.13.5``."""
        return self.versions

    @property
    def title(self) -> str:
        """``LiveKit v1.13.0 to v1.13.5 rules`` (``the current LiveKit rules``) for logs and the sign-off."""
        return "the current LiveKit rules" if self.name == "current" else f"LiveKit {self.versions} rules"


def _claim_fields(grant_objects: dict[str, dict[str, str]], **extra: str) -> dict[str, str]:
    """ClaimGrants (livekit/protocol ``auth/grants.go``) plus the registered claims."""
    fields = {
        **REGISTERED_CLAIMS,
        # ClaimGrants.Identity is decoded, so its JSON type counts, though the verifier then
        # replaces its value by sub (or jti): protocol auth/grants.go 162, auth/verifier.go 85.
        "identity": model.STRING,
        "name": model.STRING,
        "kind": model.STRING,
        "kindDetails": model.STRING_LIST,  # auth/grants.go 165
        "metadata": model.STRING,
        "sha256": model.STRING,
        "roomPreset": model.STRING,
        "attributes": model.STRING_MAP,
        "roomConfig": ROOM_CONFIGURATION,
        **{name: model.OBJECT for name in grant_objects},
    }
    fields.update(extra)
    return fields


_VIDEO_BEFORE_AGENT_SESSIONS = {name: kind for name, kind in model.VIDEO_FIELDS.items() if name != "canManageAgentSession"}
_COMMON_GRANTS = {
    "sip": model.SIP_FIELDS,
    "inference": model.INFERENCE_FIELDS,
    "observability": model.OBSERVABILITY_FIELDS,
}
_AGENT_ENDPOINT = {"call": model.BOOL, "agentName": model.STRING, "deployment": model.STRING}
_AGENT_THREAD = {
    "all": model.BOOL,
    "scope": model.STRING,
    "threadIds": model.STRING_LIST,
    "list": model.BOOL,
    "create": model.BOOL,
    "write": model.BOOL,
    "read": model.BOOL,
    "delete": model.BOOL,
}
_AGENT_DATABASE = {
    "databaseIds": model.STRING_LIST,
    "read": model.BOOL,
    "write": model.BOOL,
    "delete": model.BOOL,
    "create": model.BOOL,
    "list": model.BOOL,
}
_HS256 = frozenset({"HS256"})

_V1_9_GRANTS = {
    "video": _VIDEO_BEFORE_AGENT_SESSIONS,  # protocol v1.43.5 auth/grants.go 250-290: no canManageAgentSession
    **_COMMON_GRANTS,
    "agent": {"admin": model.BOOL},  # protocol v1.43.5 auth/grants.go 553-556
}
V1_12 = ServerProfile(
    name="v1.12",
    versions="v1.12 or older",
    read_in="livekit-server v1.9.11 with livekit/protocol v1.43.5-0.20260114074149-a8bb8204ce69 and go-jose v3.0.4",
    # protocol v1.43.5 auth/verifier.go 30-79: jwt.ParseSigned, then Claims(key, ...) and Validate.
    jwt_library=GO_JOSE,
    # go-jose v3.0.4 jwt/jwt.go: ParseSigned reads alg only as text; Claims(key) checks it.
    alg_known_while_parsing=False,
    # go-jose v3.0.4 jwt/jwt.go 41-56: Claims(key, ...) verifies the signature, then decodes.
    claims_decoded_before_signature=False,
    # go-jose v3.0.4 jwt/validation.go 105-111: nbf, then exp.
    nbf_checked_before_exp=True,
    # go-jose v3.0.4 symmetric.go: an HMAC key verifies HS256, HS384 and HS512 alike.
    algorithms=frozenset({"HS256", "HS384", "HS512"}),
    # go-jose v3.0.4 jwt/validation.go 109: exp is checked only when present.
    exp_required=False,
    # go-jose v3.0.4 jwt/validation.go 115-117: ErrIssuedInTheFuture.
    iat_checked=True,
    # go-jose v3.0.4 jwt/validation.go 109: expired only when now - leeway is after exp.
    expired_at_exp_plus_leeway=False,
    # go-jose v3.0.4 jwt/claims.go 64-74: strconv.ParseFloat of the raw JSON, so a string fails.
    dates_from_strings=False,
    # go-jose v3.0.4 jwt/claims.go 72: NumericDate(f) converts to int64, toward zero.
    dates_rounded_down=False,
    # go-jose v3.0.4 json/decode.go: go-jose's copy of encoding/json matches names case-sensitively.
    names_fold_case=False,
    # protocol v1.43.5 auth/grants.go 51-53: protojson.Unmarshal with the default options.
    room_config_discards_unknown=False,
    # go-jose v3.0.4 encoding.go 201-204 base64URLDecode: trailing '=' is trimmed before decoding.
    padding_allowed=True,
    # go-jose v3.0.4 shared.go 430-439: header fields it does not know are read into interface{}.
    header_numbers_checked=True,
    # go-jose v3.0.4 json/decode.go 638-644 and 1015-1021: "json: duplicate key".
    duplicate_keys_refused=True,
    # go-jose v3.0.4 json/README.md: a copy of encoding/json from Go 1.6, before maxNestingDepth.
    json_depth_limit=None,
    # go-jose v3.0.4 jws.go 79-80 and encoding.go 58-67: ParseSigned drops every unicode.IsSpace rune.
    whitespace_stripped=True,
    # go-jose v3.0.4 jws.go 105-140 computeAuthData: the protected header and the payload are
    # base64url-encoded again from their decoded bytes.
    signing_input_reencoded=True,
    # go-jose v3.0.4 shared.go 379-428 and jws.go 216-218: alg, kid and nonce are read as strings,
    # an embedded jwk must be a valid public key.
    header_fields_typed=True,
    claim_fields=_claim_fields(_V1_9_GRANTS),
    grant_objects=_V1_9_GRANTS,
)

_V1_13_5_GRANTS = {
    "video": model.VIDEO_FIELDS,
    **_COMMON_GRANTS,
    # protocol 28e604c046c6 auth/grants.go 579-584: admin and simulationAdmin, no databaseAdmin.
    "agent": {"admin": model.BOOL, "simulationAdmin": model.BOOL},
}
V1_13_5 = ServerProfile(
    name="v1.13.5",
    versions="v1.13.0 to v1.13.5",
    read_in="livekit-server v1.13.5 with livekit/protocol v1.50.5-0.20260728075222-28e604c046c6 and golang-jwt v5.3.1",
    # protocol 28e604c046c6 auth/verifier.go 39-86: ParseUnverified, key lookup, ParseWithClaims.
    jwt_library=GOLANG_JWT,
    # golang-jwt v5.3.1 parser.go 187-193: in ParseUnverified, before the signature segment.
    alg_known_while_parsing=True,
    # golang-jwt v5.3.1 parser.go 58-77: ParseWithClaims decodes the claims, then checks the method.
    claims_decoded_before_signature=True,
    # golang-jwt v5.3.1 validator.go 112-121: exp, then nbf.
    nbf_checked_before_exp=False,
    # protocol 28e604c046c6 auth/verifier.go 27: allowedSigningMethods = HS256 only.
    algorithms=_HS256,
    # protocol 28e604c046c6 auth/verifier.go 74-80: no jwt.WithExpirationRequired(), and
    # golang-jwt v5.3.1 validator.go 181-182 then accepts a token without exp.
    exp_required=False,
    # golang-jwt v5.3.1 validator.go 124: iat only with WithIssuedAt(), which the verifier does not set.
    iat_checked=False,
    # golang-jwt v5.3.1 validator.go 185: valid only while now is before exp + leeway.
    expired_at_exp_plus_leeway=True,
    # golang-jwt v5.3.1 types.go 86: the value is read into a json.Number, which takes a string too.
    dates_from_strings=True,
    # golang-jwt v5.3.1 types.go 38-47: NewNumericDate truncates to TimePrecision (1 s).
    dates_rounded_down=True,
    # Go's encoding/json matches field names case-insensitively (golang-jwt v5.3.1 parser.go 170).
    names_fold_case=True,
    # protocol 28e604c046c6 utils/protojson/protojson.go 40-45: DiscardUnknown: true.
    room_config_discards_unknown=True,
    # golang-jwt v5.3.1 parser.go 234-247: RawURLEncoding unless WithPaddingAllowed().
    padding_allowed=False,
    # golang-jwt v5.3.1 parser.go 150: the header is read into map[string]interface{} (float64).
    header_numbers_checked=True,
    # Go's encoding/json: the last of duplicate keys wins.
    duplicate_keys_refused=False,
    # Go's encoding/json scanner.go maxNestingDepth.
    json_depth_limit=10_000,
    # golang-jwt v5.3.1 parser.go 136-202: the segments are read as they are, and signed as sent.
    whitespace_stripped=False,
    signing_input_reencoded=False,
    # golang-jwt v5.3.1 parser.go 187: only alg is read from the header, and only if it is a string.
    header_fields_typed=False,
    claim_fields=_claim_fields(_V1_13_5_GRANTS),
    grant_objects=_V1_13_5_GRANTS,
)

_V1_13_11_GRANTS = {
    "video": model.VIDEO_FIELDS,
    **_COMMON_GRANTS,
    # protocol 46332a036e25 auth/grants.go 585-594
    "agent": {"admin": model.BOOL, "simulationAdmin": model.BOOL, "databaseAdmin": model.BOOL, "dispatchAdmin": model.BOOL},
    "agentEndpoint": _AGENT_ENDPOINT,  # auth/grants.go 171, 672-680
    "agentThread": _AGENT_THREAD,  # auth/grants.go 172, 723-732
}
# Later release lines share v1.13.5's rules except where a comment says otherwise.
V1_13_11 = replace(
    V1_13_5,
    name="v1.13.11",
    versions="v1.13.6 to v1.13.11",
    read_in=(
        "livekit/protocol v1.53.1-0.20261023175527-46332a036e25 (pinned by v1.13.11; the commits v1.13.6 to "
        "v1.13.10 pin are not on the Go proxy, and all are later than the change that requires exp)"
    ),
    # protocol 46332a036e25 auth/verifier.go 80-84: jwt.WithExpirationRequired().
    exp_required=True,
    claim_fields=_claim_fields(_V1_13_11_GRANTS),
    grant_objects=_V1_13_11_GRANTS,
)

_CURRENT_GRANTS = {
    "video": model.VIDEO_FIELDS,
    **_COMMON_GRANTS,
    # protocol v1.54.1 auth/grants.go: databaseAdmin gave way to the agentDatabase grant.
    "agent": {"admin": model.BOOL, "simulationAdmin": model.BOOL, "dispatchAdmin": model.BOOL},
    "agentEndpoint": _AGENT_ENDPOINT,
    "agentThread": {**_AGENT_THREAD, "sql": model.BOOL},
    "agentDatabase": _AGENT_DATABASE,  # protocol v1.54.1 auth/grants.go 173
}
CURRENT = replace(
    V1_13_11,
    name="current",
    versions="current",
    read_in="livekit/protocol v1.54.1 (2026-11-15), the newest release on the Go proxy",
    # protocol v1.54.1 auth/verifier.go 80-84: jwt.WithExpirationRequired(), as in v1.13.11.
    claim_fields=_claim_fields(_CURRENT_GRANTS),
    grant_objects=_CURRENT_GRANTS,
)

PROFILES: tuple[ServerProfile, ...] = (V1_12, V1_13_5, V1_13_11, CURRENT)
OLDER_THAN_CURRENT: tuple[ServerProfile, ...] = (V1_13_11, V1_13_5, V1_12)  # newest first

_VERSION = re.compile(r"v?(\d{1,6})\.(\d{1,6})(?:\.(\d{1,6}))?")
_CURRENT_WORDS = frozenset({"current", "main", "latest"})


class UnknownVersion(ValueError):
    """A server version that names no release; the message is one sentence."""


def parse_version(text: str) -> tuple[int, int, int]:
    """``(1, 13, 5)`` from ``1.13.5``, ``v1.13.5`` or ``1.13.5 (livekit-server --version)``."""
    match = _VERSION.search(str(text))
    if match is None:
        shown = "".join(ch if ch.isprintable() else "?" for ch in str(text)[:40])
        raise UnknownVersion(f"'{shown}' is not a LiveKit server version such as 1.13.5.")
    major, minor, patch = (int(part) if part else 0 for part in match.groups())
    return major, minor, patch


def profile_for_version(version: str | None) -> ServerProfile:
    """The profile of the release line ``version`` belongs to; ``None`` gives :data:`CURRENT`.

    ``current``, ``main`` and ``latest`` name :data:`CURRENT` too. Versions after the newest
    one read (v1.13.11) are taken to follow the current rules.
    """
    if version is None or str(version).strip().lower() in _CURRENT_WORDS:
        return CURRENT
    number = parse_version(version)
    if number < (1, 13, 0):
        return V1_12
    if number <= (1, 13, 5):
        return V1_13_5
    if number <= (1, 13, 11):
        return V1_13_11
    return CURRENT


def by_name(name: str) -> ServerProfile:
    """The profile called ``name`` (``v1.13.5``, ``current``...)."""
    for profile in PROFILES:
        if profile.name == name:
            return profile
    raise KeyError(name)
