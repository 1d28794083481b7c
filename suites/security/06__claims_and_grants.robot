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


*** Test Cases ***    MADE BY                              WITH                                                 OUTCOME
The good token as issued
                      Leaving The Token As Issued          control row                                          accepted
The aud a string is ignored
                      Changing Claims And Signing Again    aud = "test_room"                                    accepted
The aud a list of strings is ignored
                      Changing Claims And Signing Again    aud = ["test_room", "other"]                         accepted
The aud a number
                      Changing Claims And Signing Again    aud = 5                                              claims
The aud a list holding a number
                      Changing Claims And Signing Again    aud = ["test_room", 5]                               claims
The aud a list holding null
                      Changing Claims And Signing Again    aud = ["test_room", null]                            claims
The sub missing, jti present
                      Changing Claims And Signing Again    sub = (removed); jti = "alice-session"               accepted
The sub a number
                      Changing Claims And Signing Again    sub = 42                                             claims
The sub an object
                      Changing Claims And Signing Again    sub = {"id": "alice"}                                claims
The jti a number
                      Changing Claims And Signing Again    jti = 7                                              claims
The identity a number: its value is replaced by the sub, its type is checked
                      Changing Claims And Signing Again    identity = 42                                        claims
The identity an object
                      Changing Claims And Signing Again    identity = {"id": "mallory"}                         claims
The identity a text other than the sub is ignored
                      Changing Claims And Signing Again    identity = "mallory"                                 accepted
The kindDetails a number
                      Changing Claims And Signing Again    kindDetails = 5                                      claims
The kindDetails a list holding a number
                      Changing Claims And Signing Again    kindDetails = [1]                                    claims
The kindDetails a list of strings
                      Changing Claims And Signing Again    kindDetails = ["cloud_agent"]                        accepted
The video a string
                      Changing Claims And Signing Again    video = "admin"                                      claims
The video a list
                      Changing Claims And Signing Again    video = ["roomAdmin"]                                claims
The video null grants nothing but decodes
                      Changing Claims And Signing Again    video = null                                         accepted
The roomAdmin the string "false"
                      Changing Claims And Signing Again    video.roomAdmin = "false"                            claims
The roomJoin the number 1
                      Changing Claims And Signing Again    video.roomJoin = 1                                   claims
The canPublish the string "yes"
                      Changing Claims And Signing Again    video.canPublish = "yes"                             claims
The room a number
                      Changing Claims And Signing Again    video.room = 7                                       claims
The canPublishSources a string
                      Changing Claims And Signing Again    video.canPublishSources = "camera"                   claims
The canPublishSources a list holding a number
                      Changing Claims And Signing Again    video.canPublishSources = ["camera", 1]              claims
The canPublishSources a list of strings
                      Changing Claims And Signing Again    video.canPublishSources = ["camera"]                 accepted
The canPublishSources a list holding null
                      Changing Claims And Signing Again    video.canPublishSources = [null]                     accepted
An attribute value that is a number
                      Changing Claims And Signing Again    attributes = {"role": 1}                             claims
An attribute value that is a boolean
                      Changing Claims And Signing Again    attributes = {"speaker": true}                       claims
The attributes a list
                      Changing Claims And Signing Again    attributes = ["role"]                                claims
Attributes of strings
                      Changing Claims And Signing Again    attributes = {"role": "viewer"}                      accepted
The metadata an object
                      Changing Claims And Signing Again    metadata = {"plan": "pro"}                           claims
The name a number
                      Changing Claims And Signing Again    name = 3                                             claims
The sip admin grant the string "true"
                      Changing Claims And Signing Again    sip = {"admin": "true"}                              claims
The agent admin grant the string "true"
                      Changing Claims And Signing Again    agent = {"admin": "true"}                            claims
The agent simulationAdmin the string "true"
                      Changing Claims And Signing Again    agent = {"simulationAdmin": "true"}
                      ...                                  claims; v1.12: accepted
The agent databaseAdmin the string "true": not a field of every release line
                      Changing Claims And Signing Again    agent = {"databaseAdmin": "true"}
                      ...                                  accepted; v1.13.11: claims
The agent dispatchAdmin the string "true": a field of the newer release lines
                      Changing Claims And Signing Again    agent = {"dispatchAdmin": "true"}
                      ...                                  claims; v1.13.5, v1.12: accepted
The agentEndpoint a number: a grant of the newer release lines
                      Changing Claims And Signing Again    agentEndpoint = 5
                      ...                                  claims; v1.13.5, v1.12: accepted
The roomConfig with a field RoomConfiguration does not have is read without it
                      Changing Claims And Signing Again    roomConfig = {"agent": [{"agentName": "a"}]}
                      ...                                  accepted; v1.12: claims
The roomConfig with an enum name RoomConfiguration does not have is read without it
                      Changing Claims And Signing Again    roomConfig = {"agents": [{"restartPolicy": "X"}]}
                      ...                                  accepted; v1.12: claims
The roomConfig giving a field twice
                      Adding Raw JSON To The Claims        "roomConfig": {"name": "a", "name": "b"}             claims
The roomConfig with agents to dispatch
                      Changing Claims And Signing Again    roomConfig = {"agents": [{"agentName": "a"}]}
                      ...                                  accepted
The roomConfig with text for a number
                      Changing Claims And Signing Again    roomConfig = {"departureTimeout": "soon"}            claims
An unknown top-level claim is ignored
                      Changing Claims And Signing Again    favouriteColour = "blue"                             accepted
An unknown field inside video is ignored
                      Changing Claims And Signing Again    video.roomName = "boardroom"                         accepted
An unknown field of the wrong type is ignored
                      Changing Claims And Signing Again    video.superUser = {"level": 9}                       accepted
Grant names in another case are the same grant
                      Changing Claims And Signing Again    video.ROOMADMIN = "false"
                      ...                                  claims; v1.12: accepted
The kind with a Kelvin sign for K is the kind
                      Changing Claims And Signing Again    \u212aind = 5
                      ...                                  claims; v1.12: accepted
The roomAdmin with a dotless i is another name
                      Changing Claims And Signing Again    video.roomAdm\u0131n = "false"                       accepted
The roomList with the st ligature is another name
                      Changing Claims And Signing Again    video.roomLi\ufb06 = "false"                         accepted
The roomConfig with the fi ligature is another name
                      Changing Claims And Signing Again    roomCon\ufb01g = "demo"                              accepted
