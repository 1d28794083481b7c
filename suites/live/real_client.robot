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

The publisher sees the client unless its token is hidden
    [Documentation]    The server tells other participants about the client exactly when the token is not hidden.
    The Publisher Should See The Client As The Token Grants

The client's data reaches others as canPublishData decides
    [Documentation]    The server forwards the client's data packet exactly when the token grants canPublishData.
    The Client's Data Should Reach The Publisher As The Token Grants

The client updates its own metadata as canUpdateOwnMetadata decides
    [Documentation]    The server accepts the client's new metadata exactly when the token grants canUpdateOwnMetadata.
    The Client Should Update Its Metadata As The Token Grants

The client subscribes to tracks as canSubscribe decides
    [Documentation]    The client subscribes to the publisher's track exactly when the token grants canSubscribe.
    The Client Should Subscribe As The Token Grants

The room service answers the client's token as its admin grants decide
    [Documentation]    ListParticipants with the token needs roomAdmin for its room, ListRooms needs roomList.
    The Room Service Should Answer The Client's Token As It Grants

The server decides publishing as the token grants
    [Documentation]    The server publishes the track sources the token's canPublish and canPublishSources allow
    ...    and refuses the others (the observer's: every source).
    The Server Should Decide Publishing As The Token Grants

A token without roomJoin cannot join
    [Documentation]    The real client gets 401 "permissions denied".
    A Token Without The Join Grant Should Not Join

A token for another room does not join this room
    [Documentation]    The room comes from the token alone.
    A Token For Another Room Should Not Join The Room
