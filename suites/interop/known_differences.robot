*** Settings ***
Documentation    Where LiveKit's official verifiers disagree with the LiveKit server, each fact is a
...              test of its own, and our library follows the server:
...
...              - livekit-api's TokenVerifier refuses any token carrying ``aud``; livekit-server-sdk
...              and the server ignore ``aud``.
...              - livekit-server-sdk's TokenVerifier accepts HS384 and HS512 (it has no list of
...              allowed algorithms); the server and livekit-api accept HS256 only.
...              - livekit-server-sdk's TokenVerifier allows 10 s of clock tolerance on exp and nbf;
...              the server and livekit-api allow 60 s.
...              - livekit-api's TokenVerifier fails with an error of its own on a signed token whose
...              video grant is not an object; the server refuses such a token for its claims.
...
...              Each row names the token, the verifier (the Python SDK is livekit-api, the Node SDK
...              livekit-server-sdk), its verdict and a part of the reason it gives (for our library,
...              the refusal cause). The test message in the report repeats the verdict.

Resource         ../../resources/interop.resource

Test Template    The Verdict On The Token Should Be

Test Tags        known-difference


*** Test Cases ***    TOKEN                           VERIFIER              VERDICT     REASON
Audience in the Python SDK
                      Audience Token                  livekit-api           refused     Invalid audience
Audience in the Node SDK
                      Audience Token                  livekit-server-sdk    accepted
Audience in our library
                      Audience Token                  our library           accepted
HS384 in the Python SDK
                      HS384 Token                     livekit-api           refused     InvalidAlgorithm
HS384 in the Node SDK
                      HS384 Token                     livekit-server-sdk    accepted
HS384 in our library
                      HS384 Token                     our library           refused     algorithm
HS512 in the Python SDK
                      HS512 Token                     livekit-api           refused     InvalidAlgorithm
HS512 in the Node SDK
                      HS512 Token                     livekit-server-sdk    accepted
HS512 in our library
                      HS512 Token                     our library           refused     algorithm
Expired 30 s ago in the Python SDK
                      Token Expired 30 Seconds Ago    livekit-api           accepted
Expired 30 s ago in the Node SDK
                      Token Expired 30 Seconds Ago    livekit-server-sdk    refused     ERR_JWT_EXPIRED
Expired 30 s ago in our library
                      Token Expired 30 Seconds Ago    our library           accepted
Expired 90 s ago in the Python SDK
                      Token Expired 90 Seconds Ago    livekit-api           refused     ExpiredSignature
Expired 90 s ago in the Node SDK
                      Token Expired 90 Seconds Ago    livekit-server-sdk    refused     ERR_JWT_EXPIRED
Expired 90 s ago in our library
                      Token Expired 90 Seconds Ago    our library           refused     expired
Valid in 30 s in the Python SDK
                      Token Valid In 30 Seconds       livekit-api           accepted
Valid in 30 s in the Node SDK
                      Token Valid In 30 Seconds       livekit-server-sdk    refused     "nbf" claim
Valid in 30 s in our library
                      Token Valid In 30 Seconds       our library           accepted
A text video grant in the Python SDK
                      Text Video Grant Token          livekit-api           crashed     AttributeError
A text video grant in the Node SDK
                      Text Video Grant Token          livekit-server-sdk    accepted
A text video grant in our library
                      Text Video Grant Token          our library           refused     claims
