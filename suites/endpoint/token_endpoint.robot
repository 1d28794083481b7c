*** Settings ***
Documentation     A token endpoint (what apps put in front of LiveKit) answers in its shape (LiveKit's
...               standard POST, a connection-details GET, or the bare token) with a fresh token that
...               carries what the caller chose and grants no more than allowed, and leaves no hole open:
...               no impersonation, no caller-chosen data or room configuration in the token, a
...               credential asked for, no shared tokens, a modest lifetime and grants, CORS closed to
...               foreign sites, no internals in error answers.
...
...               The endpoint comes from LIVEKIT_TOKEN_ENDPOINT. Without it, the project's reference
...               endpoint (examples/token_endpoint.py) is started on a free port of 127.0.0.1, in its
...               safe design (a credential of the suite's own, the identity chosen by the endpoint),
...               and stopped afterwards. Headers for an app's own authentication come from
...               TOKEN_ENDPOINT_HEADERS in a variable file and are never logged.

Resource          ../../resources/livekit_http.resource

Suite Setup       Run Keywords    The Token Endpoint Is Available    AND    The Endpoint Token Is Ready
Suite Teardown    The Token Endpoint Started By The Suite Is Stopped

Test Tags         endpoint


*** Test Cases ***
The standard request gets a token
    [Documentation]    The request in the endpoint's shape gets a token (JSON in either JSON name, or the bare
    ...    token), and the token carries the fields the caller chose and the agent dispatch.
    ${token}    The Standard Token Request Is Answered
    The Token Should Carry What Was Asked    ${token}

The token is a JWT signed with HS256
    [Documentation]    The endpoint's token is a JWT signed with HS256.
    [Tags]    endpoint-step-1
    The Endpoint Token Should Be A Signed JWT

The signature verifies and detects any change
    [Documentation]    The signature verifies with the configured API secret and detects any change.
    [Tags]    endpoint-step-2
    The Endpoint Token Signature Should Verify

The claims carry what the request asked for
    [Documentation]    The claims carry what the request asked for.
    [Tags]    endpoint-step-3
    The Endpoint Token Claims Should Match The Request

The token grants no more than allowed
    [Documentation]    The token joins the requested room and grants no more than the configured expectation.
    [Tags]    endpoint-step-4
    The Endpoint Token Should Grant No More Than Allowed

The token is valid now and expires in a sane time
    [Documentation]    The token is valid now and expires in a sane time.
    [Tags]    endpoint-step-5
    The Endpoint Token Should Have A Sane Lifetime

The token is freshly minted
    [Documentation]    nbf (or iat) lies within a few seconds of the request, so a cached token route is caught;
    ...    a token without a mint time (nbf 0) is judged by a second request instead.
    The Endpoint Token Should Be Freshly Minted

An empty request gets no server error
    [Documentation]    Every field of the standard request is optional: {} gets a 2xx or a 4xx, never a 5xx.
    An Empty Token Request Should Get No Server Error

The LiveKit JS client gets a token
    [Documentation]    LiveKit's JS client (livekit-client in Node.js) fetches a token from the endpoint:
    ...    TokenSource.endpoint for a POST route, TokenSource.custom with the app's GET for a GET route.
    ...    Skipped when Node.js 18+ or the livekit-client package (npm ci in interop/node) is missing.
    The LiveKit JS Client Should Get A Token From The Endpoint

A second caller cannot take the first caller's identity
    [Documentation]    Impersonation, shown against the real server when the token names one.
    [Tags]    endpoint-security
    A Second Caller Should Not Get The First Caller's Identity

The caller's metadata and attributes stay out of the token
    [Documentation]    Injected data.
    [Tags]    endpoint-security
    Metadata And Attributes From The Caller Should Stay Out Of The Token

The caller's room configuration stays limited to agent dispatch
    [Documentation]    Egress, limits and timeouts from the caller.
    [Tags]    endpoint-security
    The Caller's Room Configuration Should Stay Limited To Agents

A caller without a credential is refused
    [Documentation]    No authentication.
    [Tags]    endpoint-security
    A Caller Without A Credential Should Be Refused

Separate callers do not share an identity or a token
    [Documentation]    Shared tokens.
    [Tags]    endpoint-security
    Separate Callers Should Not Share An Identity Or A Token

The token lives briefly and grants little
    [Documentation]    Lifetime and grants.
    [Tags]    endpoint-security
    The Endpoint Token Should Live Briefly And Grant Little

Foreign web sites are not let in by CORS
    [Documentation]    CORS.
    [Tags]    endpoint-security
    Foreign Web Sites Should Not Be Let In By CORS

Error answers show no internals
    [Documentation]    Error bodies.
    [Tags]    endpoint-security
    Error Answers Should Not Show Internals
