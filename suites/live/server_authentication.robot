*** Settings ***
Documentation    The server accepts the document's observer token through the Bearer header, refuses
...              other authorization schemes, and keeps its clock in step with this machine.

Resource         ../../resources/livekit_http.resource


*** Test Cases ***
The observer token is accepted
    [Documentation]    /rtc/validate answers 200 success to the document's token sent as Authorization: Bearer.
    The Server Should Accept The Observer Token

Another Authorization scheme is refused
    [Documentation]    The same token after "Token " instead of "Bearer " is refused with 401.
    A Token Sent In Another Authorization Scheme Should Be Refused

The server clock is in step with this machine
    [Documentation]    The server's Date header is compared with the local clock; the skew is reported,
    ...    a warning from half the server's 60 s leeway on, a failure beyond it.
    The Server Clock Should Be In Step With This Machine
