"""How the run was made: Test Execution and Environment, the command that reproduces it and the settings it needs.

A setting the command line does not carry is named, never its value.
"""

from __future__ import annotations

import re

from livekit_signoff.document import Block, Inline, bullets, code, heading, strong, text
from livekit_signoff.results import Run
from livekit_signoff.servers import server_sentence
from livekit_tokens import environment

ENVIRONMENT_ROWS = (
    environment.ROBOT,
    environment.PYTHON,
    environment.PYJWT,
    environment.LIVEKIT_API,
    environment.NODE_SDK_NAME,
    environment.NODE,
    environment.OS,
    environment.COMMIT,
)


def execution_section(run: Run, command: str | None) -> list[Block]:
    items: list[Inline] = []
    if len(run.sources) == 1:
        items.append([text("Command: "), code(command or run_command(run) or "not recorded")])
        if needed := reproduction_settings(run):
            items.append([text("The command reproduces the run only with the same settings: " + "; ".join(needed) + ".")])
    else:
        if command:
            items.append([text("Command: "), code(command)])
        for source in run.sources:
            part = run.part(source)
            item = [text("Command of "), code(run.source_label(source)), text(": "), code(run_command(part) or "not recorded")]
            if needed := reproduction_settings(part):
                item.append(text(" — reproduces that run only with the same settings: " + "; ".join(needed) + "."))
            items.append(item)
    items.append([text("Results: "), *_joined([code(source) for source in run.sources])])
    suites = sorted({test.suite for test in run.tests})
    items.append([text("Suites: "), *_joined([code(name) for name in suites] or [text("none")])])
    sources = sorted({value for test in run.tests if (value := test.token_source)})
    if sources:
        items.append([text("Token under test: "), text(", ".join(sources))])
    merged = [test.name for test in run.tests if test.merged]
    if merged:
        items.append([strong("Merged results"), text(" (rebot --merge): re-executed and merged in: " + ", ".join(merged) + ".")])
    tokens = run.tokens
    if len(tokens) > 1:
        where = (
            " were examined in these combined results: each step's values belong to the token of its own run ("
            if run.combined
            else " were examined by the five steps in this run: each step's values belong to the token of its own suite ("
        )
        items.append(
            [strong(f"{len(tokens)} different tokens"), text(where), *_joined([code(token) for token in tokens]), text(").")]
        )
    return [heading(3, text("Test Execution")), bullets(items)]


def _joined(parts: list[tuple[str, str]]) -> Inline:
    joined: Inline = []
    for index, part in enumerate(parts):
        if index:
            joined.append(text(", "))
        joined.append(part)
    return joined


def reproduction_settings(run: Run) -> list[str]:
    """The settings outside the command line that the run used and a re-run needs, by name only."""
    needed = []
    if any(test.token_source == "supplied" for test in run.tests) or "supplied" in run.metadata.get("Token source", []):
        settings = {record.facts.get("setting") for record in run.setup_records if record.kind == "supplied_token"}
        if "LIVEKIT_TOKEN_FILE" in settings:
            needed.append("LIVEKIT_TOKEN_FILE naming a file that holds the same token (not shown here)")
        if settings - {"LIVEKIT_TOKEN_FILE"} or not settings:
            needed.append("LIVEKIT_TOKEN set to the same token (not shown here)")
    keys = {str(value) for t in run.tagged("step-1") for r in t.tables("token") if (value := r.value("api_key"))}
    if keys - {"devkey"}:
        needed.append("the same API key and secret (LIVEKIT_API_KEY and LIVEKIT_API_SECRET, or LIVEKIT_KEYS)")

    def setup(kind: str) -> list[dict]:
        return [record.facts for record in run.setup_records if record.kind == kind]

    if any(facts.get("setting") == "LIVEKIT_URL" for facts in setup("livekit_server")):
        needed.append("LIVEKIT_URL")
    if any(facts.get("setting") == "LIVEKIT_TOKEN_ENDPOINT" for facts in setup("token_endpoint")):
        needed.append("LIVEKIT_TOKEN_ENDPOINT")
    if any(_count(facts.get("extra_headers")) for facts in setup("token_endpoint")):
        needed.append("TOKEN_ENDPOINT_HEADERS in the same variable file (--variablefile)")
    if any(facts.get("setting") == "LIVEKIT_WEBHOOK_URL" for facts in setup("webhook_receiver")):
        needed.append("LIVEKIT_WEBHOOK_URL")
    if any(_count(facts.get("extra_headers")) for facts in setup("webhook_receiver")):
        needed.append("WEBHOOK_RECEIVER_HEADERS in the same variable file (--variablefile)")
    return needed


