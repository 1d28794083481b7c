*** Settings ***
Documentation    One row per fault: the fault in words, the cause the diagnosis must name first, and
...              the words its fix must name. To add a case, add a row with one of the faults the
...              LiveKitDiagnosis keyword manual lists (under Faults), the expected cause and the fix words.

Resource         ../../resources/diagnosis.resource

Test Template    The Fault Should Be Diagnosed


*** Test Cases ***    FAULT                                             CAUSE                    FIX NAMES
A secret of another environment
                      the API secret differs from the server's          secret mismatch          LIVEKIT_API_SECRET
A key unknown to the server
                      the API key is unknown to the server              key unknown to server    LIVEKIT_API_KEY
A secret with a trailing newline
                      the API secret has a trailing newline             secret whitespace        LIVEKIT_API_SECRET
A secret in quotes
                      the API secret has quotes around it               secret whitespace        quotes
A token signed with a newline after the secret
                      the token's secret has a trailing newline         secret whitespace        strip
A token signed with a secret the server does not have
                      the token's secret is unknown to the server       token secret unknown     LIVEKIT_API_SECRET
A clock behind when minting
                      the minting clock is 15 minutes behind            minting clock behind     NTP
A clock ahead when minting
                      the minting clock is 5 minutes ahead              minting clock ahead      NTP
The grant field roomName instead of room
                      the video grant says roomName instead of room     grant field typo         'room'
A Twirp call without roomAdmin
                      ListParticipants is called without roomAdmin      grant missing            roomAdmin
A Twirp call with roomAdmin of another room
                      ListParticipants has roomAdmin of another room    grant room mismatch      room
A Twirp call without roomList
                      ListRooms is called without roomList              grant missing            roomList
A Twirp call without a token
                      ListRooms is called without a token               token missing            Bearer, roomList
A plain server given a wss URL
                      the server URL is wss:// instead of ws://         URL scheme               ws://
A token in another Authorization scheme
                      the Authorization scheme is Token                 auth scheme              Bearer
A token without exp on the pinned server
                      the token has no exp                              exp missing              expiry, TTL
An observer token without canPublish
                      the observer token leaves out canPublish          publish not stated       canPublish false
A token endpoint serving a cached token
                      the token endpoint serves a cached token          endpoint cached token    no-store
A token without an identity
                      the token has no identity                         identity missing         sub
A token without a video grant
                      the token has no video grant                      video grant missing      roomJoin
A token without roomJoin
                      the token does not grant roomJoin                 join not granted         roomJoin true
