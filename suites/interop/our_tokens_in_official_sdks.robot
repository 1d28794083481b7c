*** Settings ***
Documentation    Tokens minted by this project verify with each SDK's TokenVerifier, and the SDK
...              reports identity, name, metadata, attributes, kind and every grant exactly as asked.
...              livekit-api also reports its own defaults for fields a token leaves out; the log
...              marks them as such. The claim sets are named in the Variables section below.

Resource         ../../resources/interop.resource

Test Template    Our Token Should Come Back Identical From


*** Variables ***
&{PARTICIPANT}         room_join=True    name=Alice Example    kind=standard
&{OBSERVER}            room_join=True    can_publish=False    can_subscribe=True    can_publish_data=False
&{ROOM_ADMIN}          room_create=True    room_list=True    room_record=True    room_admin=True
...                    can_subscribe=False
&{SOURCES}             room_join=True
...                    can_publish_sources=camera, microphone, screen_share, screen_share_audio
&{ABILITIES}           room_join=True    can_update_own_metadata=True    can_subscribe_metrics=True
...                    can_manage_agent_session=True    hidden=True    recorder=True    agent=True
...                    ingress_admin=True
&{FORWARDING}          room_admin=True    destination_room=stage
&{SERVICES}            sip_admin=True    sip_call=True    inference_perform=True    observability_write=True
&{AGENT_GRANTS}        agent_admin=True    agent_simulation_admin=True    agent_database_admin=True
&{UNICODE_AND_JSON}    room_join=True    kind=agent
...                    attributes={"city": "Zürich", "名前": "テスト", "mood": "🎙️"}
...                    metadata={"role": "host", "seats": [1, 2]}


*** Test Cases ***    SDK                   IDENTITY       ROOM         CLAIMS
Participant token in livekit-api
                      livekit-api           alice          demo         &{PARTICIPANT}
Participant token in livekit-server-sdk
                      livekit-server-sdk    alice          demo         &{PARTICIPANT}
Observer token in livekit-api
                      livekit-api           client_test    test_room    &{OBSERVER}
Observer token in livekit-server-sdk
                      livekit-server-sdk    client_test    test_room    &{OBSERVER}
Room administration in livekit-api
                      livekit-api           ${EMPTY}       demo         &{ROOM_ADMIN}
Room administration in livekit-server-sdk
                      livekit-server-sdk    ${EMPTY}       demo         &{ROOM_ADMIN}
Publish sources in livekit-api
                      livekit-api           alice          demo         &{SOURCES}
Publish sources in livekit-server-sdk
                      livekit-server-sdk    alice          demo         &{SOURCES}
Participant abilities in livekit-api
                      livekit-api           bot            demo         &{ABILITIES}
Participant abilities in livekit-server-sdk
                      livekit-server-sdk    bot            demo         &{ABILITIES}
Forwarding grant in livekit-api
                      livekit-api           host           demo         &{FORWARDING}
Forwarding grant in livekit-server-sdk
                      livekit-server-sdk    host           demo         &{FORWARDING}
Service grants in livekit-api
                      livekit-api           ${EMPTY}       ${EMPTY}     &{SERVICES}
Service grants in livekit-server-sdk
                      livekit-server-sdk    ${EMPTY}       ${EMPTY}     &{SERVICES}
Agent grants in livekit-api
                      livekit-api           ${EMPTY}       ${EMPTY}     &{AGENT_GRANTS}
Agent grants in livekit-server-sdk
                      livekit-server-sdk    ${EMPTY}       ${EMPTY}     &{AGENT_GRANTS}
Unicode and JSON in livekit-api
                      livekit-api           zoë            demo         &{UNICODE_AND_JSON}
Unicode and JSON in livekit-server-sdk
                      livekit-server-sdk    zoë            demo         &{UNICODE_AND_JSON}