def _count(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# The Robot Framework command line ``python run.py`` builds: its own options, then the user's arguments,
# then the project's suites folder when no data source was given. (Earlier versions also gave the
# libraries folder with --pythonpath; they are now installed into the environment.)
_RUN_PY_ROBOT = re.compile(
    r'python -m robot (?:--name "LiveKit Authentication" )?--outputdir (?:"[^"]*"|\S+) --output output\.xml '
    r'--log log\.html --report report\.html --xunit xunit\.xml(?: --pythonpath (?:"[^"]*"|\S+))?(.*?)'
    r'(?: ("[^"]*[\\/]suites"|\S*[\\/]suites))?'
)


def run_command(run: Run) -> str | None:
    """The ``python run.py ...`` command of the run, read from the Robot Framework command line it recorded.

    A command line that ``python run.py`` did not build is returned as it is; ``None`` when none was recorded.
    """
    recorded = run.meta(environment.COMMAND)
    if not recorded:
        return None
    match = _RUN_PY_ROBOT.fullmatch(recorded.strip())
    if not match:
        return recorded
    arguments, suites = match.groups()
    if suites is not None and not _is_absolute(suites.strip('"')):  # an absolute one: what run.py adds without a suite
        arguments += f" {suites}"
    return f"python run.py{arguments}"


def _is_absolute(path: str) -> bool:
    """Whether ``path`` is absolute on Linux, macOS or Windows (results may be read on another system)."""
    return path.startswith(("/", "\\")) or re.match(r"[A-Za-z]:[\\/]", path) is not None


def environment_section(run: Run, command: str | None) -> list[Block]:
    fallback: dict[str, str] | None = None
    rows: list[list[Inline]] = []
    for name in ENVIRONMENT_ROWS:
        value = run.meta(name)
        if value is None and name in (environment.ROBOT, environment.PYTHON):
            value = _from_generator(run.generator, name)
        if value is None:
            if name in (environment.NODE_SDK_NAME, environment.NODE):
                continue  # only runs with the Node.js interop project record these
            if fallback is None:
                fallback = environment.collect()
            if name not in fallback:
                continue
            value = f"{fallback[name]} (not recorded by the run; read when this summary was written)"
        rows.append([[text(name)], [code(value)]])
    for name in (environment.SERVER_URL, environment.SERVER_VERSION, environment.SERVER_RULES):
        if run.meta(name):
            rows.append([[text(name)], [code(run.meta(name))]])
    rows.append([[text("LiveKit server")], [text(server_sentence(run))]])
    if len(run.sources) == 1:
        rows += command_rows(run, command, "")
    else:
        if command:
            rows.append([[text("Command")], [code(command)]])
        for source in run.sources:
            rows += command_rows(run.part(source), None, f" ({run.source_label(source)})")
    return [heading(3, text("Environment")), Block("table", header=["Item", "Value"], rows=rows)]


def command_rows(run: Run, command: str | None, which: str) -> list[list[Inline]]:
    """The command of one run, the settings a re-run needs, and the Robot Framework command line when it differs."""
    shown = command or run_command(run)
    rows = [[[text(f"Command{which}")], [code(shown or "not recorded")]]]
    if needed := reproduction_settings(run):
        rows.append([[text(f"Settings the command needs{which}")], [text("; ".join(needed))]])
    recorded = run.meta(environment.COMMAND)
    if shown and recorded and recorded != shown:
        rows.append([[text(f"Robot Framework command line{which}")], [code(recorded)]])
    return rows


def _from_generator(generator: str, name: str) -> str | None:
    match = re.fullmatch(r"Robot (\S+) \((\w+) (\S+) on (.+)\)", generator.strip())
    if not match:
        return None
    if name == environment.ROBOT:
        return match.group(1)
    # Robot Framework names CPython "Python"; the run records the implementation as CPython.
    implementation = "CPython" if match.group(2) == "Python" else match.group(2)
    return f"{match.group(3)} ({implementation})"
