*** Settings ***
Documentation    The SDKs differ on canPublishData when a token does not ask for it. The LiveKit server
...              lets a missing canPublishData follow canPublish. livekit-api writes canPublishData
...              true unless told otherwise, and its TokenVerifier reads a missing one as true, so a
...              Python-made observer token asked only for can_publish=False may still publish data.
...              Our library and livekit-server-sdk leave the field out. Our library reports, for
...              each token, what the server applies.

Resource         ../../resources/interop.resource

Test Tags        known-difference


*** Test Cases ***
An observer token from livekit-api still publishes data
    [Documentation]    Asked for can_publish=False only, livekit-api writes canPublishData true.
    ${token}    A Token Asking Only For    livekit-api    demo    room_join=True    can_publish=False
    Token Should Write Every Permission Field    ${token}
    The Server Should Apply    ${token}    can_publish=False    can_publish_data=True

An observer token from livekit-server-sdk does not publish data
    [Documentation]    Asked for can_publish=False only, livekit-server-sdk leaves canPublishData out.
    ${token}    A Token Asking Only For    livekit-server-sdk    demo    room_join=True    can_publish=False
    Token Should Write Only The Asked Video Grants    ${token}    demo    room_join=True    can_publish=False
    The Server Should Apply    ${token}    can_publish=False    can_publish_data=False

Our observer token does not publish data
    [Documentation]    Asked for can_publish=False only, our library leaves canPublishData out.
    ${token}    A Token Asking Only For    our library    demo    room_join=True    can_publish=False
    Token Should Write Only The Asked Video Grants    ${token}    demo    room_join=True    can_publish=False
    The Server Should Apply    ${token}    can_publish=False    can_publish_data=False

A missing canPublishData reads as true in livekit-api
    [Documentation]    For our observer token, livekit-api's TokenVerifier reports canPublishData true
    ...    where the server applies false.
    ${token}    A Token Asking Only For    our library    demo    room_join=True    can_publish=False
    The SDK Should Report    livekit-api    ${token}    video.canPublishData    True
    The Server Should Apply    ${token}    can_publish_data=False

A missing canPublishData stays missing in livekit-server-sdk
    [Documentation]    livekit-server-sdk's TokenVerifier returns the payload as it is: no canPublishData.
    ${token}    A Token Asking Only For    our library    demo    room_join=True    can_publish=False
    The SDK Should Report    livekit-server-sdk    ${token}    video.canPublish    False
    The SDK Should Report    livekit-server-sdk    ${token}    video.canPublishData    (not set)
