*** Settings ***
Documentation     Live checks against a LiveKit server: does it accept the tokens this suite mints, refuse
...               the bad ones with the documented answer, and enforce the grants on its room service?
...
...               The server comes from LIVEKIT_URL (ws://, wss://, http:// or https://). Without it,
...               livekit-server from PATH is started with --dev on a free port of 127.0.0.1 and stopped
...               afterwards. Without either, every test is skipped with the sentence saying so.

Resource          ../../resources/livekit_http.resource

Suite Setup       A LiveKit Server Is Available
Suite Teardown    The LiveKit Server Started By The Suite Is Stopped

Test Tags         live
