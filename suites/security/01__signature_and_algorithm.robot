*** Settings ***
Documentation    Signature and algorithm attacks: only HS256 with the configured secret passes,
...              whatever the header says.

Resource         ../../resources/security.resource

Suite Setup      A Good Token Is Ready
Test Template    The Token Made By Should Be


*** Test Cases ***    HOW                                       WITH                                          OUTCOME
The good token as issued
                      Keep The Token As Issued                  control row                                   accepted
The alg none in lower case, signature removed
                      Sign Token With Algorithm                 none                                          algorithm
The alg None capitalised, signature removed
                      Sign Token With Algorithm                 None                                          algorithm
The alg NONE in capitals, signature removed
                      Sign Token With Algorithm                 NONE                                          algorithm
The alg nOnE in mixed case, signature removed
                      Sign Token With Algorithm                 nOnE                                          algorithm
The alg none with the HS256 signature kept
                      Change Header Without Signing             alg = "none"                                  algorithm
HS384 correctly computed
                      Sign Token With Algorithm                 HS384
                      ...                                       algorithm; v1.12: accepted
HS512 correctly computed
                      Sign Token With Algorithm                 HS512
                      ...                                       algorithm; v1.12: accepted
RS256 correctly computed
                      Sign Token With Algorithm                 RS256                                         algorithm
ES256 correctly computed
                      Sign Token With Algorithm                 ES256                                         algorithm
PS256 correctly computed
                      Sign Token With Algorithm                 PS256                                         algorithm
EdDSA correctly computed
                      Sign Token With Algorithm                 EdDSA                                         algorithm
HS512 in the header over an HS256 signature
                      Change Header Without Signing             alg = "HS512"
                      ...                                       algorithm; v1.12: signature
HS384 in the header over an HS256 signature
                      Change Header Without Signing             alg = "HS384"
                      ...                                       algorithm; v1.12: signature
RS256 in the header over an HS256 signature
                      Change Header Without Signing             alg = "RS256"                                 algorithm
An algorithm no library knows
                      Sign Token With Algorithm                 HS257                                         algorithm
Header without alg
                      Change Header And Sign                    alg = (removed)                               algorithm
The alg null
                      Change Header And Sign                    alg = null                                    algorithm
The alg a number
                      Change Header And Sign                    alg = 256
                      ...                                       algorithm; v1.12: malformed
The alg a list
                      Change Header And Sign                    alg = ["HS256"]
                      ...                                       algorithm; v1.12: malformed
The alg an object
                      Change Header And Sign                    alg = {"name": "HS256"}
                      ...                                       algorithm; v1.12: malformed
Identity changed after signing
                      Change Claims Without Signing             sub = "mallory"                               signature
Room changed after signing
                      Change Claims Without Signing             video.room = "boardroom"                      signature
RoomAdmin granted after signing
                      Change Claims Without Signing             video.roomAdmin = true                        signature
Publishing granted after signing
                      Change Claims Without Signing             video.canPublish = true                       signature
Expiry extended after signing
                      Change Claims Without Signing             exp = 4102444800                              signature
The typ changed in the header after signing
                      Change Header Without Signing             typ = "at+jwt"                                signature
A kid added to the header after signing
                      Change Header Without Signing             kid = "another-key"                           signature
One signature character changed
                      Alter Signature                           one character changed                         signature
One signature byte flipped
                      Alter Signature                           one byte flipped                              signature
Signature emptied, the final dot kept
                      Alter Signature                           emptied                                       signature
Signature removed with its dot
                      Alter Signature                           removed                                       malformed
Signature truncated
                      Alter Signature                           truncated                                     signature
Signature doubled
                      Alter Signature                           doubled                                       signature
Signature of another token
                      Alter Signature                           from another token                            signature
Signature with base64 padding
                      Alter Signature                           with padding
                      ...                                       malformed; v1.12: accepted
Unused low bits of the last signature character changed
                      Alter Signature                           with unused bits changed                      accepted
Signed with another secret
                      Sign Token With Another Secret            random                                        signature
Signed with an empty secret
                      Sign Token With Another Secret            empty                                         signature
Signed with a public-key PEM as the HMAC secret
                      Sign Token With Another Secret            public key PEM                                signature
A kid pointing elsewhere is ignored
                      Change Header And Sign                    kid = "attacker-key"                          accepted
A jku pointing elsewhere is ignored
                      Change Header And Sign                    jku = "https://attacker.invalid/keys.json"    accepted
An x5u pointing elsewhere is ignored
                      Change Header And Sign                    x5u = "https://attacker.invalid/cert.pem"     accepted
A jwk embedding another key is ignored
                      Change Header And Sign                    jwk = {"kty": "oct", "k": "YXR0YWNrZXI"}
                      ...                                       accepted; v1.12: malformed
Signed with the key embedded in jwk
                      Sign Token With Attacker Key In Header    jwk
                      ...                                       signature; v1.12: malformed
Signed with the key named by kid
                      Sign Token With Attacker Key In Header    kid                                           signature
Signed with the key at the jku URL
                      Sign Token With Attacker Key In Header    jku                                           signature
Signed with the key at the x5u URL
                      Sign Token With Attacker Key In Header    x5u                                           signature
