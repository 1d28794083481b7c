*** Settings ***
Documentation    Team policy, kept apart from authentication: each of these tokens authenticates,
...              yet breaks a rule a release manager should hear about. The table checks that the
...              policy check finds exactly what it should, with a maximum TTL of 6 hours. The last
...              test applies the policy to the five-step suite's token: findings warn or fail as
...              POLICY (LIVEKIT_POLICY: warn or fail) says, with MAX_TTL (LIVEKIT_MAX_TTL).

Resource         ../../resources/security.resource

Suite Setup      The Policy Keys And A Good Token Are Ready
Test Template    The Policy Should Find


*** Test Cases ***    MADE BY                              WITH                            FINDINGS
A token that breaks no rule
                      Leaving The Token As Issued          control row                     none
A TTL of two years
                      Issuing A Token Valid For            730 days                        ttl-too-long
A TTL of exactly the maximum
                      Issuing A Token Valid For            6 hours                         none
The aud present: livekit-api's Python verifier would refuse it
                      Changing Claims And Signing Again    aud = "test_room"               audience-present
An observer token that leaves out canPublish
                      Changing Claims And Signing Again    video.canPublish = (removed)    publish-not-stated
The roomName written for room
                      Changing Claims And Signing Again    video.roomName = "demo"         unknown-grant-field
The can_publish written in snake case
                      Changing Claims And Signing Again    video.can_publish = true        unknown-grant-field
The nbf missing
                      Changing Claims And Signing Again    nbf = (removed)                 nbf-missing
The nbf 0
                      Changing Claims And Signing Again    nbf = 0                         nbf-missing
A secret shorter than 32 bytes
                      Issuing A Token Signed By Key        weak                            weak-secret
A secret with a trailing space
                      Issuing A Token Signed By Key        spaced                          secret-whitespace
The token of the five-step suite against the team policy
    [Documentation]    Applies the policy to the token the five-step suite checks (supplied, or minted
    ...    as documented). Findings are logged with their likely consequence and reported as
    ...    warnings, or as a failure when POLICY is fail.
    [Tags]    policy    authentication
    [Template]    NONE
    The Token Under Test Should Meet The Team Policy
