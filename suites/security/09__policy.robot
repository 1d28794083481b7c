*** Settings ***
Documentation    Team policy, kept apart from authentication: each of these tokens authenticates,
...              yet breaks a rule a release manager should hear about. The table checks that the
...              policy check finds exactly what it should, with a maximum TTL of 6 hours. The last
...              test applies the policy to the five-step suite's token: findings warn or fail as
...              POLICY (LIVEKIT_POLICY: warn or fail) says, with MAX_TTL (LIVEKIT_MAX_TTL).

Resource         ../../resources/security.resource

Suite Setup      The Policy Keys And A Good Token Are Ready
Test Template    The Policy Should Find


*** Test Cases ***    HOW                              WITH                            FINDINGS
A token that breaks no rule
                      Keep The Token As Issued         control row                     none
A TTL of two years
                      Issue Another Token Valid For    730 days                        TTL too long
A TTL of exactly the maximum
                      Issue Another Token Valid For    6 hours                         none
The aud present: livekit-api's Python verifier would refuse it
                      Change Claims And Sign           aud = "test_room"               audience present
An observer token that leaves out canPublish
                      Change Claims And Sign           video.canPublish = (removed)    publish not stated
The roomName written for room
                      Change Claims And Sign           video.roomName = "demo"         unknown grant field
The can_publish written in snake case
                      Change Claims And Sign           video.can_publish = true        unknown grant field
The nbf missing
                      Change Claims And Sign           nbf = (removed)                 nbf missing
The nbf 0
                      Change Claims And Sign           nbf = 0                         nbf missing
A secret shorter than 32 bytes
                      Issue The Token With Key         weak                            weak secret
A secret with a trailing space
                      Issue The Token With Key         spaced                          secret whitespace
The token of the five-step suite against the team policy
    [Documentation]    Applies the policy to the token the five-step suite checks (supplied, or minted
    ...    as documented). Findings are logged with their likely consequence and reported as
    ...    warnings, or as a failure when POLICY is fail.
    [Tags]    policy    authentication
    [Template]    NONE
    The Token Under Test Should Meet The Team Policy
