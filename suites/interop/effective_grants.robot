*** Settings ***
Documentation    The permissions the LiveKit server applies are the same whether a token writes only
...              what was asked (Go and Node style: our library and livekit-server-sdk) or every
...              permission field (Python style: livekit-api). A permission left out takes the
...              server's default: canPublish and canSubscribe are true, canPublishData follows
...              canPublish, an empty list of publish sources allows every source.
...
...              Each row mints the same request (participant viewer, room demo) in both styles,
...              checks that each style wrote what it should, that our library reports the stated
...              permissions for both tokens, and that every effective video permission is equal.
...              Where the styles give different permissions for the same request, a test in
...              Publish Data Defaults says so.

Resource         ../../resources/interop.resource

Test Template    Both Token Styles Should Give The Same Permissions


*** Variables ***
&{JOIN_ONLY}           room_join=True
&{NO_SUBSCRIBE}        room_join=True    can_subscribe=False
&{OBSERVER_NO_DATA}    room_join=True    can_publish=False    can_publish_data=False
&{DATA_ONLY}           room_join=True    can_publish=False    can_publish_data=True
&{CAMERA_AND_MIC}      room_join=True    can_publish_sources=camera, microphone


*** Test Cases ***    MINTER                PUBLISH    SUBSCRIBE    PUBLISH DATA    GRANTS
Join only, our library
                      our library           True       True         True            &{JOIN_ONLY}
Join only, livekit-server-sdk
                      livekit-server-sdk    True       True         True            &{JOIN_ONLY}
No subscribe, our library
                      our library           True       False        True            &{NO_SUBSCRIBE}
No subscribe, livekit-server-sdk
                      livekit-server-sdk    True       False        True            &{NO_SUBSCRIBE}
Observer, our library
                      our library           False      True         False           &{OBSERVER_NO_DATA}
Observer, livekit-server-sdk
                      livekit-server-sdk    False      True         False           &{OBSERVER_NO_DATA}
Data only, our library
                      our library           False      True         True            &{DATA_ONLY}
Data only, livekit-server-sdk
                      livekit-server-sdk    False      True         True            &{DATA_ONLY}
Camera and mic, our library
                      our library           True       True         True            &{CAMERA_AND_MIC}
Camera and mic, livekit-server-sdk
                      livekit-server-sdk    True       True         True            &{CAMERA_AND_MIC}
