"""What a diagnosis reads (:class:`Observations`) and what it says (:class:`Diagnosis`).

Observations hold facts only: what the server answered, what the token carries, what is
configured here, what the clocks showed. None of them holds a token or a secret: a token is
named by its fingerprint, a secret only by whether it has outer whitespace, and a server's
answer is kept as its scrubbed text (tokens replaced by fingerprints, secrets by ``<secret>``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What failed, as the rules dispatch on it.
SERVER_ANSWER = "server-answer"  # an HTTP or signal answer of the LiveKit server
TRANSPORT = "transport"  # no HTTP answer at all
REFUSAL = "refusal"  # offline verification refused the token
EXPECTATION = "expectation"  # an offline step found another value than expected
CLOCK = "clock"  # the clock comparison with the server
ENDPOINT = "endpoint"  # a token endpoint's answer or token
KINDS = (SERVER_ANSWER, TRANSPORT, REFUSAL, EXPECTATION, CLOCK, ENDPOINT)


@dataclass(frozen=True)
class Candidate:
    """One possible cause: a stable id, the cause in one sentence, and what to change."""

    cause: str
    sentence: str
    fix: str


@dataclass(frozen=True)
class Diagnosis:
    """The likely cause of a failure and its fix; several ``candidates`` when the evidence does not decide.

    ``candidates`` are in order of likelihood, the first one being ``cause``; ``decider`` names the
    observation that would tell them apart.
    """

    cause: str
    sentence: str
    fix: str
    candidates: tuple[Candidate, ...] = ()
    decider: str = ""

    @classmethod
    def certain(cls, cause: str, sentence: str, fix: str) -> Diagnosis:
        return cls(cause, sentence, fix)

    @classmethod
    def among(cls, candidates: list[Candidate], decider: str) -> Diagnosis:
        first = candidates[0]
        return cls(first.cause, first.sentence, first.fix, tuple(candidates), decider)

    @property
    def single(self) -> bool:
        return len(self.candidates) <= 1

    @property
    def causes(self) -> list[str]:
        return [self.cause] if self.single else [candidate.cause for candidate in self.candidates]

    @property
    def text(self) -> str:
        """The diagnosis as it is added to a failure message and shown in the sign-off."""
        if self.single:
            return f"Diagnosis: {self.sentence} Fix: {self.fix}"
        listed = " ".join(
            f"({number}) {candidate.sentence} Fix: {candidate.fix}" for number, candidate in enumerate(self.candidates, 1)
        )
        return (
            f"Diagnosis: the evidence does not single out one cause; most likely first: {listed} "
            f"Deciding observation: {self.decider}"
        )

    def record(self) -> dict:
        """The structured form kept with the finding (stable keys for the sign-off)."""
        return {
            "cause": self.cause,
            "causes": self.causes,
            "sentence": self.sentence,
            "fix": self.fix,
            "decider": self.decider,
        }


@dataclass(frozen=True)
class TokenFacts:
    """What a token carries and how it relates to the configured keys; never the token itself."""

    fingerprint: str | None = None
    claims: dict | None = None  # as the server reads them; None when the token cannot be read
    ignored: dict = field(default_factory=dict)  # top-level claims the server does not read (``identity``, ``videoGrant``)
    unreadable: str | None = None  # why it cannot be read, in words
    shape: str | None = None  # what is wrong with its text: scheme-prefix, quoted, whitespace, segments, empty
    issuer: str | None = None
    key_configured: bool = False
    verifies_here: bool | None = None  # signed with the configured secret of its key (None: not checkable)
    secret_variant: str | None = None  # it verifies with the configured secret changed this way ("a trailing newline")
    issued_at: float | None = None  # when this run minted or received it, by this machine's clock
    issued_by: str | None = None  # "this run", "the token endpoint"
    server_verdict: tuple[int, str] | None = None  # what a LiveKit server answered to this token in this run

    @property
    def video(self) -> dict | None:
        video = (self.claims or {}).get("video")
        return video if isinstance(video, dict) else None


@dataclass(frozen=True)
class ServerAnswer:
    """A LiveKit server's answer: the status and the stable text of the body, and what was asked."""

    status: int | None
    message: str  # scrubbed body text, or the signal refusal reason
    call: str  # "/rtc/validate", "join", "RoomService/ListParticipants"
    room: str | None = None  # the room a RoomService call names
    token_sent: bool = True
    scheme: str = "Bearer"
    expected_status: int | None = None
    expected_text: str | None = None


