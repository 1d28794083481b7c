*** Settings ***
Documentation    Webhooks signed here as the server signs them, and checked as LiveKit's receiver
...              checks them: the Authorization header alone, the secret by iss, HS256, 60 s of
...              leeway, then the sha256 claim against the exact body bytes.
...
...              The table gives each request of the catalogue to this project's verifier, with the
...              outcome LiveKit's receiver gives it: accepted, or the cause of the refusal. To add
...              a case, add a row with a case of Create Webhook Request and its outcome.

Resource         ../../resources/livekit_webhooks.resource

Test Template    Our Verifier Should Give


*** Test Cases ***    CASE                          OUTCOME
The event as the server sends it
                      correctly signed              accepted
No Authorization header
                      no Authorization header       refused: no authorization
An empty Authorization header
                      empty Authorization header    refused: no authorization
The token after Bearer
                      Bearer prefix                 refused: malformed
Signed with another secret
                      signed with another secret    refused: signature
A key the receiver does not know
                      unknown API key               refused: unknown API key
The body changed after signing
                      body changed after signing    refused: checksum
No sha256 claim
                      sha256 claim missing          refused: checksum
The sha256 of another body
                      sha256 of another body        refused: checksum
An expired token
                      expired token                 refused: expired
A token not valid yet
                      not yet valid token           refused: not yet valid
Alg none
                      alg none                      refused: algorithm
HS512
                      HS512                         refused: algorithm
A body beyond the size limit
                      oversized body                refused: oversized body
A signed event verifies with every fact reported
    [Documentation]    Key, algorithm, signature, body hash, expiry, event type, room and participant.
    [Template]    NONE
    A Signed Event Should Verify With Every Fact Reported
A signature does not cover another body
    [Documentation]    The same Authorization header with another event is refused for its sha256.
    [Template]    NONE
    A Body Changed After Signing Should Be Refused
A webhook token lives five minutes
    [Documentation]    Signed 7 minutes ago, it is past its 5 minutes and the 60 s leeway.
    [Template]    NONE
    A Webhook Signed Five Minutes Ago Should Be Expired
