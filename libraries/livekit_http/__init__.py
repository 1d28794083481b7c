"""HTTP checks around LiveKit tokens without Robot Framework: URLs, answers, processes, clocks.

``urls`` normalises the server and endpoint addresses, ``answers`` turns HTTP answers into one
sentence each without showing a token, ``token_protocol`` knows LiveKit's standard token-endpoint
request and response, ``clock`` reads a server's clock from its ``Date`` header and ``processes``
starts and stops local helper processes.
"""
