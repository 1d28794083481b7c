*** Settings ***
Documentation    Time claims of the wrong kind: exp is required (by the current rules; up to
...              v1.13.5 a token without exp is accepted), iat is never checked (up to v1.12 it
...              may not lie ahead), and exp and nbf must be JSON numbers (or strings holding
...              one) that fit a 64-bit float, read in whole seconds.

Resource         ../../resources/security.resource

Suite Setup      A Good Token Is Ready
Test Template    The Token Made By Should Be


*** Test Cases ***    MADE BY                              WITH                                      OUTCOME
The good token as issued
                      Leaving The Token As Issued          control row                               accepted
The exp missing
                      Changing Claims And Signing Again    exp = (removed)
                      ...                                  exp-required; v1.13.5, v1.12: accepted
The exp null
                      Changing Claims And Signing Again    exp = null
                      ...                                  exp-required; v1.13.5, v1.12: accepted
The iat in the future is ignored
                      Changing Claims And Signing Again    iat = 4102444800
                      ...                                  accepted; v1.12: issued-in-the-future
The iat far in the past is ignored
                      Changing Claims And Signing Again    iat = 0                                   accepted
The nbf missing
                      Changing Claims And Signing Again    nbf = (removed)                           accepted
The nbf null
                      Changing Claims And Signing Again    nbf = null                                accepted
The exp a boolean
                      Changing Claims And Signing Again    exp = true                                claims
The exp a string that is not a number
                      Changing Claims And Signing Again    exp = "tomorrow"                          claims
The exp a list
                      Changing Claims And Signing Again    exp = [1768892937]                        claims
The exp an object
                      Changing Claims And Signing Again    exp = {"seconds": 1}                      claims
The exp a string holding a number
                      Changing Claims And Signing Again    exp = "1768892937"
                      ...                                  accepted; v1.12: claims
The exp with a fraction of a second
                      Changing Claims And Signing Again    exp = 1768892937.5                        accepted
The exp 59 s and 1 ms before the check expired: it is read in whole seconds
                      Changing Claims And Signing Again    exp = 1768871277.999
                      ...                                  expired; v1.12: accepted
The nbf 60 s and 999 ms after the check is valid: it is read in whole seconds
                      Changing Claims And Signing Again    nbf = 1768871397.999                      accepted
The nbf a boolean
                      Changing Claims And Signing Again    nbf = false                               claims
The nbf a string that is not a number
                      Changing Claims And Signing Again    nbf = "now"                               claims
The nbf a list
                      Changing Claims And Signing Again    nbf = []                                  claims
The nbf an object
                      Changing Claims And Signing Again    nbf = {"seconds": 1}                      claims
The iat a string that is not a number
                      Changing Claims And Signing Again    iat = "yesterday"                         claims
The exp too large for a 64-bit float
                      Adding Raw JSON To The Claims        "exp": 1e400                              claims
The exp beyond the server's clock reads as long past
                      Changing Claims And Signing Again    exp = 1e19                                expired
