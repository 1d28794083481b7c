*** Settings ***
Documentation     Security catalogue: hostile and unusual tokens, and what the LiveKit server does
...               with each. Every row names the case, how the token is made from a good one, and
...               the expected outcome: accepted, or refused with its cause. The outcome is always
...               the server's (HS256 only, secret chosen by iss, 60 s leeway, exp required by the
...               current rules); where release lines differ, the outcome names the others after a
...               semicolon (exp-required; v1.13.5, v1.12: accepted).
...
...               When a LiveKit server is there (LIVEKIT_URL, or livekit-server on PATH), it judges
...               every row: its version chooses the rules of the offline verdicts, and each row's
...               token, made again from now, must get the server answer the offline verdict gives.
...
...               To add a case, add a row: the words of the case, how its token is made from the
...               good one (a keyword that takes the good token, such as Change Claims And Sign; see
...               resources/security.resource) with its argument, and the outcome.

Resource          ../../resources/security.resource

Suite Setup       A LiveKit Server Judges The Verdicts When There Is One
Suite Teardown    The LiveKit Server Started For The Verdicts Is Stopped

Test Tags         security
