"""An agent worker as an application writes one, run by the agents suite: ``python worker_program.py start``.

It runs in the workers' own environment (``livekit-agents``, see ``environment.py``), never in the
project's, so it imports nothing but the standard library and ``livekit.agents``. Like every
worker it reads ``LIVEKIT_URL``, ``LIVEKIT_API_KEY`` and ``LIVEKIT_API_SECRET`` and registers on the
server's ``/agent`` endpoint; ``livekit-agents``' own command line runs it.

What the suite needs to know goes, as one JSON object a line, to the loopback address
``LIVEKIT_AUTH_WORKER_REPORT`` names (host:port), never to the log: that the worker registered
(its id), the status it reports, and each job the server assigned, with the room token the server
minted for the agent, so that the suite can check it without the token ever being printed.

Settings of the test worker (all optional):
- ``LIVEKIT_AUTH_AGENT_NAME``: the agent name it registers (empty: automatic dispatch);
- ``LIVEKIT_AUTH_WORKER_LOAD``: the load it reports, 0 by default, so that it is never "full"
  (the default load function measures the machine's CPU, and a busy machine makes a fresh
  worker report itself full, after which the server drops a dispatch without retrying);
  1 makes it report itself full;
- ``LIVEKIT_AUTH_WORKER_RETRIES``: how often it retries a refused registration (16 by default).
"""

from __future__ import annotations

import json
import os
import socket
import threading

from livekit.agents import AgentServer, JobContext, JobExecutorType, cli
from livekit.agents import __version__ as agents_version

REPORT_VARIABLE = "LIVEKIT_AUTH_WORKER_REPORT"
LOAD_THRESHOLD = 0.7  # livekit-agents' own default outside development mode


class Report:
    """One loopback connection to the suite; every message is one JSON object a line."""

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self._lock = threading.Lock()
        self._socket = socket.create_connection((host, int(port)), timeout=10)

    def send(self, **message) -> None:
        line = (json.dumps(message) + "\n").encode("utf-8")
        with self._lock:
            self._socket.sendall(line)


def main() -> None:
    report = Report(os.environ[REPORT_VARIABLE])
    agent_name = os.environ.get("LIVEKIT_AUTH_AGENT_NAME", "")
    load = float(os.environ.get("LIVEKIT_AUTH_WORKER_LOAD", "0") or 0)
    server = AgentServer(
        # Jobs run in a thread of this process: no process pool to start, and the job's token stays here.
        job_executor_type=JobExecutorType.THREAD,
        num_idle_processes=1,
        load_threshold=LOAD_THRESHOLD,
        load_fnc=lambda: load,
        max_retry=int(os.environ.get("LIVEKIT_AUTH_WORKER_RETRIES", "16") or 16),
        # The worker's health endpoint: loopback, a free port (its defaults are every interface, 8081).
        host="127.0.0.1",
        port=0,
    )

    def registered(worker_id, server_info) -> None:
        report.send(
            event="registered",
            worker_id=worker_id,
            agent_name=agent_name,
            full=load >= LOAD_THRESHOLD,
            load=load,
            server_version=getattr(server_info, "version", ""),
            protocol=getattr(server_info, "protocol", 0),
        )

    server.on("worker_registered", registered)

    @server.rtc_session(agent_name=agent_name)
    async def entrypoint(ctx: JobContext) -> None:
        job = ctx.job
        report.send(
            event="job",
            job_id=job.id,
            dispatch_id=job.dispatch_id,
            agent_name=job.agent_name,
            room=job.room.name,
            metadata=job.metadata,
            token=ctx._info.token,  # the room token the server minted for this agent: to the suite only
        )
        await ctx.connect()
        report.send(event="connected", job_id=job.id, room=ctx.room.name, identity=ctx.room.local_participant.identity)

    report.send(event="started", sdk=agents_version, agent_name=agent_name, load=load)
    cli.run_app(server)


if __name__ == "__main__":
    main()
