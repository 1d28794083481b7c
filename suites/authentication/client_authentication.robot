*** Settings ***
Documentation    LiveKit client authentication smoke test: the five steps of the test-results document.
...
...              With no settings it mints the documented token (API key devkey, room test_room,
...              participant client_test, observer grants, 6 hours) and checks it. With
...              LIVEKIT_TOKEN set it walks the same steps on that token instead.

Resource         ../../resources/livekit_auth.resource

Suite Setup      The Token Under Test Is Ready

Test Tags        authentication


*** Test Cases ***
Token Generation
    [Documentation]    The token is a JWT signed with HS256; key, room, participant and length are logged.
    [Tags]    step-1
    The Token Should Be A Signed JWT Using    HS256

Signature Validation
    [Documentation]    HMAC-SHA256 verifies with the API secret, and any change to the token is detected.
    [Tags]    step-2
    The Signature Should Verify With The API Secret
    Any Change To The Token Should Break The Signature

Token Claims
    [Documentation]    Issuer, subject and audience match the expected values.
    [Tags]    step-3
    The Claim Should Be    Issuer (iss)    iss    ${API_KEY}
    The Claim Should Be    Subject (sub)    sub    ${IDENTITY}
    The Claim Should Be    Audience (aud)    aud    ${AUDIENCE}

Access Grants
    [Documentation]    Room access, join, publish and subscribe are granted as configured (observer-only by default).
    [Tags]    step-4
    The Grant Should Be    Room access    room    ${ROOM}
    The Grant Should Be    Can join    room_join    ${CAN_JOIN}
    The Grant Should Be    Can publish    can_publish    ${CAN_PUBLISH}
    The Grant Should Be    Can subscribe    can_subscribe    ${CAN_SUBSCRIBE}

Token Expiration
    [Documentation]    The token is not expired, is already valid, and expires after the expected TTL.
    [Tags]    step-5
    The Token Should Not Be Expired
    The Token Should Be Valid For About    ${TTL}
