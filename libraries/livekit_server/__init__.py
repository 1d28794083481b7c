"""The real LiveKit server: where its binary comes from, the configuration it is started with, and
the process itself, bound to 127.0.0.1 only. Nothing here imports Robot Framework."""
