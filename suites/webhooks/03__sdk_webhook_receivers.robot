*** Settings ***
Documentation    Independent oracles: webhooks signed by this project go to the WebhookReceiver of
...              livekit-api (Python) and livekit-server-sdk (Node.js). A correctly signed event must
...              come back as it was signed, a changed body must be refused by both. Rows tagged
...              known-difference state where an SDK parts from LiveKit's server, which this project
...              follows. Node.js rows skip, with the reason, when Node.js or npm ci is missing.

Resource         ../../resources/livekit_webhooks.resource

Test Template    The SDK Should Give


*** Test Cases ***    SDK                   CASE                          VERDICT
Signed here, accepted by livekit-api
                      livekit-api           correctly signed              accepted
Signed here, accepted by livekit-server-sdk
                      livekit-server-sdk    correctly signed              accepted
A changed body refused by livekit-api
                      livekit-api           body changed after signing    refused
A changed body refused by livekit-server-sdk
                      livekit-server-sdk    body changed after signing    refused
Another body's sha256 refused by livekit-api
                      livekit-api           sha256 of another body        refused
Another body's sha256 refused by livekit-server-sdk
                      livekit-server-sdk    sha256 of another body        refused
A missing sha256 refused by livekit-api
                      livekit-api           sha256 claim missing          refused
A missing sha256 refused by livekit-server-sdk
                      livekit-server-sdk    sha256 claim missing          refused
Another secret refused by livekit-api
                      livekit-api           signed with another secret    refused
Another secret refused by livekit-server-sdk
                      livekit-server-sdk    signed with another secret    refused
An expired token refused by livekit-api
                      livekit-api           expired token                 refused
An expired token refused by livekit-server-sdk
                      livekit-server-sdk    expired token                 refused
The Bearer form refused by livekit-api
                      livekit-api           Bearer prefix                 refused
The Bearer form refused by livekit-server-sdk
                      livekit-server-sdk    Bearer prefix                 refused
HS512 refused by livekit-api
                      livekit-api           HS512                         refused
HS512 accepted by livekit-server-sdk, refused by the server
    [Tags]    known-difference
                      livekit-server-sdk    HS512                         accepted
Alg none makes livekit-server-sdk fail rather than refuse
    [Tags]    known-difference
                      livekit-server-sdk    alg none                      crashed
