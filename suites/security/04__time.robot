*** Settings ***
Documentation    Time window: the server accepts a token while nbf - 60 s <= now < exp + 60 s.
...              Every row gives explicit UTC times and the moment of the check; nothing waits.
...              At exactly 60 s past exp the token is refused (now < exp + 60 s no longer holds;
...              servers up to v1.12 still accept it then); at exactly 60 s before nbf it is
...              accepted. A judging server gets the same times moved to now.

Resource         ../../resources/security.resource

Test Template    The Token Valid Between Should Be


*** Test Cases ***    NOT BEFORE             EXPIRES                              CHECKED AT             OUTCOME
Valid now
                      2026-01-20 00:08:57    2026-01-20 06:08:57                  2026-01-20 01:08:57    accepted
Expired 61 s before the check
                      2026-01-20 00:08:57    2026-01-20 01:07:56                  2026-01-20 01:08:57    refused: expired
Expired exactly 60 s before the check
                      2026-01-20 00:08:57    2026-01-20 01:07:57                  2026-01-20 01:08:57
                      ...                    refused: expired; v1.12: accepted
Expired 59 s before the check (leeway)
                      2026-01-20 00:08:57    2026-01-20 01:07:58                  2026-01-20 01:08:57    accepted
Expired 1 s before the check (leeway)
                      2026-01-20 00:08:57    2026-01-20 01:08:56                  2026-01-20 01:08:57    accepted
Expiring at the moment of the check (leeway)
                      2026-01-20 00:08:57    2026-01-20 01:08:57                  2026-01-20 01:08:57    accepted
Expired a day before the check
                      2026-01-18 00:08:57    2026-01-19 01:08:57                  2026-01-20 01:08:57    refused: expired
Valid from 61 s after the check
                      2026-01-20 01:09:58    2026-01-20 06:08:57                  2026-01-20 01:08:57    refused: not yet valid
Valid from exactly 60 s after the check (leeway)
                      2026-01-20 01:09:57    2026-01-20 06:08:57                  2026-01-20 01:08:57    accepted
Valid from 59 s after the check (leeway)
                      2026-01-20 01:09:56    2026-01-20 06:08:57                  2026-01-20 01:08:57    accepted
Valid from a day after the check
                      2026-01-21 01:08:57    2026-01-22 06:08:57                  2026-01-20 01:08:57    refused: not yet valid
A TTL of ten years
                      2026-01-20 00:08:57    2036-01-20 00:08:57                  2026-01-20 01:08:57    accepted
