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
Participant Token In livekit-api
                      livekit-api           alice          demo         &{PARTICIPANT}
Participant Token In livekit-server-sdk
                      livekit-server-sdk    alice          demo         &{PARTICIPANT}
Observer Token In livekit-api
                      livekit-api           client_test    test_room    &{OBSERVER}
Observer Token In livekit-server-sdk
                      livekit-server-sdk    client_test    test_room    &{OBSERVER}
Room Administration In livekit-api
                      livekit-api           ${EMPTY}       demo         &{ROOM_ADMIN}
Room Administration In livekit-server-sdk
                      livekit-server-sdk    ${EMPTY}       demo         &{ROOM_ADMIN}
Publish Sources In livekit-api
                      livekit-api           alice          demo         &{SOURCES}
Publish Sources In livekit-server-sdk
                      livekit-server-sdk    alice          demo         &{SOURCES}
Participant Abilities In livekit-api
                      livekit-api           bot            demo         &{ABILITIES}
Participant Abilities In livekit-server-sdk
                      livekit-server-sdk    bot            demo         &{ABILITIES}
Forwarding Grant In livekit-api
                      livekit-api           host           demo         &{FORWARDING}
Forwarding Grant In livekit-server-sdk
                      livekit-server-sdk    host           demo         &{FORWARDING}
Service Grants In livekit-api
                      livekit-api           ${EMPTY}       ${EMPTY}     &{SERVICES}
Service Grants In livekit-server-sdk
                      livekit-server-sdk    ${EMPTY}       ${EMPTY}     &{SERVICES}
Agent Grants In livekit-api
                      livekit-api           ${EMPTY}       ${EMPTY}     &{AGENT_GRANTS}
Agent Grants In livekit-server-sdk
                      livekit-server-sdk    ${EMPTY}       ${EMPTY}     &{AGENT_GRANTS}
Unicode And JSON In livekit-api
                      livekit-api           zoë            demo         &{UNICODE_AND_JSON}
Unicode And JSON In livekit-server-sdk
                      livekit-server-sdk    zoë            demo         &{UNICODE_AND_JSON}
