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
The Event As The Server Sends It Is Accepted
                      correctly signed              accepted
No Authorization Header Is Refused
                      no Authorization header       refused
The Bearer Form Is Refused By A Strict Receiver
                      Bearer prefix                 refused if strict
Another Secret Is Refused
                      signed with another secret    refused
A Key The Receiver Does Not Know Is Refused
                      unknown API key               refused
A Body Changed After Signing Is Refused
                      body changed after signing    refused
A Missing sha256 Claim Is Refused
                      sha256 claim missing          refused
The sha256 Of Another Body Is Refused
                      sha256 of another body        refused
An Expired Token Is Refused
                      expired token                 refused
Alg None Is Refused
                      alg none                      refused
HS512 Is Refused
                      HS512                         refused
An Oversized Body Is Refused
                      oversized body                refused
