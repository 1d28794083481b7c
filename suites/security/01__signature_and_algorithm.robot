*** Settings ***
Documentation    Signature and algorithm attacks: only HS256 with the configured secret passes,
...              whatever the header says.

Resource         ../../resources/security.resource

Suite Setup      A Good Token Is Ready
Test Template    The Token Made By Should Be


*** Test Cases ***    HOW                                       WITH                                             OUTCOME
The good token as issued
                      Keep The Token As Issued                  control row                                      accepted
The alg none in lower case, signature removed
                      Sign Token With Algorithm                 none                                             refused: algorithm
The alg None capitalised, signature removed
                      Sign Token With Algorithm                 None                                             refused: algorithm
The alg NONE in capitals, signature removed
                      Sign Token With Algorithm                 NONE                                             refused: algorithm
The alg nOnE in mixed case, signature removed
                      Sign Token With Algorithm                 nOnE                                             refused: algorithm
The alg none with the HS256 signature kept
                      Change Header Without Signing             alg = "none"                                     refused: algorithm
HS384 correctly computed
                      Sign Token With Algorithm                 HS384
                      ...                                       refused: algorithm; v1.12: accepted
HS512 correctly computed
                      Sign Token With Algorithm                 HS512
                      ...                                       refused: algorithm; v1.12: accepted
RS256 correctly computed
                      Sign Token With Algorithm                 RS256                                            refused: algorithm
ES256 correctly computed
                      Sign Token With Algorithm                 ES256                                            refused: algorithm
PS256 correctly computed
                      Sign Token With Algorithm                 PS256                                            refused: algorithm
EdDSA correctly computed
                      Sign Token With Algorithm                 EdDSA                                            refused: algorithm
HS512 in the header over an HS256 signature
                      Change Header Without Signing             alg = "HS512"
                      ...                                       refused: algorithm; v1.12: refused: signature
HS384 in the header over an HS256 signature
                      Change Header Without Signing             alg = "HS384"
                      ...                                       refused: algorithm; v1.12: refused: signature
RS256 in the header over an HS256 signature
                      Change Header Without Signing             alg = "RS256"                                    refused: algorithm
An algorithm no library knows
                      Sign Token With Algorithm                 HS257                                            refused: algorithm
Header without alg
                      Change Header And Sign                    alg = (removed)                                  refused: algorithm
The alg null
                      Change Header And Sign                    alg = null                                       refused: algorithm
The alg a number
                      Change Header And Sign                    alg = 256
                      ...                                       refused: algorithm; v1.12: refused: malformed
The alg a list
                      Change Header And Sign                    alg = ["HS256"]
                      ...                                       refused: algorithm; v1.12: refused: malformed
The alg an object
                      Change Header And Sign                    alg = {"name": "HS256"}
                      ...                                       refused: algorithm; v1.12: refused: malformed
Identity changed after signing
                      Change Claims Without Signing             sub = "mallory"                                  refused: signature
Room changed after signing
                      Change Claims Without Signing             video.room = "boardroom"                         refused: signature
RoomAdmin granted after signing
                      Change Claims Without Signing             video.roomAdmin = true                           refused: signature
Publishing granted after signing
                      Change Claims Without Signing             video.canPublish = true                          refused: signature
Expiry extended after signing
                      Change Claims Without Signing             exp = 4102444800                                 refused: signature
The typ changed in the header after signing
                      Change Header Without Signing             typ = "at+jwt"                                   refused: signature
A kid added to the header after signing
                      Change Header Without Signing             kid = "another-key"                              refused: signature
One signature character changed
                      Alter Signature                           one character changed                            refused: signature
One signature byte flipped
                      Alter Signature                           one byte flipped                                 refused: signature
Signature emptied, the final dot kept
                      Alter Signature                           emptied                                          refused: signature
Signature removed with its dot
                      Alter Signature                           removed                                          refused: malformed
Signature truncated
                      Alter Signature                           truncated                                        refused: signature
Signature doubled
                      Alter Signature                           doubled                                          refused: signature
Signature of another token
                      Alter Signature                           from another token                               refused: signature
Signature with base64 padding
                      Alter Signature                           with padding
                      ...                                       refused: malformed; v1.12: accepted
Unused low bits of the last signature character changed
                      Alter Signature                           with unused bits changed                         accepted
Signed with another secret
                      Sign Token With Another Secret            random                                           refused: signature
Signed with an empty secret
                      Sign Token With Another Secret            empty                                            refused: signature
Signed with a public-key PEM as the HMAC secret
                      Sign Token With Another Secret            public key PEM                                   refused: signature
A kid pointing elsewhere is ignored
                      Change Header And Sign                    kid = "attacker-key"                             accepted
A jku pointing elsewhere is ignored
                      Change Header And Sign                    jku = "https://attacker.invalid/keys.json"       accepted
An x5u pointing elsewhere is ignored
                      Change Header And Sign                    x5u = "https://attacker.invalid/cert.pem"        accepted
A jwk embedding another key is ignored
                      Change Header And Sign                    jwk = {"kty": "oct", "k": "YXR0YWNrZXI"}
                      ...                                       accepted; v1.12: refused: malformed
Signed with the key embedded in jwk
                      Sign Token With Attacker Key In Header    jwk
                      ...                                       refused: signature; v1.12: refused: malformed
Signed with the key named by kid
                      Sign Token With Attacker Key In Header    kid                                              refused: signature
Signed with the key at the jku URL
                      Sign Token With Attacker Key In Header    jku                                              refused: signature
Signed with the key at the x5u URL
                      Sign Token With Attacker Key In Header    x5u                                              refused: signature
