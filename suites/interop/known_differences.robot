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
Audience In Python SDK
                      Audience Token                  livekit-api           refused     Invalid audience
Audience In Node SDK
                      Audience Token                  livekit-server-sdk    accepted
Audience In Our Library
                      Audience Token                  our library           accepted
HS384 In Python SDK
                      HS384 Token                     livekit-api           refused     InvalidAlgorithm
HS384 In Node SDK
                      HS384 Token                     livekit-server-sdk    accepted
HS384 In Our Library
                      HS384 Token                     our library           refused     algorithm
HS512 In Python SDK
                      HS512 Token                     livekit-api           refused     InvalidAlgorithm
HS512 In Node SDK
                      HS512 Token                     livekit-server-sdk    accepted
HS512 In Our Library
                      HS512 Token                     our library           refused     algorithm
Expired 30 s Ago In Python SDK
                      Token Expired 30 Seconds Ago    livekit-api           accepted
Expired 30 s Ago In Node SDK
                      Token Expired 30 Seconds Ago    livekit-server-sdk    refused     ERR_JWT_EXPIRED
Expired 30 s Ago In Our Library
                      Token Expired 30 Seconds Ago    our library           accepted
Expired 90 s Ago In Python SDK
                      Token Expired 90 Seconds Ago    livekit-api           refused     ExpiredSignature
Expired 90 s Ago In Node SDK
                      Token Expired 90 Seconds Ago    livekit-server-sdk    refused     ERR_JWT_EXPIRED
Expired 90 s Ago In Our Library
                      Token Expired 90 Seconds Ago    our library           refused     expired
Valid In 30 s In Python SDK
                      Token Valid In 30 Seconds       livekit-api           accepted
Valid In 30 s In Node SDK
                      Token Valid In 30 Seconds       livekit-server-sdk    refused     "nbf" claim
Valid In 30 s In Our Library
                      Token Valid In 30 Seconds       our library           accepted
Text Video Grant In Python SDK
                      Text Video Grant Token          livekit-api           crashed     AttributeError
Text Video Grant In Node SDK
                      Text Video Grant Token          livekit-server-sdk    accepted
Text Video Grant In Our Library
                      Text Video Grant Token          our library           refused     claims
