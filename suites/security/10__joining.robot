*** Settings ***
Documentation    What /rtc/validate answers a token that authenticates: the join checks that follow.
...              The participant needs a video grant with roomJoin, an identity (sub, else jti)
...              and a room, each of at most 256 bytes (a two-byte letter counts twice). Every
...              token here authenticates; the answer is the status and a stable part of the body.

Resource         ../../resources/security.resource

Suite Setup      A Good Token Is Ready
Test Template    The Token Made By Should Get The Answer


*** Test Cases ***    HOW                         WITH                      ANSWER
The good token joins its room
                      Keep The Token As Issued    control row               200 success
No video grant
                      Change Claims And Sign      video = (removed)         401 no permissions
An empty video grant does not join
                      Change Claims And Sign      video = {}                401 permissions denied
The roomJoin false
                      Change Claims And Sign      video.roomJoin = false    401 permissions denied
The identity empty
                      Change Claims And Sign      sub = ""                  400 identity cannot be empty
The identity missing, and no jti
                      Change Claims And Sign      sub = (removed)           400 identity cannot be empty
An identity of 256 bytes, the limit
                      Fill The Identity With      256 a                     200 success
An identity of 257 bytes
                      Fill The Identity With      257 a                     400 identity length exceeds limits
An identity of 129 two-byte letters (258 bytes)
                      Fill The Identity With      129 é                     400 identity length exceeds limits
The room empty
                      Change Claims And Sign      video.room = ""           400 no room name
The room missing
                      Change Claims And Sign      video.room = (removed)    400 no room name
A room of 256 bytes, the limit
                      Fill The Room With          256 r                     200 success
A room of 257 bytes
                      Fill The Room With          257 r                     400 room name length exceeds limits
A room of 129 two-byte letters (258 bytes)
                      Fill The Room With          129 é                     400 room name length exceeds limits
