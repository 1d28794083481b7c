*** Settings ***
Documentation    Time claims of the wrong kind: exp is required (by the current rules; up to
...              v1.13.5 a token without exp is accepted), iat is never checked (up to v1.12 it
...              may not lie ahead), and exp and nbf must be JSON numbers (or strings holding
...              one) that fit a 64-bit float, read in whole seconds.

Resource         ../../resources/security.resource

Suite Setup      A Good Token Is Ready
Test Template    The Token Made By Should Be


*** Test Cases ***    HOW                         WITH                                               OUTCOME
The good token as issued
                      Keep The Token As Issued    control row                                        accepted
The exp missing
                      Change Claims And Sign      exp = (removed)
                      ...                         refused: exp required; v1.13.5, v1.12: accepted
The exp null
                      Change Claims And Sign      exp = null
                      ...                         refused: exp required; v1.13.5, v1.12: accepted
The iat in the future is ignored
                      Change Claims And Sign      iat = 4102444800
                      ...                         accepted; v1.12: refused: issued in the future
The iat far in the past is ignored
                      Change Claims And Sign      iat = 0                                            accepted
The nbf missing
                      Change Claims And Sign      nbf = (removed)                                    accepted
The nbf null
                      Change Claims And Sign      nbf = null                                         accepted
The exp a boolean
                      Change Claims And Sign      exp = true                                         refused: claims
The exp a string that is not a number
                      Change Claims And Sign      exp = "tomorrow"                                   refused: claims
The exp a list
                      Change Claims And Sign      exp = [1768892937]                                 refused: claims
The exp an object
                      Change Claims And Sign      exp = {"seconds": 1}                               refused: claims
The exp a string holding a number
                      Change Claims And Sign      exp = "1768892937"
                      ...                         accepted; v1.12: refused: claims
The exp with a fraction of a second
                      Change Claims And Sign      exp = 1768892937.5                                 accepted
The exp 59 s and 1 ms before the check expired: it is read in whole seconds
                      Change Claims And Sign      exp = 1768871277.999
                      ...                         refused: expired; v1.12: accepted
The nbf 60 s and 999 ms after the check is valid: it is read in whole seconds
                      Change Claims And Sign      nbf = 1768871397.999                               accepted
The nbf a boolean
                      Change Claims And Sign      nbf = false                                        refused: claims
The nbf a string that is not a number
                      Change Claims And Sign      nbf = "now"                                        refused: claims
The nbf a list
                      Change Claims And Sign      nbf = []                                           refused: claims
The nbf an object
                      Change Claims And Sign      nbf = {"seconds": 1}                               refused: claims
The iat a string that is not a number
                      Change Claims And Sign      iat = "yesterday"                                  refused: claims
The exp too large for a 64-bit float
                      Add Raw JSON To Claims      "exp": 1e400                                       refused: claims
The exp beyond the server's clock reads as long past
                      Change Claims And Sign      exp = 1e19                                         refused: expired
