*** Settings ***
Documentation    Claims and grants of the wrong JSON type make the server fail to decode the
...              claims, so it refuses the whole token; fields it does not know are ignored.
...              Names match in either ASCII case, and with the Kelvin sign for k and the long s
...              for s; any other look-alike letter (a dotless i, a ligature) makes another,
...              ignored name. Every token here is signed correctly, so the verdict is about the
...              claims alone. The registered claims (iss, sub, aud, exp, nbf, iat, jti) are read
...              before the key lookup, every other claim after it: with an unknown iss, only a
...              wrong registered claim changes the cause. Which grant fields exist depends on
...              the release line.

Resource         ../../resources/security.resource

Suite Setup      A Good Token Is Ready
Test Template    The Token Made By Should Be


*** Test Cases ***    HOW                         WITH                                                 OUTCOME
The good token as issued
                      Keep The Token As Issued    control row                                          accepted
The aud a string is ignored
                      Change Claims And Sign      aud = "test_room"                                    accepted
The aud a list of strings is ignored
                      Change Claims And Sign      aud = ["test_room", "other"]                         accepted
The aud a number
                      Change Claims And Sign      aud = 5                                              refused: claims
The aud a list holding a number
                      Change Claims And Sign      aud = ["test_room", 5]                               refused: claims
The aud a list holding null
                      Change Claims And Sign      aud = ["test_room", null]                            refused: claims
The sub missing, jti present
                      Change Claims And Sign      sub = (removed); jti = "alice-session"               accepted
The sub a number
                      Change Claims And Sign      sub = 42                                             refused: claims
The sub an object
                      Change Claims And Sign      sub = {"id": "alice"}                                refused: claims
The jti a number
                      Change Claims And Sign      jti = 7                                              refused: claims
The identity a number: its value is replaced by the sub, its type is checked
                      Change Claims And Sign      identity = 42                                        refused: claims
The identity an object
                      Change Claims And Sign      identity = {"id": "mallory"}                         refused: claims
The identity a text other than the sub is ignored
                      Change Claims And Sign      identity = "mallory"                                 accepted
The kindDetails a number
                      Change Claims And Sign      kindDetails = 5                                      refused: claims
The kindDetails a list holding a number
                      Change Claims And Sign      kindDetails = [1]                                    refused: claims
The kindDetails a list of strings
                      Change Claims And Sign      kindDetails = ["cloud_agent"]                        accepted
The video a string
                      Change Claims And Sign      video = "admin"                                      refused: claims
The video a list
                      Change Claims And Sign      video = ["roomAdmin"]                                refused: claims
The video null grants nothing but decodes
                      Change Claims And Sign      video = null                                         accepted
The roomAdmin the string "false"
                      Change Claims And Sign      video.roomAdmin = "false"                            refused: claims
The roomJoin the number 1
                      Change Claims And Sign      video.roomJoin = 1                                   refused: claims
The canPublish the string "yes"
                      Change Claims And Sign      video.canPublish = "yes"                             refused: claims
The room a number
                      Change Claims And Sign      video.room = 7                                       refused: claims
The canPublishSources a string
                      Change Claims And Sign      video.canPublishSources = "camera"                   refused: claims
The canPublishSources a list holding a number
                      Change Claims And Sign      video.canPublishSources = ["camera", 1]              refused: claims
The canPublishSources a list of strings
                      Change Claims And Sign      video.canPublishSources = ["camera"]                 accepted
The canPublishSources a list holding null
                      Change Claims And Sign      video.canPublishSources = [null]                     accepted
An attribute value that is a number
                      Change Claims And Sign      attributes = {"role": 1}                             refused: claims
An attribute value that is a boolean
                      Change Claims And Sign      attributes = {"speaker": true}                       refused: claims
The attributes a list
                      Change Claims And Sign      attributes = ["role"]                                refused: claims
Attributes of strings
                      Change Claims And Sign      attributes = {"role": "viewer"}                      accepted
The metadata an object
                      Change Claims And Sign      metadata = {"plan": "pro"}                           refused: claims
The name a number
                      Change Claims And Sign      name = 3                                             refused: claims
The sip admin grant the string "true"
                      Change Claims And Sign      sip = {"admin": "true"}                              refused: claims
The agent admin grant the string "true"
                      Change Claims And Sign      agent = {"admin": "true"}                            refused: claims
The agent simulationAdmin the string "true"
                      Change Claims And Sign      agent = {"simulationAdmin": "true"}
                      ...                         refused: claims; v1.12: accepted
The agent databaseAdmin the string "true": not a field of every release line
                      Change Claims And Sign      agent = {"databaseAdmin": "true"}
                      ...                         accepted; v1.13.11: refused: claims
The agent dispatchAdmin the string "true": a field of the newer release lines
                      Change Claims And Sign      agent = {"dispatchAdmin": "true"}
                      ...                         refused: claims; v1.13.5, v1.12: accepted
The agentEndpoint a number: a grant of the newer release lines
                      Change Claims And Sign      agentEndpoint = 5
                      ...                         refused: claims; v1.13.5, v1.12: accepted
The roomConfig with a field RoomConfiguration does not have is read without it
                      Change Claims And Sign      roomConfig = {"agent": [{"agentName": "a"}]}
                      ...                         accepted; v1.12: refused: claims
The roomConfig with an enum name RoomConfiguration does not have is read without it
                      Change Claims And Sign      roomConfig = {"agents": [{"restartPolicy": "X"}]}
                      ...                         accepted; v1.12: refused: claims
The roomConfig giving a field twice
                      Add Raw JSON To Claims      "roomConfig": {"name": "a", "name": "b"}             refused: claims
The roomConfig with agents to dispatch
                      Change Claims And Sign      roomConfig = {"agents": [{"agentName": "a"}]}
                      ...                         accepted
The roomConfig with text for a number
                      Change Claims And Sign      roomConfig = {"departureTimeout": "soon"}            refused: claims
An unknown top-level claim is ignored
                      Change Claims And Sign      favouriteColour = "blue"                             accepted
An unknown field inside video is ignored
                      Change Claims And Sign      video.roomName = "boardroom"                         accepted
An unknown field of the wrong type is ignored
                      Change Claims And Sign      video.superUser = {"level": 9}                       accepted
Grant names in another case are the same grant
                      Change Claims And Sign      video.ROOMADMIN = "false"
                      ...                         refused: claims; v1.12: accepted
The kind with a Kelvin sign for K is the kind
                      Change Claims And Sign      \u212aind = 5
                      ...                         refused: claims; v1.12: accepted
The roomAdmin with a dotless i is another name
                      Change Claims And Sign      video.roomAdm\u0131n = "false"                       accepted
The roomList with the st ligature is another name
                      Change Claims And Sign      video.roomLi\ufb06 = "false"                         accepted
The roomConfig with the fi ligature is another name
                      Change Claims And Sign      roomCon\ufb01g = "demo"                              accepted
