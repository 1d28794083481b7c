*** Settings ***
Documentation     Agents: a real livekit-agents worker registers on the server's /agent endpoint with the
...               API key and secret, a participant token's roomConfig.agents or an admin's
...               AgentDispatchService call dispatches it, and the server mints the agent's own token.
...               The worker runs in its own environment (.venv-agents), made on first use.

Resource          ../../resources/agents.resource

Suite Setup       The Agent Workers Of The Suite Are Started
Suite Teardown    Every Agent Worker Is Stopped

Test Tags         agents


*** Test Cases ***
A worker with the right key registers
    [Documentation]    The suite's worker registered with the run's key pair (Suite Setup); its id is the server's.
    Agent Worker Should Register    tester

A worker with a wrong secret is refused
    [Documentation]    Its log shows the server's 401 and it gives up (exiting 0); /agent names the cause.
    The Worker Should Be Refused    wrong secret    signature is invalid    secret-mismatch

A worker with an unknown key is refused
    [Documentation]    Its log shows the server's 401 and it gives up (exiting 0); /agent names the cause.
    The Worker Should Be Refused    unknown key    invalid API key    unknown-api-key

A token asking for the agent brings it into the room
    [Documentation]    roomConfig.agents=[{agentName}] in the caller's token: the agent joins as kind AGENT.
    A Caller Asking For The Agent Should Bring It Into A New Room

The agent's token is the one the server minted
    [Documentation]    Its key, kind, grants, room and lifetime, through the five steps' keywords.
    The Agent Token Should Be The One The Server Minted

A room without roomConfig gets no agent
    [Documentation]    Automatic dispatch is off for a named worker: only a request brings it.
    A Room Joined Without Room Configuration Should Get No Agent

A dispatch to an agent name no worker has brings no agent
    [Documentation]    The diagnosis names the missing worker.
    A Dispatch To An Agent Name No Worker Has Should Bring No Agent

A dispatch to a worker that reports itself full brings no agent
    [Documentation]    The server drops the dispatch without retrying; the diagnosis names the full worker.
    A Dispatch To A Full Worker Should Bring No Agent

An explicit dispatch with room admin brings the agent
    [Documentation]    AgentDispatchService/CreateDispatch with roomAdmin of the room.
    An Explicit Dispatch Should Bring The Agent

A caller of another key pair dispatches the worker of the first
    [Documentation]    Key pairs of one server are not tenants: reported as a finding.
    A Caller Of Another Key Should Bring The Agent Of The First Key
