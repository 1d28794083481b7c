*** Settings ***
Documentation    /rtc/validate answers each kind of token with the server's documented status and message.
...              Messages are matched on a stable part: the wording around it differs between releases.

Resource         ../../resources/livekit_http.resource

Test Template    The Server Should Answer


*** Test Cases ***    CASE                           STATUS    MESSAGE
An expired token is refused
                      expired                        401       token is expired
A token expired within the leeway is accepted
                      expired within leeway          200       success
A token not yet valid is refused
                      not yet valid                  401       token is not valid yet
A token valid within the leeway is accepted
                      not yet valid within leeway    200       success
A tampered token is refused
                      tampered                       401       signature is invalid
A token signed with another secret is refused
                      signed with another secret     401       signature is invalid
A token of an unknown API key is refused
                      unknown API key                401       invalid API key
A token without a video grant is refused
                      without video grant            401       no permissions to access the room
A token without roomJoin is refused
                      without roomJoin               401       permissions denied
A token without an identity is refused
                      without identity               400       identity cannot be empty
A token without a room is refused
                      without room                   400       no room name
