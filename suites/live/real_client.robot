*** Settings ***
Documentation     A real client authenticates: LiveKit's Python real-time SDK joins the server's room with
...               the five-step token, and the server's answers, not our decoding, show who joined where
...               with which permissions. The server enforces them: the observer may not publish, a token
...               without roomJoin or for another room does not get in, and data from a publisher reaches
...               the observer over the real WebRTC transport ("transport ready", checked).

Resource          ../../resources/livekit_client.resource

Suite Setup       The Client Joins With The Five-Step Token
Suite Teardown    Every Client Has Left

Test Tags         client


*** Test Cases ***
The client joins with the five-step token
    [Documentation]    The server's join answer names the configured participant and room.
    The Server Should Show The Client As    ${IDENTITY}    ${ROOM}

The server applies the permissions Step 4 decided
    [Documentation]    The ParticipantPermission of the join answer equals Step 4's offline decision.
    The Permissions The Server Applied Should Match Step 4

The room service lists the client with the same permissions
    [Documentation]    ListParticipants with an admin token sees the same participant and permissions.
    The Room Service Should List The Client With The Same Permissions

Data from a publisher reaches the observer
    [Documentation]    The transport carries a data packet from the publisher to the observer.
    Data Sent By The Publisher Should Reach The Observer

The server decides publishing as Step 4 did
    [Documentation]    The server refuses the observer's silent track (publishes it if the token grants canPublish).
    The Server Should Decide Publishing As Step 4 Did

A token without roomJoin cannot join
    [Documentation]    The real client gets 401 "permissions denied".
    A Token Without The Join Grant Should Not Join

A token for another room does not join this room
    [Documentation]    The room comes from the token alone.
    A Token For Another Room Should Not Join The Room
