*** Settings ***
Documentation    The real server's webhooks: the server this run started sends its events to a receiver
...              on 127.0.0.1, signed with the run's API key. When the five-step token's client joins and
...              leaves, the events arrive, verify (key, signature, sha256 of the body, expiry), name the
...              token's room and participant, come in order, and read alike in LiveKit's SDKs.

Resource         ../../resources/livekit_client.resource

Suite Setup      The Five-Step Client Joins And Leaves With Webhooks Collected

Test Tags        webhooks    client


*** Test Cases ***
The server announces the join
    [Documentation]    participant_joined for the five-step participant in its room, verified.
    The Server Should Send A Verified Webhook    participant_joined

The server announces the leave
    [Documentation]    participant_left for the same participant, verified.
    The Server Should Send A Verified Webhook    participant_left

The join comes before the leave
    [Documentation]    The server sends the events in the order they happened.
    The Server Should Announce The Join Before The Leave

The client connects once
    [Documentation]    One join and one leave for the participant, and no aborted second connection.
    The Server Should Announce One Join And One Leave

Every webhook from the server verifies
    [Documentation]    Nothing the server sent was refused.
    Every Webhook From The Server Should Verify

The Python SDK reads the server's webhook alike
    [Documentation]    livekit-api's WebhookReceiver accepts it and reads the same event.
    The SDK Should Read The Server's Webhook Alike    livekit-api

The Node SDK reads the server's webhook alike
    [Documentation]    livekit-server-sdk's WebhookReceiver (Node.js) accepts it and reads the same event.
    The SDK Should Read The Server's Webhook Alike    livekit-server-sdk
