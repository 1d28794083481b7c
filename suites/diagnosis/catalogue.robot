*** Settings ***
Documentation    One row per fault: the fault in words, the cause the diagnosis must name first, and
...              the words its fix must name. To add a case, add a row with one of the faults the
...              LiveKitDiagnosis keyword manual lists (under Faults), the expected cause and the fix words.

Resource         ../../resources/diagnosis.resource

Test Template    The Fault Should Be Diagnosed


*** Test Cases ***    FAULT                                             CAUSE                    FIX NAMES
Secret Of Another Environment
                      the API secret differs from the server's          secret mismatch          LIVEKIT_API_SECRET
Key Unknown To The Server
                      the API key is unknown to the server              key unknown to server    LIVEKIT_API_KEY
Secret With A Trailing Newline
                      the API secret has a trailing newline             secret whitespace        LIVEKIT_API_SECRET
Secret In Quotes
                      the API secret has quotes around it               secret whitespace        quotes
Token Signed With A Newline After The Secret
                      the token's secret has a trailing newline         secret whitespace        strip
Token Signed With A Secret The Server Does Not Have
                      the token's secret is unknown to the server       token secret unknown     LIVEKIT_API_SECRET
Clock Behind When Minting
                      the minting clock is 15 minutes behind            minting clock behind     NTP
Clock Ahead When Minting
                      the minting clock is 5 minutes ahead              minting clock ahead      NTP
Grant Field roomName Instead Of room
                      the video grant says roomName instead of room     grant field typo         'room'
Twirp Call Without roomAdmin
                      ListParticipants is called without roomAdmin      grant missing            roomAdmin
Twirp Call With roomAdmin Of Another Room
                      ListParticipants has roomAdmin of another room    grant room mismatch      room
Twirp Call Without roomList
                      ListRooms is called without roomList              grant missing            roomList
Twirp Call Without A Token
                      ListRooms is called without a token               token missing            Bearer, roomList
Plain Server Given A wss URL
                      the server URL is wss:// instead of ws://         URL scheme               ws://
Token In Another Authorization Scheme
                      the Authorization scheme is Token                 auth scheme              Bearer
Token Without exp On The Pinned Server
                      the token has no exp                              exp missing              expiry, TTL
Observer Token Without canPublish
                      the observer token leaves out canPublish          publish not stated       canPublish false
Token Endpoint Serving A Cached Token
                      the token endpoint serves a cached token          endpoint cached token    no-store
Token Without Identity
                      the token has no identity                         identity missing         sub
Token Without Video Grant
                      the token has no video grant                      video grant missing      roomJoin
Token Without roomJoin
                      the token does not grant roomJoin                 join not granted         roomJoin true
