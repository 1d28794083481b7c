"""Writing ``signoff.md`` and ``signoff.html`` for one or more ``output.xml`` files."""

from __future__ import annotations

from pathlib import Path

from livekit_signoff.html_page import to_html
from livekit_signoff.markdown import to_markdown
from livekit_signoff.results import output_file, read_results
from livekit_signoff.summary import build
from livekit_tokens import environment


class SummaryNotWritten(Exception):
    """The summary was built but its folder or files could not be written; the message is one sentence."""


def write_summary(
    outputs: list[Path], outdir: Path, command: str | None = None, guard: dict | None = None, guards: dict | None = None
) -> tuple[str, Path, Path]:
    """Write ``signoff.md`` and ``signoff.html`` into ``outdir``; ``guard`` is the leak guard's verdict on the first
    output, ``guards`` its verdicts by output path (``livekit_evidence.signoff_gate``)."""
    paths = [output_file(path) for path in outputs]
    run = read_results(paths, guards if guards is not None else {str(paths[0]): guard} if guard is not None else None)
    status, blocks = build(run, environment.hide_secret_variables(command) if command else None)
    markdown, page = outdir / "signoff.md", outdir / "signoff.html"
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        markdown.write_text(to_markdown(blocks), encoding="utf-8")
        page.write_text(to_html(blocks, status), encoding="utf-8")
    except OSError as error:
        raise SummaryNotWritten(f"Cannot write the summary into {outdir}: {error.strerror or error}.") from None
    return status, markdown, page
