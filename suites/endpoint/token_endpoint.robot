*** Settings ***
Documentation     A token endpoint (what apps put in front of LiveKit) answers LiveKit's standard request
...               with a fresh token that carries what was asked and grants no more than allowed.
...
...               The endpoint comes from LIVEKIT_TOKEN_ENDPOINT. Without it, the project's reference
...               endpoint (examples/token_endpoint.py) is started on a free port of 127.0.0.1 and stopped
...               afterwards. Headers for an app's own authentication come from TOKEN_ENDPOINT_HEADERS
...               in a variable file and are never logged.

Resource          ../../resources/livekit_http.resource

Suite Setup       Run Keywords    The Token Endpoint Is Available    AND    The Endpoint Token Is Ready
Suite Teardown    The Token Endpoint Started By The Suite Is Stopped

Test Tags         endpoint


*** Test Cases ***
The standard request gets a token
    [Documentation]    POSTing the standard request gets a 2xx JSON answer with server_url and participant_token,
    ...    and the token is for the requested identity, room, name, metadata, attributes and agent.
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
    [Documentation]    nbf (or iat) lies within a few seconds of the request, so a cached token route is caught.
    The Endpoint Token Should Be Freshly Minted

An empty request gets no server error
    [Documentation]    Every field of the standard request is optional: {} gets a 2xx or a 4xx, never a 5xx.
    An Empty Token Request Should Get No Server Error

The LiveKit JS client gets a token
    [Documentation]    TokenSource.endpoint of livekit-client fetches a token from the endpoint in Node.js.
    ...    Skipped when Node.js 18+ or the livekit-client package (npm ci in interop/node) is missing.
    The LiveKit JS Client Should Get A Token From The Endpoint
