*** Settings ***
Documentation    /rtc/validate answers each kind of token with the server's documented status and message.
...              Messages are matched on a stable part: the wording around it differs between releases.

Resource         ../../resources/livekit_http.resource

Test Template    The Server Should Answer


*** Test Cases ***    CASE                           STATUS    MESSAGE
Expired Token Is Refused
                      expired                        401       token is expired
Token Expired Within The Leeway Is Accepted
                      expired within leeway          200       success
Not Yet Valid Token Is Refused
                      not yet valid                  401       token is not valid yet
Token Valid Within The Leeway Is Accepted
                      not yet valid within leeway    200       success
Tampered Token Is Refused
                      tampered                       401       signature is invalid
Token Signed With Another Secret Is Refused
                      signed with another secret     401       signature is invalid
Token Of An Unknown API Key Is Refused
                      unknown API key                401       invalid API key
Token Without Video Grant Is Refused
                      without video grant            401       no permissions to access the room
Token Without roomJoin Is Refused
                      without roomJoin               401       permissions denied
Token Without Identity Is Refused
                      without identity               400       identity cannot be empty
Token Without Room Is Refused
                      without room                   400       no room name
