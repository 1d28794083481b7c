*** Settings ***
Documentation    Key configuration the suite must refuse before any token is checked: each stops
...              the run with one sentence saying what to set. Only the values in the table are
...              read, never the real environment; (unset) leaves a setting out. A secret under
...              32 bytes does not stop the run; it is reported as a policy finding (see the policy
...              suite).

Resource         ../../resources/security.resource

Test Template    The Key Configuration Should Stop The Run


*** Test Cases ***    API KEY    API SECRET                  KEYS              SAYS
The configured secret is empty
                      devkey     ${EMPTY}                    (unset)           set LIVEKIT_API_SECRET
A LIVEKIT_KEYS pair with an empty secret
                      (unset)    (unset)                     devkey:           is empty
A LIVEKIT_KEYS line without a separator
                      (unset)    (unset)                     devkey            is no mapping of keys to secrets
The configured secret is only whitespace
                      devkey     ${SPACE}${SPACE}${SPACE}    (unset)           is only whitespace
A key listed twice with different secrets
                      (unset)    (unset)                     a: one\na: two    names the key 'a' twice
A key listed twice with the same secret
                      (unset)    (unset)                     a: one\na: one    names the key 'a' twice
A LIVEKIT_KEYS secret the server reads as a number
                      (unset)    (unset)                     devkey: 12345     'devkey' is a number
