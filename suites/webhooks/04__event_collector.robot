*** Settings ***
Documentation     The event collector a real LiveKit server can send its webhooks to: it verifies each
...               POST with the configured keys and keeps the verified events, in order, with their
...               type, room, participant and verification facts. Here it gets signed and forged
...               requests from this project; see docs/webhooks.md for a server's config.

Resource          ../../resources/livekit_webhooks.resource

Suite Setup       A Webhook Collector Is Running
Suite Teardown    The Webhook Collector Is Stopped


*** Test Cases ***
Signed events are kept and forged ones refused
    [Documentation]    Two signed events are answered 200 and kept; forged ones are answered 401 and left out.
    The Collector Should Answer    correctly signed    200
    The Collector Should Answer    signed with another secret    401
    The Collector Should Answer    body changed after signing    401
    The Collector Should Answer    correctly signed    200
    The Collector Should Have Kept Only The Verified Events    2
