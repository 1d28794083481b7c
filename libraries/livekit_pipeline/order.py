"""A Robot Framework pre-run modifier: the suites that need no LiveKit server run before those that do.

``run.py`` gives it to Robot Framework while the pinned server is still being built in the
background (a first run): the offline suites then run during the build, and the first suite that
starts a server waits for it (``livekit_server.background``). The results are those of one run,
with the suites of each folder in this order instead of by name; tests keep their order.

A suite needs a server when its setup, teardown or a test (setup, body, teardown) calls one of
:data:`SERVER_KEYWORDS`, directly or through the keywords of the suite file and of the resource
files it imports; a folder's ``__init__.robot`` counts for every suite under it. A suite that
starts a server some other way still passes: it waits for the build where it stands.

    robot --prerunmodifier livekit_pipeline.order.ServerSuitesLast suites
"""

from __future__ import annotations

import functools
from pathlib import Path

from robot.api import SuiteVisitor
from robot.running.builder import ResourceFileBuilder

SERVER_KEYWORDS = ("Use LiveKit Server", "Use The LiveKit Server As Judge")
_PREFIXES = ("given ", "when ", "then ", "and ", "but ")


def normal(name: str) -> str:
    """A keyword name as Robot Framework matches it: case, spaces and underscores ignored, BDD prefix and library left out."""
    name = name.strip().lower()
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    return name.rsplit(".", 1)[-1].replace(" ", "").replace("_", "")


@functools.lru_cache(maxsize=256)
def _resource(path: Path):
    """The resource file at ``path``, read once per run; None when Robot Framework cannot read it (it says so itself)."""
    try:
        return ResourceFileBuilder().build(path)
    except Exception:  # the run reports an unreadable resource file in its own words
        return None


class _Keywords:
    """The user keywords a suite can call, by normal name, each with the names it calls."""

    def __init__(self):
        self.calls: dict[str, set[str]] = {}
        self.read: set[Path] = set()

    def add_resource(self, resource, directory: Path | None) -> None:
        for keyword in resource.keywords:
            self.calls.setdefault(normal(keyword.name), set()).update(called_names(keyword))
        for imported in resource.imports:
            if imported.type != "RESOURCE" or "${" in imported.name:
                continue
            path = (Path(imported.directory or directory or ".") / imported.name).resolve()
            if path in self.read or not path.is_file():
                continue
            self.read.add(path)
            resource = _resource(path)
            if resource is not None:
                self.add_resource(resource, path.parent)

    def reaches_server(self, names: set[str]) -> bool:
        wanted = {normal(name) for name in SERVER_KEYWORDS}
        seen: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            if name in wanted:
                return True
            if name in seen:
                continue
            seen.add(name)
            todo.extend(self.calls.get(name, ()))
        return False


def called_names(item) -> set[str]:
    """The normal names of every keyword ``item`` (a test, keyword or suite) may call, arguments included
    (``Run Keywords``, ``Wait Until Keyword Succeeds``, ... take keyword names as arguments)."""
    names: set[str] = set()
    todo = [item]
    while todo:
        current = todo.pop()
        name = getattr(current, "name", None)
        if getattr(current, "type", None) in ("KEYWORD", "SETUP", "TEARDOWN") and name:
            names.add(normal(name))
            names.update(normal(str(argument)) for argument in getattr(current, "args", ()) if isinstance(argument, str))
        for part in ("setup", "teardown"):
            fixture = getattr(current, part, None)
            if fixture is not None and getattr(fixture, "name", None):
                todo.append(fixture)
        todo.extend(getattr(current, "body", ()) or ())  # FOR, IF and TRY branches, WHILE, GROUP: their bodies
    return names


def needs_server(suite) -> bool:
    """Whether ``suite`` (or a suite under it) calls a keyword that starts or chooses a LiveKit server."""
    own = _Keywords()
    source = Path(suite.source) if suite.source else None
    if suite.resource is not None:
        own.add_resource(suite.resource, source if source and source.is_dir() else source.parent if source else None)
    names = set()
    for fixture in (suite.setup, suite.teardown):
        if fixture is not None and fixture.name:
            names |= called_names(fixture)
    for test in suite.tests:
        names |= called_names(test)
    if own.reaches_server(names):
        return True
    return any(needs_server(child) for child in suite.suites)


class ServerSuitesLast(SuiteVisitor):
    """Orders the child suites of every folder: those that need no server first, by name as before."""

    def start_suite(self, suite):
        if suite.suites:
            ranks = {id(child): needs_server(child) for child in suite.suites}
            suite.suites = sorted(suite.suites, key=lambda child: ranks[id(child)])

    def visit_test(self, test):
        pass
