*** Settings ***
Documentation     A real browser is the client: the system's Chromium or Chrome runs the pinned livekit-client,
...               LiveKit's JavaScript SDK, in the project's own page, and joins the same server as the Python
...               real-time SDK with the five-step token. What the browser received shows who joined where with
...               which permissions; the server keeps the observer from publishing; data crosses between the
...               browser and the Python SDK; bad tokens are refused with the server's reason; nothing of the
...               browser leaves the machine. Without a browser these tests are skipped with the sentence
...               saying how to get one (LIVEKIT_REQUIRE_BROWSER=1 makes that a failure).

Resource          ../../resources/livekit_browser.resource

Suite Setup       The Browser Joins With The Five-Step Token
Suite Teardown    Every Browser And Client Has Left

Test Tags         client    browser


*** Test Cases ***
The browser joins with the five-step token
    [Documentation]    The server's join answer, as livekit-client received it, names the configured participant and room.
    The Server Should Show The Browser As    ${IDENTITY}    ${ROOM}

The permissions the browser received match Step 4
    [Documentation]    All ten fields of the ParticipantPermission the browser received equal Step 4's offline decision.
    The Permissions The Browser Received Should Match Step 4

The browser publishes only as Step 4 decided
    [Documentation]    The observer's camera is refused by livekit-client, and by the server when the page forces it.
    The Browser Should Be Kept From Publishing As Step 4 Decided

A browser with publish rights publishes its camera
    [Documentation]    The same page code publishes with a publisher token: the refusal is the token's doing.
    A Browser With Publish Rights Should Publish Its Camera

Data from the browser reaches the Python SDK
    [Documentation]    Browser to Python real-time SDK, over the WebRTC transport.
    Data From The Browser Should Reach The Python Client

Data from the Python SDK reaches the browser
    [Documentation]    Python real-time SDK to browser, over the WebRTC transport.
    Data From The Python Client Should Reach The Browser

An expired token is refused in the browser
    [Documentation]    livekit-client gets the server's 401 and its reason, the token replaced by its fingerprint.
    The Browser Should Be Refused    expired    401    token is expired

A token signed with another secret is refused in the browser
    [Documentation]    livekit-client gets the server's 401 and its reason, the token replaced by its fingerprint.
    The Browser Should Be Refused    signed with another secret    401    signature is invalid

The browser's console is in the log without tokens
    [Documentation]    The console and page errors of both pages are logged, scrubbed of every token.
    The Browser Console Should Be In The Log Without Tokens

No packet of the browser leaves the machine
    [Documentation]    A capture on every interface but loopback, from the browser's launch on, finds none of its packets.
    No Packet Of The Browser Should Leave The Machine
