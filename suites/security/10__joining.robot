*** Settings ***
Documentation    What /rtc/validate answers a token that authenticates: the join checks that follow.
...              The participant needs a video grant with roomJoin, an identity (sub, else jti)
...              and a room, each of at most 256 bytes (a two-byte letter counts twice). Every
...              token here authenticates; the answer is the status and a stable part of the body.

Resource         ../../resources/security.resource

Suite Setup      A Good Token Is Ready
Test Template    The Token Made By Should Get The Answer


*** Test Cases ***    MADE BY                              WITH                      ANSWER
The good token joins its room
                      Leaving The Token As Issued          control row               200 success
No video grant
                      Changing Claims And Signing Again    video = (removed)         401 no permissions
An empty video grant does not join
                      Changing Claims And Signing Again    video = {}                401 permissions denied
The roomJoin false
                      Changing Claims And Signing Again    video.roomJoin = false    401 permissions denied
The identity empty
                      Changing Claims And Signing Again    sub = ""                  400 identity cannot be empty
The identity missing, and no jti
                      Changing Claims And Signing Again    sub = (removed)           400 identity cannot be empty
An identity of 256 bytes, the limit
                      Filling The Identity With            256 a                     200 success
An identity of 257 bytes
                      Filling The Identity With            257 a                     400 identity length exceeds limits
An identity of 129 two-byte letters (258 bytes)
                      Filling The Identity With            129 é                     400 identity length exceeds limits
The room empty
                      Changing Claims And Signing Again    video.room = ""           400 no room name
The room missing
                      Changing Claims And Signing Again    video.room = (removed)    400 no room name
A room of 256 bytes, the limit
                      Filling The Room With                256 r                     200 success
A room of 257 bytes
                      Filling The Room With                257 r                     400 room name length exceeds limits
A room of 129 two-byte letters (258 bytes)
                      Filling The Room With                129 é                     400 room name length exceeds limits
