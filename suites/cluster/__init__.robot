*** Settings ***
Documentation     A LiveKit cluster: several livekit-server nodes sharing one Redis. The suite starts one with
...               LIVEKIT_CLUSTER_NODES (2 to 8 nodes of the pinned server and a real Redis on loopback) or
...               checks yours with LIVEKIT_NODE_URLS. Without either, the suite is skipped with the sentence
...               saying what to set.

Resource          ../../resources/livekit_cluster.resource

Suite Setup       A LiveKit Cluster Is Available
Suite Teardown    The Cluster's Clients Have Left And The Started Cluster Is Stopped

Test Tags         cluster    live
