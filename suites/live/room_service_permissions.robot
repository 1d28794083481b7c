*** Settings ***
Documentation     Twirp RoomService calls with tokens of different grants: the server allows exactly
...               what the grant table says and answers 401 "unauthenticated" to the rest.
...               The calls work on a room created for this run and deleted afterwards.

Resource          ../../resources/livekit_http.resource

Suite Setup       A Room For The Permission Checks Exists
Suite Teardown    The Room For The Permission Checks Is Deleted
Test Template     The Room Service Should Answer


*** Test Cases ***    CALL                GRANTS        ROOM IN TOKEN    STATUS    ANSWER
ListRooms With roomList Is Allowed
                      ListRooms           roomList      ${EMPTY}         200       rooms
ListRooms With The Observer Token Is Refused
                      ListRooms           observer      ${EMPTY}         401       unauthenticated
ListRooms With roomCreate Only Is Refused
                      ListRooms           roomCreate    ${EMPTY}         401       unauthenticated
ListRooms Without A Token Is Refused
                      ListRooms           no token      ${EMPTY}         401       unauthenticated
CreateRoom With roomCreate Is Allowed
                      CreateRoom          roomCreate    ${EMPTY}         200       ${CHECK_ROOM}
CreateRoom With roomList Only Is Refused
                      CreateRoom          roomList      ${EMPTY}         401       unauthenticated
ListParticipants With roomAdmin Of The Room Is Allowed
                      ListParticipants    roomAdmin     ${CHECK_ROOM}    200       ${EMPTY}
ListParticipants With roomAdmin Of Another Room Is Refused
                      ListParticipants    roomAdmin     another-room     401       unauthenticated
DeleteRoom With roomList Only Is Refused
                      DeleteRoom          roomList      ${EMPTY}         401       unauthenticated
DeleteRoom With roomCreate Is Allowed
                      DeleteRoom          roomCreate    ${EMPTY}         200       {}
