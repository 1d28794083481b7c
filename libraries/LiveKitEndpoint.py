"""Robot Framework library for the holes token endpoints leave open: impersonation, caller-chosen data
and room configuration in the token, no authentication, shared identities, long lifetimes and broad
grants, CORS and error bodies. Each is a finding with a severity, one sentence, its evidence and the
fix an app developer makes; ``critical`` and ``high`` fail their check."""

from __future__ import annotations

import json

import requests
from robot.api.deco import keyword, library

from livekit_diagnosis import recording
from livekit_diagnosis.model import Diagnosis
from livekit_endpoint import findings, probes, shapes, takeover
from livekit_endpoint import times as token_times
from livekit_http.answers import transport_failure
from livekit_http.token_protocol import granted
from livekit_tokens import evidence
from livekit_tokens.arguments import CONVERTERS, Duration, typed_arguments
from livekit_tokens.robot_context import library_instance, log_table, report_finding
from livekit_tokens.verification import parse_token

__version__ = "1.0.0"

_STANDARD_NAMES = {value: key for key, value in shapes.STANDARD_FIELDS.items()}
_PROBE_ROOM_CONFIG = {
    "egress": {"tracks": {"filepath": "caller-chosen/{track_id}", "s3": {"bucket": "caller-chosen-bucket"}}},
    "max_participants": 9999,
    "empty_timeout": 86400,
    "metadata": "caller-chosen",
}


