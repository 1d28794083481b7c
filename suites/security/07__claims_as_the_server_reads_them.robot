*** Settings ***
Documentation    What the server reads from tokens it accepts: the identity (sub, else jti), JSON
...              keys given twice (the last value wins, objects merge), names in another case,
...              and the defaults of grants the token leaves out.

Resource         ../../resources/security.resource

Suite Setup      A Good Token Is Ready
Test Template    The Server Should Read


*** Test Cases ***    HOW                         WITH                                          READS
The identity of the good token is its sub
                      Keep The Token As Issued    control row                                   identity = alice
The sub missing: the identity is jti
                      Change Claims And Sign      sub = (removed); jti = "alice-2"              identity = alice-2
The sub empty: the identity is jti
                      Change Claims And Sign      sub = ""; jti = "alice-2"                     identity = alice-2
The sub given twice: the last value wins
                      Add Raw JSON To Claims      "sub": "mallory", "sub": "bob"
                      ...                         identity = bob; v1.12: refused: claims
SUB in capitals sets sub
                      Change Claims And Sign      sub = (removed); SUB = "carol"
                      ...                         identity = carol; v1.12: identity =
The sub written with a long s (ſub) sets sub
                      Change Claims And Sign      sub = (removed); \u017fub = "eve"
                      ...                         identity = eve; v1.12: identity =
A grant given twice: the last value wins
                      Add Raw JSON To Claims      "video": {"canPublish": true}
                      ...                         can_publish = True; v1.12: refused: claims
The video given twice: the objects merge
                      Add Raw JSON To Claims      "video": {"canSubscribe": false}
                      ...                         room_join = True; v1.12: refused: claims
The canPublish absent: the participant may publish
                      Change Claims And Sign      video.canPublish = (removed)                  can_publish = True
The canPublish absent: data follows publishing
                      Change Claims And Sign      video.canPublish = (removed)
                      ...                         can_publish_data = True
The canPublish false: no data either unless stated
                      Keep The Token As Issued    control row
                      ...                         can_publish_data = False
The canPublish null: treated as absent
                      Change Claims And Sign      video.canPublish = null                       can_publish = True
The canSubscribe absent: the participant may subscribe
                      Change Claims And Sign      video.canSubscribe = (removed)                can_subscribe = True
An empty video grant keeps the publish default
                      Change Claims And Sign      video = {}                                    can_publish = True
An empty video grant does not join
                      Change Claims And Sign      video = {}                                    room_join = False
The roomName is not room: the room stays empty
                      Change Claims And Sign      video = {"roomName": "demo"}                  room = ${EMPTY}
