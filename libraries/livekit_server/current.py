"""The LiveKit server this run checks, shared by the keyword libraries of one Robot Framework run.

`LiveKitHttp.Use LiveKit Server` chooses it; the real client (`LiveKitClient`) and any other library
read it from here instead of looking for another library's instance.
"""

from __future__ import annotations

from dataclasses import dataclass

from .process import RunningServer


@dataclass
class ChosenServer:
    http_url: str
    ws_url: str
    version: str
    source: str  # how it was found, in words
    started: RunningServer | None = None  # set when this run started it
    collector: object | None = None  # the webhook collector the started server sends its events to


_chosen: ChosenServer | None = None


def choose(server: ChosenServer) -> None:
    global _chosen
    _chosen = server


def chosen() -> ChosenServer | None:
    return _chosen


def forget() -> None:
    global _chosen
    _chosen = None
