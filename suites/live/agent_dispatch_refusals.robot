*** Settings ***
Documentation    AgentDispatchService/CreateDispatch, asked to send an agent into a room, refuses every token
...              but one with roomAdmin of that room, signed with a key pair the server holds. No worker is
...              needed: a refused call dispatches nothing.

Resource         ../../resources/agents.resource

Test Template    The Agent Dispatch Service Should Answer

Test Tags        agents


*** Test Cases ***    GRANTS       ROOM IN TOKEN                  CREDENTIALS     STATUS    ANSWER
A room admin token with a wrong secret is refused
                      roomAdmin    livekit-auth-agents-refused    wrong secret    401       signature is invalid
A room admin token of an unknown key is refused
                      roomAdmin    livekit-auth-agents-refused    unknown key     401       invalid API key
Room admin of another room is refused
                      roomAdmin    another-room                   run key         401       unauthenticated
A join-only token is refused
                      join only    livekit-auth-agents-refused    run key         401       unauthenticated
An agent-only token is refused
                      agent        ${EMPTY}                       run key         401       unauthenticated
A call without a token is refused
                      no token     ${EMPTY}                       run key         401       unauthenticated
