*** Settings ***
Documentation    Tokens minted by each SDK's AccessToken verify with this project as the LiveKit server
...              verifies them, and the claims decoded here equal what the SDK was asked to put in:
...              every video grant field, the SIP, agent, inference and observability grants,
...              attributes with Unicode, metadata as JSON text, and explicit lifetimes (exp - nbf
...              equals the TTL within a second, as the SDKs read the clock twice).
...              livekit-api writes canPublish, canSubscribe and canPublishData even when not asked;
...              the log shows them as written by livekit-api. livekit-server-sdk 2.19.2 has no
...              agent grant, so the agent rows use livekit-api only.

Resource         ../../resources/interop.resource

Test Template    The SDK Token Should Verify With Our Library As Asked


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
&{TEN_MINUTES}         room_join=True    ttl=10 minutes
&{NINETY_SECONDS}      room_join=True    ttl=90 seconds
&{TWO_DAYS}            room_join=True    ttl=2 days


*** Test Cases ***    SDK                   IDENTITY       ROOM         CLAIMS
Participant token from livekit-api
                      livekit-api           alice          demo         &{PARTICIPANT}
Participant token from livekit-server-sdk
                      livekit-server-sdk    alice          demo         &{PARTICIPANT}
Observer token from livekit-api
                      livekit-api           client_test    test_room    &{OBSERVER}
Observer token from livekit-server-sdk
                      livekit-server-sdk    client_test    test_room    &{OBSERVER}
Room administration from livekit-api
                      livekit-api           ${EMPTY}       demo         &{ROOM_ADMIN}
Room administration from livekit-server-sdk
                      livekit-server-sdk    ${EMPTY}       demo         &{ROOM_ADMIN}
Publish sources from livekit-api
                      livekit-api           alice          demo         &{SOURCES}
Publish sources from livekit-server-sdk
                      livekit-server-sdk    alice          demo         &{SOURCES}
Participant abilities from livekit-api
                      livekit-api           bot            demo         &{ABILITIES}
Participant abilities from livekit-server-sdk
                      livekit-server-sdk    bot            demo         &{ABILITIES}
Forwarding grant from livekit-api
                      livekit-api           host           demo         &{FORWARDING}
Forwarding grant from livekit-server-sdk
                      livekit-server-sdk    host           demo         &{FORWARDING}
Service grants from livekit-api
                      livekit-api           ${EMPTY}       ${EMPTY}     &{SERVICES}
Service grants from livekit-server-sdk
                      livekit-server-sdk    ${EMPTY}       ${EMPTY}     &{SERVICES}
Agent grants from livekit-api
                      livekit-api           ${EMPTY}       ${EMPTY}     &{AGENT_GRANTS}
Unicode and JSON from livekit-api
                      livekit-api           zoë            demo         &{UNICODE_AND_JSON}
Unicode and JSON from livekit-server-sdk
                      livekit-server-sdk    zoë            demo         &{UNICODE_AND_JSON}
A ten-minute token from livekit-api
                      livekit-api           alice          demo         &{TEN_MINUTES}
A ten-minute token from livekit-server-sdk
                      livekit-server-sdk    alice          demo         &{TEN_MINUTES}
A ninety-second token from livekit-api
                      livekit-api           alice          demo         &{NINETY_SECONDS}
A ninety-second token from livekit-server-sdk
                      livekit-server-sdk    alice          demo         &{NINETY_SECONDS}
A two-day token from livekit-api
                      livekit-api           alice          demo         &{TWO_DAYS}
A two-day token from livekit-server-sdk
                      livekit-server-sdk    alice          demo         &{TWO_DAYS}