@dataclass(frozen=True)
class TransportFailure:
    """No HTTP answer: ``kind`` is tls-plain, tls, tls-expected (a plain URL for a port that speaks TLS),
    refused, dns, timeout, closed or scheme."""

    kind: str
    url: str  # what was requested, without its query
    configured: str | None = None  # the URL as the user wrote it (LIVEKIT_URL), without its query
    what: str = "the LiveKit server"
    reason: str = ""  # the low-level reason, scrubbed
    timeout: float | None = None


@dataclass(frozen=True)
class Expectation:
    """A check saw ``actual`` where ``expected`` was set.

    ``kind`` is claim, grant, lifetime, algorithm, permissions (the server applied other permissions:
    ``name`` says where it showed, ``actual`` the differences) or data (``name`` the sender,
    ``expected`` the receiver, ``actual`` whether anything arrived) or decision (the server did not
    decide as the token's grant ``name`` says: ``expected`` whether the token allows ``detail``,
    ``actual`` whether the server did).
    """

    kind: str
    name: str
    expected: object = None
    actual: object = None
    written: bool = True  # the token writes this grant (False: the server's default applies)
    tolerance: float | None = None
    detail: str | None = None  # for a decision: what was asked, "publish a microphone track"


@dataclass(frozen=True)
class ClockFacts:
    """``skew`` > 0: the server's clock is ahead of this machine's; ``None`` when not measured."""

    skew: float | None = None
    uncertainty: float = 0.5

    @property
    def measured(self) -> bool:
        return self.skew is not None


@dataclass(frozen=True)
class EndpointFacts:
    """A token endpoint's answer and how its token relates to the request.

    ``problem`` names what failed: status, not-json, fields, request (a field other than asked:
    ``requested`` holds its ``field`` and ``value``, ``actual`` its ``value``), expired, not-yet-valid,
    no-exp, stale, no-mint-time, grants, lifetime, empty-request.
    """

    problem: str
    url: str = ""
    status: int | None = None
    content_type: str | None = None
    fields: tuple[str, ...] = ()
    requested: dict = field(default_factory=dict)
    actual: dict = field(default_factory=dict)
    answered_before: int = 0  # earlier, different requests that got this same token
    cache_control: str | None = None
    age: str | None = None  # the Age header of a cache
    date_skew: float | None = None  # the endpoint's Date header minus this machine's clock
    minted_offset: float | None = None  # nbf (or iat) minus the moment the request was sent
    extra_grants: tuple[str, ...] = ()
    lifetime: float | None = None
    limits: tuple[float, float] | None = None
    headers_configured: int = 0
    identities_seen: int = 0  # different identities the endpoint gave this run's requests


@dataclass(frozen=True)
class Observations:
    """Everything a diagnosis may read about one failure; ``failure`` is one of :data:`KINDS`."""

    failure: str
    server: ServerAnswer | None = None
    transport: TransportFailure | None = None
    token: TokenFacts | None = None
    refusal: str | None = None  # the offline verification's cause (livekit_tokens.verification.CAUSES)
    refusal_detail: str = ""
    expectation: Expectation | None = None
    endpoint: EndpointFacts | None = None
    keys: tuple[str, ...] = ()  # the configured API key names
    padded_keys: tuple[
        tuple[str, str], ...
    ] = ()  # (key, "a trailing newline"): configured secrets with outer whitespace or quotes
    stripped_secret_accepted: bool | None = None  # the server accepted a token signed with that secret stripped
    clock: ClockFacts = ClockFacts()
    leeway: float = 60.0
    server_url: str | None = None  # the client (ws) form, as shown to the user
    server_version: str | None = None
    now: float | None = None  # this machine's clock when the failure was observed
