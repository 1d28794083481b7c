*** Settings ***
Documentation    Independent oracles: webhooks signed by this project go to the WebhookReceiver of
...              livekit-api (Python) and livekit-server-sdk (Node.js). A correctly signed event must
...              come back as it was signed, a changed body must be refused by both. Rows tagged
...              known-difference state where an SDK parts from LiveKit's server, which this project
...              follows. Node.js rows skip, with the reason, when Node.js or npm ci is missing.

Resource         ../../resources/livekit_webhooks.resource

Test Template    The SDK Should Give


*** Test Cases ***    SDK                   CASE                          VERDICT
Signed Here, Accepted By livekit-api
                      livekit-api           correctly signed              accepted
Signed Here, Accepted By livekit-server-sdk
                      livekit-server-sdk    correctly signed              accepted
Changed Body Refused By livekit-api
                      livekit-api           body changed after signing    refused
Changed Body Refused By livekit-server-sdk
                      livekit-server-sdk    body changed after signing    refused
Another Body's sha256 Refused By livekit-api
                      livekit-api           sha256 of another body        refused
Another Body's sha256 Refused By livekit-server-sdk
                      livekit-server-sdk    sha256 of another body        refused
Missing sha256 Refused By livekit-api
                      livekit-api           sha256 claim missing          refused
Missing sha256 Refused By livekit-server-sdk
                      livekit-server-sdk    sha256 claim missing          refused
Another Secret Refused By livekit-api
                      livekit-api           signed with another secret    refused
Another Secret Refused By livekit-server-sdk
                      livekit-server-sdk    signed with another secret    refused
Expired Token Refused By livekit-api
                      livekit-api           expired token                 refused
Expired Token Refused By livekit-server-sdk
                      livekit-server-sdk    expired token                 refused
The Bearer Form Refused By livekit-api
                      livekit-api           Bearer prefix                 refused
The Bearer Form Refused By livekit-server-sdk
                      livekit-server-sdk    Bearer prefix                 refused
HS512 Refused By livekit-api
                      livekit-api           HS512                         refused
HS512 Accepted By livekit-server-sdk, Refused By The Server
    [Tags]    known-difference
                      livekit-server-sdk    HS512                         accepted
Alg None Makes livekit-server-sdk Fail Rather Than Refuse
    [Tags]    known-difference
                      livekit-server-sdk    alg none                      crashed
