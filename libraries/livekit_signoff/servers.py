"""Which LiveKit server judged what in a run, said one way everywhere the summary names a server.

A run meets a server in up to two roles: the live checks (tag ``live``: a real client joins, the
server answers) and the judge of the security catalogue's offline verdicts (recorded in the server
rules metadata). ``--exclude live`` keeps the judge and drops the live checks; without a server,
neither happens and the live tests' skip says why.
"""

from __future__ import annotations

import re

from livekit_signoff.results import Run
from livekit_signoff.steps import SKIP
from livekit_signoff.wording import skip_reason
from livekit_tokens import environment

NO_SERVER = "No LiveKit server: "  # how the live suite's skip begins (livekit_server.binary.why_no_server)
_JUDGE = re.compile(r"the LiveKit server at (\S+?)(?::\s| does not report|\))")


def judge_url(run: Run) -> str | None:
    """The HTTP URL of the server that judged the security catalogue's verdicts, if one did."""
    match = _JUDGE.search(run.meta(environment.SERVER_RULES) or "")
    return match.group(1) if match else None


def live_checked(run: Run) -> bool:
    from livekit_signoff.rules import server_checked

    return server_checked(run)


def no_server_reason(run: Run) -> str:
    """Why no LiveKit server answered the live checks, in the words of the live tests' skip, else of the run."""
    live = run.tagged("live")
    if not live:
        return "the live checks were not part of this run: --exclude live, or --include of other tags"
    skipped = [test for test in live if test.status == SKIP]
    if skipped and len(skipped) == len(live):
        return skip_reason(skipped[0].message).removeprefix(NO_SERVER)
    return "the live checks did not pass"


def server_sentence(run: Run) -> str:
    """One sentence: the server of the live checks and of the security verdicts, or why there was none."""
    url = run.meta(environment.SERVER_URL)
    judge = judge_url(run)
    if live_checked(run):
        if judge:
            return f"The LiveKit server at {url} answered the live checks and judged the security catalogue's verdicts."
        return f"The LiveKit server at {url} answered the live checks."
    reason = no_server_reason(run).rstrip(".")
    if judge:
        return (
            f"No LiveKit server answered a live check ({reason}), so none accepted the token; the LiveKit server at "
            f"{judge} judged the security catalogue's verdicts."
        )
    if url:
        return f"The LiveKit server at {url} was found, but no live check passed against it ({reason})."
    return f"No LiveKit server was contacted: {reason}."
