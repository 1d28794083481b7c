*** Settings ***
Documentation    LiveKit webhooks: the same API key and secret that sign access tokens sign the
...              events the server POSTs to an app. A receiver that skips the check lets anyone
...              forge room_started, participant_joined, ... events.
...
...              The suites sign events as the server does, verify them as LiveKit's receivers do,
...              hold them up against the SDKs' WebhookReceivers, check a receiver (the app's, from
...              LIVEKIT_WEBHOOK_URL, else the reference examples/webhook_receiver.py) against forged
...              ones, and run the event collector a real server can send to.

Test Tags        webhooks
