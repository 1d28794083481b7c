"""The sign-off summary of a run: ``signoff.md`` and ``signoff.html``, read from its ``output.xml``.

Several files are combined as ``rebot`` combines them; a file merged with ``rebot --merge`` or a run
of a subset works as well. Every value in the summary comes from the results.

- ``results`` reads the output files and the leak guard's record into a :class:`results.Run`;
- ``steps`` and ``rules`` say which tests make each step and what each step, Server Acceptance and
  the sign-off as a whole need to say PASSED, FAILED or PASSED (offline only);
- ``document`` is the model a summary is made of; ``summary`` builds it, section by section, from
  ``execution``, ``step_sections``, ``findings`` and ``conclusion`` (``wording`` is what they share);
- ``markdown`` and ``html_page`` draw it; ``writer`` writes both files; ``cli`` is the command line
  (``python run.py signoff``, ``python tools/signoff.py``, ``python -m livekit_signoff``).
"""

from livekit_signoff.cli import main
from livekit_signoff.html_page import to_html
from livekit_signoff.markdown import to_markdown
from livekit_signoff.results import plain_message, read_results
from livekit_signoff.rules import step_results
from livekit_signoff.summary import build, test_date
from livekit_signoff.writer import SummaryNotWritten, write_summary

__all__ = [
    "SummaryNotWritten",
    "build",
    "main",
    "plain_message",
    "read_results",
    "step_results",
    "test_date",
    "to_html",
    "to_markdown",
    "write_summary",
]
