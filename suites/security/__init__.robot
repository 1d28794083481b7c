*** Settings ***
Documentation    Security catalogue: hostile and unusual tokens, and what the LiveKit server does
...              with each. Every row names the case, how the token is made from a good one, and
...              the expected outcome: accepted, or refused with its cause. The outcome is always
...              the server's (HS256 only, secret chosen by iss, 60 s leeway, exp required).
...
...              To add a case, add a row: the words of the case, one of the "how" keywords of
...              resources/security.resource with its argument, and the outcome.

Test Tags        security
