*** Settings ***
Documentation    What the server reads from tokens it accepts: the identity (sub, else jti), JSON
...              keys given twice (the last value wins, objects merge), names in another case,
...              and the defaults of grants the token leaves out.

Resource         ../../resources/security.resource

Suite Setup      A Good Token Is Ready
Test Template    The Server Should Read


*** Test Cases ***    MADE BY                              WITH                                   READS
The identity of the good token is its sub
                      Leaving The Token As Issued          control row                            identity = alice
The sub missing: the identity is jti
                      Changing Claims And Signing Again    sub = (removed); jti = "alice-2"       identity = alice-2
The sub empty: the identity is jti
                      Changing Claims And Signing Again    sub = ""; jti = "alice-2"              identity = alice-2
The sub given twice: the last value wins
                      Adding Raw JSON To The Claims        "sub": "mallory", "sub": "bob"
                      ...                                  identity = bob; v1.12: claims
SUB in capitals sets sub
                      Changing Claims And Signing Again    sub = (removed); SUB = "carol"
                      ...                                  identity = carol; v1.12: identity =
The sub written with a long s (ſub) sets sub
                      Changing Claims And Signing Again    sub = (removed); \u017fub = "eve"
                      ...                                  identity = eve; v1.12: identity =
A grant given twice: the last value wins
                      Adding Raw JSON To The Claims        "video": {"canPublish": true}
                      ...                                  can_publish = True; v1.12: claims
The video given twice: the objects merge
                      Adding Raw JSON To The Claims        "video": {"canSubscribe": false}
                      ...                                  room_join = True; v1.12: claims
The canPublish absent: the participant may publish
                      Changing Claims And Signing Again    video.canPublish = (removed)           can_publish = True
The canPublish absent: data follows publishing
                      Changing Claims And Signing Again    video.canPublish = (removed)
                      ...                                  can_publish_data = True
The canPublish false: no data either unless stated
                      Leaving The Token As Issued          control row
                      ...                                  can_publish_data = False
The canPublish null: treated as absent
                      Changing Claims And Signing Again    video.canPublish = null                can_publish = True
The canSubscribe absent: the participant may subscribe
                      Changing Claims And Signing Again    video.canSubscribe = (removed)         can_subscribe = True
An empty video grant keeps the publish default
                      Changing Claims And Signing Again    video = {}                             can_publish = True
An empty video grant does not join
                      Changing Claims And Signing Again    video = {}                             room_join = False
The roomName is not room: the room stays empty
                      Changing Claims And Signing Again    video = {"roomName": "demo"}           room = ${EMPTY}
