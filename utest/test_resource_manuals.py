"""The keyword manuals of resources/*.resource: every keyword shows, after its description, how a test writes it.

The suites are read and edited by testers who learn the plain-language keywords from the manuals
(``python run.py libdoc``), so each keyword's documentation ends with an ``Example`` line followed by
the keyword as a test writes it, or a row of its template. That line is preformatted (it starts with
"| "), so that the manual keeps the four spaces between its cells and offers it for copying. The
example is a paragraph of its own, so that the short documentation (the first paragraph, which the
report and the log show with the keyword's arguments filled in) stays the description.
"""

from __future__ import annotations

import re
from pathlib import Path

from robot.running import ResourceFileBuilder

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = sorted((ROOT / "resources").glob("*.resource"))
EXAMPLE = re.compile(r"^Example\b", re.MULTILINE)
PREFORMATTED_EXAMPLE = re.compile(r"^Example\b[^\n]*:\n\| \S", re.MULTILINE)


def _keywords() -> list[tuple[str, str, str, str]]:
    """(resource file, keyword, documentation, short documentation) of every keyword of the resources."""
    return [
        (path.name, keyword.name, keyword.doc, keyword.short_doc)
        for path in RESOURCES
        for keyword in ResourceFileBuilder().build(path).keywords
    ]


def test_the_resources_are_read():
    assert len(RESOURCES) >= 7, RESOURCES
    files = {name for name, _, _, _ in _keywords()}
    assert files == {path.name for path in RESOURCES}


def test_every_keyword_documentation_has_an_example():
    without = [f"{name}: {keyword}" for name, keyword, doc, _ in _keywords() if not EXAMPLE.search(doc)]
    assert not without, "Keywords whose documentation has no Example line:\n" + "\n".join(without)


def test_every_example_is_written_as_a_preformatted_line():
    flat = [
        f"{name}: {keyword}"
        for name, keyword, doc, _ in _keywords()
        if EXAMPLE.search(doc) and not PREFORMATTED_EXAMPLE.search(doc)
    ]
    assert not flat, "Keywords whose Example line is not followed by a line starting with '| ':\n" + "\n".join(flat)


def test_every_example_follows_the_description_after_an_empty_line():
    inside = [f"{name}: {keyword}" for name, keyword, _, short in _keywords() if not short or EXAMPLE.search(short)]
    assert not inside, "Keywords without a description before the empty line that precedes the Example:\n" + "\n".join(inside)