@library(scope="GLOBAL", version=__version__, doc_format="ROBOT")
@typed_arguments
class LiveKitEndpoint:
    """Probe a token endpoint for the holes apps leave open, as separate callers would.

    Works on the endpoint `Use Token Endpoint` of ``LiveKitHttp`` chose, in the shape its first
    token request was answered in, with the headers of ``TOKEN_ENDPOINT_HEADERS`` (never logged).
    Every probe is a fresh HTTP client with its own cookies, as two browsers are. Tokens never
    reach the log: their fingerprints and the identities they carry do.

    Which fields the caller chooses is the setting ``${ENDPOINT_CALLER_CHOOSES}``: a field the
    caller is meant to choose is not a hole when it is honoured (its finding is then ``medium``).
    """

    ROBOT_LIBRARY_CONVERTERS = CONVERTERS

    # ------------------------------------------------------------------ the probes

    @keyword
    def caller_should_not_obtain_another_callers_identity(self) -> dict:
        """A second caller must not get a token for the identity a first caller got.

        The second caller names the first one's identity in the request (when the shape has an
        identity field), and sends the first caller's cookies whose values show in that identity
        (a cookie is the client's to set). When it gets that identity, and a LiveKit server answers
        at the token's server URL, both join with the real client and the server's verdict is
        shown: it disconnects the first participant with ``DUPLICATE_IDENTITY``. Returns what was seen.

        Example:
        | Caller Should Not Obtain Another Callers Identity |
        """
        chosen, values, headers = self._context()
        chooses = self._chooses()
        victim = self._ask(chosen, values, headers)
        if not victim.minted:
            return self._not_judged("Impersonation", "the first caller got no token", victim)
        baseline = self._ask(chosen, values, headers)
        rows = [
            self._row("First caller", victim),
            self._row("Second caller, asking as itself", baseline),
        ]
        found, attacker = None, None
        if "identity" in chosen.fields and victim.identity:
            named = self._ask(chosen, {**values, "identity": victim.identity}, headers)
            rows.append(self._row("Second caller, naming the first one's identity", named))
            if named.minted and baseline.identity != victim.identity:
                how = f"by naming it in '{chosen.fields['identity']}'"
                found = findings.impersonation(victim.identity, named.identity, how, bool(headers))
                if found and "identity" in chooses:
                    found = _lowered(found, "the caller chooses its identity by LIVEKIT_ENDPOINT_CALLER_CHOOSES")
                attacker = named
        if found is None:
            shown = {
                name: value for name, value in victim.exchange.cookies.items() if len(value) >= 3 and value in victim.identity
            }
            if shown:
                forged = self._ask(chosen, values, headers, cookies=shown)
                names = ", ".join(sorted(shown))
                rows.append(self._row(f"Second caller, sending the cookie {names} with the first one's value", forged))
                if forged.minted and baseline.identity != victim.identity:
                    found = findings.impersonation(
                        victim.identity, forged.identity, f"by sending the cookie {names} it trusts", bool(headers)
                    )
                    attacker = forged
        if found is not None:
            found.evidence["server"] = self._demonstrate(victim, attacker, rows)
        return self._conclude("Impersonation", rows, [found] if found else [], "No second caller got the first one's identity.")

    @keyword
    def caller_chosen_data_should_stay_out_of_the_token(self) -> dict:
        """Metadata and attributes a caller sends must not be signed into its token (unless the caller chooses them).

        A refusal (4xx) passes: the endpoint does not take them.

        Example:
        | Caller Chosen Data Should Stay Out Of The Token |
        """
        chosen, values, headers = self._context()
        metadata = json.dumps({"role": "admin", "probe": probes.marker("metadata")})
        attributes = {"role": "admin", "probe": probes.marker("attribute")}
        answer = self._ask(chosen, {**values, "metadata": metadata, "attributes": attributes}, headers)
        rows = [self._row("Caller sending metadata and attributes", answer)]
        carried = findings.injected(answer.claims, metadata, attributes) if answer.minted else []
        if "metadata" in self._chooses():
            carried = [_lowered(item, "the caller chooses its metadata by LIVEKIT_ENDPOINT_CALLER_CHOOSES") for item in carried]
        return self._conclude("Caller-chosen data", rows, carried, "The caller's metadata and attributes stay out of the token.")

    @keyword
    def room_configuration_from_the_caller_should_stay_limited_to_agents(self) -> dict:
        """A ``room_config`` the caller sends (egress, limits, timeouts, metadata) must not reach the token beyond agent dispatch.

        Only a JSON request carries a room configuration; a GET route takes none and passes.

        Example:
        | Room Configuration From The Caller Should Stay Limited To Agents |
        """
        chosen, values, headers = self._context()
        if chosen.query:
            return self._conclude("Room configuration", [], [], f"A {chosen.method} route takes no room configuration.")
        answer = self._ask(chosen, values, headers, room_config=_PROBE_ROOM_CONFIG)
        rows = [self._row("Caller sending egress, limits and timeouts in room_config", answer)]
        found = findings.room_configuration(answer.claims) if answer.minted else None
        return self._conclude("Room configuration", rows, [found] if found else [], "Only agent dispatch reaches the token.")

    @keyword
    def endpoint_should_ask_for_a_credential(self) -> dict:
        """A caller without any credential (no configured header, no cookie) must get 401 or 403, not a token.

        Example:
        | Endpoint Should Ask For A Credential |
        """
        chosen, values, headers = self._context()
        answer = self._ask(chosen, values, {})
        rows = [self._row("Caller without any credential", answer)]
        found = findings.no_authentication(answer.exchange.status, len(headers)) if answer.minted else None
        return self._conclude(
            "Authentication", rows, [found] if found else [], "The endpoint refuses a caller without a credential."
        )

    @keyword
    def separate_callers_should_get_their_own_identity_and_token(self) -> dict:
        """Two separate callers asking alike must not get the same identity or the same token.

        With configured credentials both callers are the one user they name, so only anonymous
        callers are compared.

        Example:
        | Separate Callers Should Get Their Own Identity And Token |
        """
        chosen, values, headers = self._context()
        if headers:
            return self._conclude(
                "Shared tokens", [], [], "Both callers would be the one user of TOKEN_ENDPOINT_HEADERS: not compared."
            )
        first, second = self._ask(chosen, values, {}), self._ask(chosen, values, {})
        rows = [self._row("First caller", first), self._row("Second caller", second)]
        found = None
        if first.minted and second.minted:
            found = findings.shared((first.identity, second.identity), first.token == second.token)
        return self._conclude(
            "Shared tokens", rows, [found] if found else [], "Each caller gets an identity and a token of its own."
        )

    @keyword
    def endpoint_token_lifetime_and_grants_should_be_modest(
        self, token, maximum: Duration = "24 hours", viewer: bool = False
    ) -> dict:
        """``token`` (from the endpoint) lives at most ``maximum`` and grants nothing risky for an app's participant.

        Risky: room administration, recording, room creation and listing, SIP, agent or ingress
        administration (high); ``canUpdateOwnMetadata``, hidden, recorder, and publishing for a
        ``viewer`` app (medium). A token without a mint time (``nbf`` 0) is counted from the request.

        Example:
        | Endpoint Token Lifetime And Grants Should Be Modest | ${token} | 24 hours | viewer=False |
        """
        http = self._http()
        text = http._remember(token)
        request = http._state.requests_by_token.get(evidence.fingerprint(text))
        claims = parse_token(text).claims
        counted = token_times.lifetime(parse_token(text).server_claims, request.sent_at if request else 0)
        found = []
        if counted is not None:
            long = findings.lifetime(counted.seconds, float(maximum), counted.basis)
            found += [long] if long else []
        names = granted(claims)
        found += findings.grants(names, viewer)
        rows = [
            {
                "label": "Lifetime",
                "expected": None,
                "actual": f"{counted.seconds:.0f} s from {counted.basis}" if counted else "no exp",
                "ok": None,
            },
            {"label": "Grants", "expected": None, "actual": ", ".join(names) or "nothing", "ok": None},
        ]
        return self._conclude(
            "Lifetime and grants", rows, found, "The lifetime and the grants are within what an app's participant needs."
        )

    @keyword
    def endpoint_cors_should_not_open_it_to_foreign_sites(self) -> dict:
        """A preflight from a foreign origin must not be allowed with credentials, and ``*`` must not
        open an endpoint that authenticates by a cookie or a header.

        Example:
        | Endpoint CORS Should Not Open It To Foreign Sites |
        """
        chosen, values, headers = self._context()
        caller = probes.Caller(self._http()._endpoint(), self._timeout())
        try:
            answer = self._guarded(lambda: probes.preflight(caller, chosen.method, bool(headers)))
            normal = self._ask(chosen, values, {**headers, "Origin": probes.FOREIGN_ORIGIN})
        finally:
            caller.close()
        allow = answer.headers.get("access-control-allow-origin") or normal.exchange.headers.get("access-control-allow-origin")
        credentials = answer.headers.get("access-control-allow-credentials") or normal.exchange.headers.get(
            "access-control-allow-credentials"
        )
        kind = "cookie" if any(name.lower() == "cookie" for name in headers) else ("header" if headers else "")
        rows = [
            {"label": f"Preflight from {probes.FOREIGN_ORIGIN}", "expected": None, "actual": str(answer.status), "ok": None},
            {"label": "Access-Control-Allow-Origin", "expected": None, "actual": allow or "(not sent)", "ok": None},
            {"label": "Access-Control-Allow-Credentials", "expected": None, "actual": credentials or "(not sent)", "ok": None},
        ]
        found = findings.cors(answer.status, allow, credentials, probes.FOREIGN_ORIGIN, kind)
        return self._conclude("CORS", rows, [found] if found else [], "No foreign web site is let in.")

    @keyword
    def endpoint_errors_should_not_show_internals(self) -> dict:
        """A malformed request (broken JSON, or a GET without its parameters) gets an answer without internals.

        Example:
        | Endpoint Errors Should Not Show Internals |
        """
        chosen, _, headers = self._context()
        caller = probes.Caller(self._http()._endpoint(), self._timeout())
        try:
            if chosen.query:
                exchange = self._guarded(lambda: caller.send(chosen.method, headers=headers))
            else:
                exchange = self._guarded(lambda: caller.send(chosen.method, data=b'{"room_name": ', headers=headers))
        finally:
            caller.close()
        body = exchange.body.decode("utf-8", "replace")
        rows = [self._row("Malformed request", probes.read(exchange))]
        found = findings.error_body(exchange.status, body) if exchange.status >= 400 else None
        return self._conclude("Error bodies", rows, [found] if found else [], "Error answers show no internals.")

    # ------------------------------------------------------------------ plumbing

    def _http(self):
        http = library_instance("LiveKitHttp")
        if http is None:
            raise AssertionError(
                "LiveKitEndpoint works on the endpoint of LiveKitHttp: import LiveKitHttp and call Use Token Endpoint first."
            )
        return http

    def _context(self) -> tuple[shapes.Shape, dict, dict]:
        """The shape the endpoint answered in, the values its first request sent (by meaning), the configured headers."""
        http = self._http()
        state = http._state
        if state.endpoint_request is None:
            raise AssertionError("No token was requested from the endpoint yet; request one first (The Endpoint Token Is Ready).")
        settings = http._endpoint_settings()
        seen = state.endpoint_shape or {}
        name = seen.get("shape") or settings.first().name
        method = seen.get("method") or settings.first().method
        chosen = shapes.shape(shapes.CONNECTION_DETAILS if method == "GET" else shapes.STANDARD, method, dict(settings.fields))
        if name == shapes.BARE:
            chosen = shapes.Shape(shapes.BARE, chosen.method, chosen.fields)
        first = state.endpoint_request
        values = {_STANDARD_NAMES[key]: value for key, value in first.body.items() if key in _STANDARD_NAMES}
        return chosen, values, http._extra_headers()

    def _chooses(self) -> tuple[str, ...]:
        http = self._http()
        shape_name = (http._state.endpoint_shape or {}).get("shape") or shapes.STANDARD
        return http._endpoint_settings().chooses(shape_name)

    def _timeout(self) -> float:
        return self._http()._endpoint_timeout()

    def _ask(self, chosen, values, headers, cookies=None, room_config=None) -> probes.Answer:
        caller = probes.Caller(self._http()._endpoint(), self._timeout())
        try:
            answer = self._guarded(lambda: caller.ask(chosen, values, headers, cookies, room_config))
        finally:
            caller.close()
        if answer.token:
            self._http()._remember(answer.token)
        return answer

    def _guarded(self, send):
        try:
            return send()
        except requests.RequestException as error:
            url = self._http()._endpoint()
            raise AssertionError(transport_failure(error, "the token endpoint", url, self._timeout())) from None

    def _row(self, label: str, answer: probes.Answer) -> dict:
        exchange = answer.exchange
        if answer.minted:
            shown = f"{exchange.status}: token {evidence.fingerprint(answer.token)} for identity '{answer.identity}'"
        else:
            shown = f"{exchange.status}: {self._http()._excerpt(exchange.body, limit=100)}"
        return {"label": label, "expected": None, "actual": shown, "ok": None}

    def _demonstrate(self, victim: probes.Answer, attacker: probes.Answer, rows: list[dict]) -> str:
        """Join both with the real client where the victim's token names a server; what the server did, in words."""
        document = _answer_document(victim)
        server = document.server_url if document else ""
        if not server:
            rows.append({"label": "Real server", "expected": None, "actual": "not shown: the answer names no server", "ok": None})
            return "not shown: the answer names no server"
        try:
            seen = takeover.show(server, victim.token, attacker.token)
        except AssertionError as failure:
            text = f"not shown: the real client could not join at {server} ({str(failure)[:160]})"
            rows.append({"label": "Real server", "expected": None, "actual": text, "ok": None})
            return text
        reason = seen.get("victim_reason") or "none (stayed connected)"
        text = (
            f"at {server} the second caller joined as '{seen.get('joined_as')}' and the server disconnected the first "
            f"participant with {reason}"
        )
        rows.append(
            {
                "label": "Real server",
                "expected": "DUPLICATE_IDENTITY",
                "actual": text,
                "ok": seen.get("victim_reason") == "DUPLICATE_IDENTITY",
            }
        )
        return text

    def _not_judged(self, title: str, why: str, answer: probes.Answer) -> dict:
        rows = [self._row("First caller", answer)]
        log_table(
            f"Endpoint security: {title}", rows, kind="endpoint_security", facts={"check": title, "judged": False, "why": why}
        )
        raise AssertionError(f"{title} could not be judged: {why} ({answer.exchange.status}).")

    def _conclude(self, title: str, rows: list[dict], found: list, passed: str) -> dict:
        found = findings.ranked([item for item in found if item is not None])
        for item in found:
            rows.append({"label": f"Finding ({item.severity})", "expected": None, "actual": item.sentence, "ok": not item.fails})
        facts = {"check": title, "judged": True, "findings": [item.record() for item in found]}
        log_table(f"Endpoint security: {title}", rows, kind="endpoint_security", facts=facts)
        for item in found:
            report_finding(item.id, _with_evidence(item), item.severity)
        failing = [item for item in found if item.fails]
        if failing:
            first = failing[0]
            message = " ".join(_with_evidence(item) for item in failing)
            cause = findings.CAUSES.get(first.id, first.sentence)
            raise AssertionError(recording.failure(message, Diagnosis.certain(first.id, cause, first.fix)))
        return {"check": title, "findings": [item.id for item in found], "summary": passed if not found else "reported"}


def _answer_document(answer: probes.Answer):
    try:
        document = json.loads(answer.exchange.body)
    except ValueError:
        return None
    return shapes.read_document(document) if isinstance(document, dict) else None


def _lowered(found: findings.Finding, why: str) -> findings.Finding:
    return findings.Finding(found.id, "medium", f"{found.sentence} (Reported, not failed: {why}.)", found.fix, found.evidence)


def _with_evidence(found: findings.Finding) -> str:
    server = found.evidence.get("server")
    shown = f" Shown against the real server: {server}." if server else ""
    return f"{found.sentence}{shown}"
