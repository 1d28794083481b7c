*** Settings ***
Documentation    Structure: anything that is not three base64url segments of JSON objects is
...              refused with a sentence, within bounded time, never with an error of another kind.

Resource         ../../resources/security.resource

Suite Setup      A Good Token Is Ready
Test Template    The Token Made By Should Be


*** Test Cases ***    HOW                              WITH                                             OUTCOME
The good token as issued
                      Keep The Token As Issued         control row                                      accepted
An empty string
                      Send Raw Text                    ${EMPTY}                                         refused: malformed
Text that is not a token
                      Send Raw Text                    not a token                                      refused: malformed
Three dots
                      Send Raw Text                    ...                                              refused: malformed
One segment
                      Change Segment Count             1                                                refused: malformed
Two segments
                      Change Segment Count             2                                                refused: malformed
Four segments
                      Change Segment Count             4                                                refused: malformed
Five segments
                      Change Segment Count             5                                                refused: malformed
A leftover Bearer prefix
                      Change Token Text                with a Bearer prefix                             refused: malformed
A leading space
                      Change Token Text                with a leading space
                      ...                              refused: malformed; v1.12: accepted
A trailing space
                      Change Token Text                with a trailing space
                      ...                              refused: malformed; v1.12: accepted
A space inside
                      Change Token Text                with a space inside
                      ...                              refused: malformed; v1.12: accepted
A tab inside
                      Change Token Text                with a tab inside
                      ...                              refused: malformed; v1.12: accepted
A trailing line break is skipped by the base64 decoder
                      Change Token Text                with a trailing line break                       accepted
A line break inside the payload changes what was signed
                      Change Token Text                with a line break inside the payload
                      ...                              refused: signature; v1.12: accepted
A plus sign (standard base64)
                      Change Token Text                with a plus sign                                 refused: malformed
A slash (standard base64)
                      Change Token Text                with a slash                                     refused: malformed
A character outside base64
                      Change Token Text                with an asterisk                                 refused: malformed
Padding in the header
                      Change Token Text                with padding
                      ...                              refused: malformed; v1.12: accepted
A NUL character
                      Change Token Text                with a NUL character                             refused: malformed
A non-ASCII letter
                      Change Token Text                with a non-ASCII letter                          refused: malformed
A lone surrogate in the token string
                      Change Token Text                with a lone surrogate                            refused: malformed
Header that is not JSON
                      Replace Header Text              not json                                         refused: malformed
Payload that is not JSON
                      Replace Payload Text             not json                                         refused: malformed
Header that is a JSON list
                      Replace Header Text              ["HS256"]                                        refused: malformed
Header that is a JSON string
                      Replace Header Text              "HS256"                                          refused: malformed
Header that is JSON null: no alg
                      Replace Header Text              null                                             refused: algorithm
Header that is a JSON number
                      Replace Header Text              256                                              refused: malformed
Payload that is a JSON list
                      Replace Payload Text             []                                               refused: malformed
Payload that is a JSON number
                      Replace Payload Text             42                                               refused: malformed
Payload that is a JSON string
                      Replace Payload Text             "alice"                                          refused: malformed
Payload that is JSON null decodes to no claims
                      Replace Payload Text             null                                             refused: unknown API key
Header JSON with text after it
                      Replace Header Text              {"alg": "HS256"} trailing                        refused: malformed
Payload JSON with text after it
                      Add Text After Claims            trailing                                         refused: malformed
Payload JSON followed by a second object
                      Add Text After Claims            {}                                               refused: malformed
Payload JSON followed by a line break
                      Add Text After Claims            \n                                               accepted
Header JSON with NaN
                      Add Raw JSON To Header           "x": NaN                                         refused: malformed
Header given alg twice: the last value wins
                      Add Raw JSON To Header           "alg": "none", "alg": "HS256"
                      ...                              accepted; v1.12: refused: malformed
Header given alg twice, none last
                      Add Raw JSON To Header           "alg": "HS256", "alg": "none"
                      ...                              refused: algorithm; v1.12: refused: malformed
A header number too large for a 64-bit float
                      Add Raw JSON To Header           "x": 1e400
                      ...                              refused: malformed
Claims nested 5000 levels deep within the limit
                      Nest Claim Deeply                5000                                             accepted
Claims nested 10000 levels deep in all, the limit
                      Nest Claim Deeply                9999                                             accepted
Claims nested 10001 levels deep in all
                      Nest Claim Deeply                10000
                      ...                              refused: malformed; v1.12: accepted
Claims nested 200000 levels deep
                      Nest Claim Deeply                200000
                      ...                              refused: malformed; v1.12: accepted
A signed token just under a megabyte
                      Grow Token To                    1000000                                          accepted
A signed token a kilobyte over a mebibyte is still read
                      Grow Token To                    1049600                                          accepted
A signed token over a megabyte
                      Grow Token To                    1100000                                          refused: oversized
Two megabytes of letters
                      Change Token Text                as two megabytes of letters                      refused: oversized
Half a megabyte of dots
                      Change Token Text                as half a megabyte of dots                       refused: malformed
A number instead of text
                      Send A Value That Is Not Text    a number                                         refused: not text
Nothing instead of text
                      Send A Value That Is Not Text    nothing                                          refused: not text
A list instead of text
                      Send A Value That Is Not Text    a list                                           refused: not text
Bytes outside ASCII
                      Send A Value That Is Not Text    bytes outside ASCII                              refused: malformed
