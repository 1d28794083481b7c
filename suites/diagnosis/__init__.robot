*** Settings ***
Documentation     The diagnosis catalogue: each row induces one fault a LiveKit user meets (a key pair of
...               another project, a clock that is off, a secret with a trailing newline, a grant typo, a
...               wss:// URL for a plain server, a cached token endpoint, ...) against the real server, and
...               checks that the diagnosis names that cause and its fix.
...
...               The server is the live suite's: LIVEKIT_URL, else the one the suite starts. Without
...               either, every row is skipped with the sentence saying how to get one.

Resource          ../../resources/livekit_http.resource

Suite Setup       A LiveKit Server Is Available
Suite Teardown    The LiveKit Server Started By The Suite Is Stopped

Test Tags         diagnosis
