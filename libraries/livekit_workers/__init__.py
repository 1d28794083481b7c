"""LiveKit agent workers for the agents suite, without Robot Framework.

- ``environment``: the workers' own virtual environment (``livekit-agents``, pinned), made on first use;
- ``worker_program``: the worker itself, run in that environment;
- ``process``: starting and stopping a worker, what it reports, its scrubbed log;
- ``agent_endpoint``: what the server's ``/agent`` endpoint answers a plain HTTP request;
- ``calls``: the tokens of workers, callers and admins, and the Twirp calls of the checks;
- ``agent_run``: what the agent keyword libraries of one run share (workers, callers, keys, calls).
"""
