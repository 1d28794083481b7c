*** Settings ***
Documentation    Structure: anything that is not three base64url segments of JSON objects is
...              refused with a sentence, within bounded time, never with an error of another kind.

Resource         ../../resources/security.resource

Suite Setup      A Good Token Is Ready
Test Template    The Token Made By Should Be


*** Test Cases ***    MADE BY                              WITH                                    OUTCOME
The good token as issued
                      Leaving The Token As Issued          control row                             accepted
An empty string
                      Sending Raw Text                     ${EMPTY}                                malformed
Text that is not a token
                      Sending Raw Text                     not a token                             malformed
Three dots
                      Sending Raw Text                     ...                                     malformed
One segment
                      Changing The Segment Count To        1                                       malformed
Two segments
                      Changing The Segment Count To        2                                       malformed
Four segments
                      Changing The Segment Count To        4                                       malformed
Five segments
                      Changing The Segment Count To        5                                       malformed
A leftover Bearer prefix
                      Changing The Token Text              with a Bearer prefix                    malformed
A leading space
                      Changing The Token Text              with a leading space
                      ...                                  malformed; v1.12: accepted
A trailing space
                      Changing The Token Text              with a trailing space
                      ...                                  malformed; v1.12: accepted
A space inside
                      Changing The Token Text              with a space inside
                      ...                                  malformed; v1.12: accepted
A tab inside
                      Changing The Token Text              with a tab inside
                      ...                                  malformed; v1.12: accepted
A trailing line break is skipped by the base64 decoder
                      Changing The Token Text              with a trailing line break              accepted
A line break inside the payload changes what was signed
                      Changing The Token Text              with a line break inside the payload
                      ...                                  signature; v1.12: accepted
A plus sign (standard base64)
                      Changing The Token Text              with a plus sign                        malformed
A slash (standard base64)
                      Changing The Token Text              with a slash                            malformed
A character outside base64
                      Changing The Token Text              with an asterisk                        malformed
Padding in the header
                      Changing The Token Text              with padding
                      ...                                  malformed; v1.12: accepted
A NUL character
                      Changing The Token Text              with a NUL character                    malformed
A non-ASCII letter
                      Changing The Token Text              with a non-ASCII letter                 malformed
A lone surrogate in the token string
                      Changing The Token Text              with a lone surrogate                   malformed
Header that is not JSON
                      Replacing The Header With            not json                                malformed
Payload that is not JSON
                      Replacing The Payload With           not json                                malformed
Header that is a JSON list
                      Replacing The Header With            ["HS256"]                               malformed
Header that is a JSON string
                      Replacing The Header With            "HS256"                                 malformed
Header that is JSON null: no alg
                      Replacing The Header With            null                                    algorithm
Header that is a JSON number
                      Replacing The Header With            256                                     malformed
Payload that is a JSON list
                      Replacing The Payload With           []                                      malformed
Payload that is a JSON number
                      Replacing The Payload With           42                                      malformed
Payload that is a JSON string
                      Replacing The Payload With           "alice"                                 malformed
Payload that is JSON null decodes to no claims
                      Replacing The Payload With           null                                    unknown-api-key
Header JSON with text after it
                      Replacing The Header With            {"alg": "HS256"} trailing               malformed
Payload JSON with text after it
                      Adding Text After The Claims JSON    trailing                                malformed
Payload JSON followed by a second object
                      Adding Text After The Claims JSON    {}                                      malformed
Payload JSON followed by a line break
                      Adding Text After The Claims JSON    \n                                      accepted
Header JSON with NaN
                      Adding Raw JSON To The Header        "x": NaN                                malformed
Header given alg twice: the last value wins
                      Adding Raw JSON To The Header        "alg": "none", "alg": "HS256"
                      ...                                  accepted; v1.12: malformed
Header given alg twice, none last
                      Adding Raw JSON To The Header        "alg": "HS256", "alg": "none"
                      ...                                  algorithm; v1.12: malformed
A header number too large for a 64-bit float
                      Adding Raw JSON To The Header        "x": 1e400
                      ...                                  malformed
Claims nested 5000 levels deep within the limit
                      Nesting A Claim Levels Deep          5000                                    accepted
Claims nested 10000 levels deep in all, the limit
                      Nesting A Claim Levels Deep          9999                                    accepted
Claims nested 10001 levels deep in all
                      Nesting A Claim Levels Deep          10000
                      ...                                  malformed; v1.12: accepted
Claims nested 200000 levels deep
                      Nesting A Claim Levels Deep          200000
                      ...                                  malformed; v1.12: accepted
A signed token just under a megabyte
                      Growing The Token To Characters      1000000                                 accepted
A signed token a kilobyte over a mebibyte is still read
                      Growing The Token To Characters      1049600                                 accepted
A signed token over a megabyte
                      Growing The Token To Characters      1100000                                 oversized
Two megabytes of letters
                      Changing The Token Text              as two megabytes of letters             oversized
Half a megabyte of dots
                      Changing The Token Text              as half a megabyte of dots              malformed
A number instead of text
                      Sending A Value That Is Not Text     a number                                not-text
Nothing instead of text
                      Sending A Value That Is Not Text     nothing                                 not-text
A list instead of text
                      Sending A Value That Is Not Text     a list                                  not-text
Bytes outside ASCII
                      Sending A Value That Is Not Text     bytes outside ASCII                     malformed
