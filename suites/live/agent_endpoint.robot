*** Settings ***
Documentation    The server's /agent endpoint, where agent workers register, answers each token as a plain
...              HTTP request with a worker's WebSocket upgrade headers shows: 101 for a worker's token, 401
...              and the cause otherwise. Each refusal gets the diagnosis a worker refused so would get.

Resource         ../../resources/agents.resource

Test Template    The Agent Endpoint Should Answer

Test Tags        agents


*** Test Cases ***    CASE                          STATUS    MESSAGE                              DIAGNOSIS
A worker's token is upgraded
                      right key and agent grant     101       ${EMPTY}                             ${EMPTY}
The same token in access_token is upgraded
                      same token in access_token    101       ${EMPTY}                             ${EMPTY}
A token of an unknown key is refused
                      unknown key                   401       invalid API key                      unknown-api-key
An expired token is refused
                      expired                       401       token is expired                     worker-clock
A token without the agent grant is refused
                      no agent grant                401       no permissions to access the room    agent-grant-missing
A request without a token is refused
                      no token                      401       no permissions to access the room    agent-grant-missing
A bearer value that is no JWT is refused
                      bearer not a jwt              401       invalid authorization token          malformed
A Basic authorization is refused
                      basic scheme                  401       invalid authorization header         auth-scheme
A request that is no WebSocket upgrade is not found
                      not a websocket request       404       ${EMPTY}                             not-a-worker-connection
