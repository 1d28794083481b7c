*** Settings ***
Documentation    The failures only a cluster has: a node that holds other keys answers the same token
...              otherwise, admits clients into rooms on other nodes, refuses the reconnects of rooms on a
...              node with an extra key. Each failure names the node and the operator's fix.

Resource         ../../resources/livekit_cluster.resource


*** Test Cases ***
Every node answers the observer token alike
    [Documentation]    /rtc/validate of each node answers 200 success to the document's token.
    Every Node Should Give The Same Answer    observer    200    success

Every node refuses a token signed with another secret alike
    [Documentation]    Each node refuses it with 401; a node that accepts it holds another secret.
    Every Node Should Give The Same Answer    signed with another secret    401    token signature is invalid

Every node refuses an unknown API key alike
    [Documentation]    Each node refuses it with 401; a node that accepts it holds a key the others do not.
    Every Node Should Give The Same Answer    unknown API key    401    invalid API key

A room on one node is joined through every node
    [Documentation]    One participant through each node, each with the room and permissions its token grants.
    A Room On One Node Is Joined Through Every Node With The Token's Permissions

Every node lists every participant of the room
    [Documentation]    ListParticipants through each node shows each participant by its SID.
    Every Node Should List Every Participant

Data crosses the cluster both ways
    [Documentation]    The real-time SDK's clients on the first and the last node receive each other's data.
    Data Should Cross The Cluster Both Ways

A client reconnects through another node with its refresh token
    [Documentation]    The room's node re-issues each participant's token with one of its keys; every other
    ...    node must admit it.
    A Client Should Reconnect Through Another Node With Its Refresh Token

The room's webhooks come from its node and verify
    [Documentation]    Webhooks come only from the room's node, signed with its key: each must verify.
    The Room's Webhooks Should Come From Its Node And Verify

A room rejoins through another node when its node stops
    [Documentation]    Optional for your cluster (skipped); the suite's own cluster stops its last node.
    [Tags]    failover
    A Room Should Rejoin Through Another Node When Its Node Stops
