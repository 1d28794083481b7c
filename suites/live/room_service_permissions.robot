*** Settings ***
Documentation     Twirp RoomService calls with tokens of different grants: the server allows exactly
...               what the grant table says and answers 401 "unauthenticated" to the rest.
...               The calls work on a room created for this run and deleted afterwards.

Resource          ../../resources/livekit_http.resource

Suite Setup       A Room For The Permission Checks Exists
Suite Teardown    The Room For The Permission Checks Is Deleted
Test Template     The Room Service Should Answer


*** Test Cases ***    CALL                GRANTS        ROOM IN TOKEN    STATUS    ANSWER
ListRooms with roomList is allowed
                      ListRooms           roomList      ${EMPTY}         200       rooms
ListRooms with the observer token is refused
                      ListRooms           observer      ${EMPTY}         401       unauthenticated
ListRooms with roomCreate only is refused
                      ListRooms           roomCreate    ${EMPTY}         401       unauthenticated
ListRooms without a token is refused
                      ListRooms           no token      ${EMPTY}         401       unauthenticated
CreateRoom with roomCreate is allowed
                      CreateRoom          roomCreate    ${EMPTY}         200       ${CHECK_ROOM}
CreateRoom with roomList only is refused
                      CreateRoom          roomList      ${EMPTY}         401       unauthenticated
ListParticipants with roomAdmin of the room is allowed
                      ListParticipants    roomAdmin     ${CHECK_ROOM}    200       ${EMPTY}
ListParticipants with roomAdmin of another room is refused
                      ListParticipants    roomAdmin     another-room     401       unauthenticated
DeleteRoom with roomList only is refused
                      DeleteRoom          roomList      ${EMPTY}         401       unauthenticated
DeleteRoom with roomCreate is allowed
                      DeleteRoom          roomCreate    ${EMPTY}         200       {}
