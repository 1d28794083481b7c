*** Settings ***
Documentation    Signature and algorithm attacks: only HS256 with the configured secret passes,
...              whatever the header says.

Resource         ../../resources/security.resource

Suite Setup      A Good Token Is Ready
Test Template    The Token Made By Should Be


*** Test Cases ***    MADE BY                                   WITH                                          OUTCOME
The good token as issued
                      Leaving The Token As Issued               control row                                   accepted
The alg none in lower case, signature removed
                      Signing With Algorithm                    none                                          algorithm
The alg None capitalised, signature removed
                      Signing With Algorithm                    None                                          algorithm
The alg NONE in capitals, signature removed
                      Signing With Algorithm                    NONE                                          algorithm
The alg nOnE in mixed case, signature removed
                      Signing With Algorithm                    nOnE                                          algorithm
The alg none with the HS256 signature kept
                      Changing The Header Without Signing       alg = "none"                                  algorithm
HS384 correctly computed
                      Signing With Algorithm                    HS384
                      ...                                       algorithm; v1.12: accepted
HS512 correctly computed
                      Signing With Algorithm                    HS512
                      ...                                       algorithm; v1.12: accepted
RS256 correctly computed
                      Signing With Algorithm                    RS256                                         algorithm
ES256 correctly computed
                      Signing With Algorithm                    ES256                                         algorithm
PS256 correctly computed
                      Signing With Algorithm                    PS256                                         algorithm
EdDSA correctly computed
                      Signing With Algorithm                    EdDSA                                         algorithm
HS512 in the header over an HS256 signature
                      Changing The Header Without Signing       alg = "HS512"
                      ...                                       algorithm; v1.12: signature
HS384 in the header over an HS256 signature
                      Changing The Header Without Signing       alg = "HS384"
                      ...                                       algorithm; v1.12: signature
RS256 in the header over an HS256 signature
                      Changing The Header Without Signing       alg = "RS256"                                 algorithm
An algorithm no library knows
                      Signing With Algorithm                    HS257                                         algorithm
Header without alg
                      Changing The Header And Signing Again     alg = (removed)                               algorithm
The alg null
                      Changing The Header And Signing Again     alg = null                                    algorithm
The alg a number
                      Changing The Header And Signing Again     alg = 256
                      ...                                       algorithm; v1.12: malformed
The alg a list
                      Changing The Header And Signing Again     alg = ["HS256"]
                      ...                                       algorithm; v1.12: malformed
The alg an object
                      Changing The Header And Signing Again     alg = {"name": "HS256"}
                      ...                                       algorithm; v1.12: malformed
Identity changed after signing
                      Changing Claims Without Signing           sub = "mallory"                               signature
Room changed after signing
                      Changing Claims Without Signing           video.room = "boardroom"                      signature
RoomAdmin granted after signing
                      Changing Claims Without Signing           video.roomAdmin = true                        signature
Publishing granted after signing
                      Changing Claims Without Signing           video.canPublish = true                       signature
Expiry extended after signing
                      Changing Claims Without Signing           exp = 4102444800                              signature
The typ changed in the header after signing
                      Changing The Header Without Signing       typ = "at+jwt"                                signature
A kid added to the header after signing
                      Changing The Header Without Signing       kid = "another-key"                           signature
One signature character changed
                      Altering The Signature                    one character changed                         signature
One signature byte flipped
                      Altering The Signature                    one byte flipped                              signature
Signature emptied, the final dot kept
                      Altering The Signature                    emptied                                       signature
Signature removed with its dot
                      Altering The Signature                    removed                                       malformed
Signature truncated
                      Altering The Signature                    truncated                                     signature
Signature doubled
                      Altering The Signature                    doubled                                       signature
Signature of another token
                      Altering The Signature                    from another token                            signature
Signature with base64 padding
                      Altering The Signature                    with padding
                      ...                                       malformed; v1.12: accepted
Unused low bits of the last signature character changed
                      Altering The Signature                    with unused bits changed                      accepted
Signed with another secret
                      Signing With Another Secret               random                                        signature
Signed with an empty secret
                      Signing With Another Secret               empty                                         signature
Signed with a public-key PEM as the HMAC secret
                      Signing With Another Secret               public key PEM                                signature
A kid pointing elsewhere is ignored
                      Changing The Header And Signing Again     kid = "attacker-key"                          accepted
A jku pointing elsewhere is ignored
                      Changing The Header And Signing Again     jku = "https://attacker.invalid/keys.json"    accepted
An x5u pointing elsewhere is ignored
                      Changing The Header And Signing Again     x5u = "https://attacker.invalid/cert.pem"     accepted
A jwk embedding another key is ignored
                      Changing The Header And Signing Again     jwk = {"kty": "oct", "k": "YXR0YWNrZXI"}
                      ...                                       accepted; v1.12: malformed
Signed with the key embedded in jwk
                      Signing With An Attacker Key In Header    jwk
                      ...                                       signature; v1.12: malformed
Signed with the key named by kid
                      Signing With An Attacker Key In Header    kid                                           signature
Signed with the key at the jku URL
                      Signing With An Attacker Key In Header    jku                                           signature
Signed with the key at the x5u URL
                      Signing With An Attacker Key In Header    x5u                                           signature
