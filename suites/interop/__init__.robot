*** Settings ***
Documentation    Interoperability with LiveKit's official server SDKs, in both directions.
...
...              Tokens minted by this project must verify with livekit-api (Python) and
...              livekit-server-sdk (Node.js) and come back unchanged; tokens minted by those SDKs
...              must verify here with the claims they were asked to carry. Where the SDKs
...              disagree with the LiveKit server, a test states the fact and shows that this
...              project follows the server. Tests that need Node.js skip, with the reason, when it
...              is missing.

Resource         ../../resources/interop.resource

Suite Setup      The SDK Versions Are Recorded

Test Tags        interop
