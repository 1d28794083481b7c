*** Settings ***
Documentation     An app's webhook receiver (LIVEKIT_WEBHOOK_URL) must accept the event the server
...               sends and refuse every forged or hostile one with a 4xx: never a 2xx, never a 5xx.
...               Without LIVEKIT_WEBHOOK_URL the reference receiver (examples/webhook_receiver.py) is
...               started on a free port of 127.0.0.1 and checked, reasons included.
...
...               The Bearer form is required to be refused only from a receiver that claims to be
...               strict (LIVEKIT_WEBHOOK_STRICT=true; the reference receiver is): LiveKit's server
...               never sends it. Headers for the app's own protection come from
...               WEBHOOK_RECEIVER_HEADERS in a variable file and are never logged. Every forged
...               webhook the receiver accepts is named in the Webhooks line of the sign-off summary.
...
...               To add a case, add a row with a case of Create Webhook Request and what the
...               receiver must do: accepted, refused, or refused if strict.

Resource          ../../resources/livekit_webhooks.resource

Suite Setup       The Webhook Receiver Is Available
Suite Teardown    The Webhook Findings Are Recorded And The Receiver Is Stopped
Test Template     The Receiver Should Answer


*** Test Cases ***    CASE                          EXPECTED
The event as the server sends it is accepted
                      correctly signed              accepted
No Authorization header is refused
                      no Authorization header       refused
The Bearer form is refused by a strict receiver
                      Bearer prefix                 refused if strict
Another secret is refused
                      signed with another secret    refused
A key the receiver does not know is refused
                      unknown API key               refused
A body changed after signing is refused
                      body changed after signing    refused
A missing sha256 claim is refused
                      sha256 claim missing          refused
The sha256 of another body is refused
                      sha256 of another body        refused
An expired token is refused
                      expired token                 refused
Alg none is refused
                      alg none                      refused
HS512 is refused
                      HS512                         refused
An oversized body is refused
                      oversized body                refused
