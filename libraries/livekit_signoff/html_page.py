"""The summary as one HTML page (``signoff.html``) with its own styles, printable as it is."""

from __future__ import annotations

import html

from livekit_signoff.document import TITLE, Block, Inline
from livekit_signoff.rules import FAILED, INCOMPLETE, LEAKED, PASSED, PASSED_OFFLINE
from livekit_signoff.steps import FAIL, NOT_RUN, PASS, SKIP

# Emoji fonts are often missing where pages are printed: HTML uses coloured words and plain symbols.
HTML_MARKS = {
    PASS: '<span class="label pass">PASS</span>',
    FAIL: '<span class="label fail">FAIL</span>',
    SKIP: '<span class="label skip">SKIPPED</span>',
    NOT_RUN: '<span class="label skip">NOT RUN</span>',
    PASSED: "",
    FAILED: "",
    INCOMPLETE: "",
    PASSED_OFFLINE: "",
    LEAKED: "",
    "ok": '<span class="ok">&#10003;</span>',
    "wrong": '<span class="wrong">&#10007;</span>',
    "reported": "&#8212;",
}


def _inline(content: Inline) -> str:
    parts = []
    for kind, value in content:
        escaped = html.escape(value)
        if kind == "code":
            parts.append(f"<code>{escaped}</code>")
        elif kind == "strong":
            parts.append(f"<strong>{escaped}</strong>")
        elif kind in ("mark", "status"):
            parts.append(HTML_MARKS[value])
        else:
            parts.append(escaped)
    return "".join(parts)


STYLE = """
:root { --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328;
       max-width: 52rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.7rem; border-bottom: 2px solid var(--line); padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 1.6rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h4 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
h2.status { display: inline-block; padding: .3rem .9rem; border-radius: .4rem; color: #fff; }
h2.passed { background: var(--pass); } h2.failed { background: var(--fail); } h2.incomplete { background: var(--warn); }
h2.offline { background: #0969da; }
.label { display: inline-block; font-size: .75rem; font-weight: 700; padding: .05rem .45rem; border-radius: .3rem;
         color: #fff; vertical-align: middle; letter-spacing: .03em; }
.label.pass { background: var(--pass); } .label.fail { background: var(--fail); } .label.skip { background: var(--warn); }
.ok { color: var(--pass); font-weight: 700; } .wrong { color: var(--fail); font-weight: 700; }
code { font: .9em ui-monospace, SFMono-Regular, Consolas, monospace; background: #f6f8fa; padding: .05rem .3rem;
       border-radius: .25rem; overflow-wrap: anywhere; }
ul, ol { margin: .3rem 0 .6rem; padding-left: 1.4rem; } li { margin: .15rem 0; }
table { border-collapse: collapse; margin: .5rem 0 1rem; width: 100%; }
th, td { border: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
p.failure { border-left: 4px solid var(--fail); padding: .3rem .6rem; background: #fff5f5; }
p.skipped, p.missing { border-left: 4px solid var(--warn); padding: .3rem .6rem; background: #fff8e5; }
p.verdict { font-size: 1.05rem; }
footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); padding-top: .5rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2.status, .label, p.failure, p.skipped, p.missing { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h3, h4 { break-after: avoid; }
  li, tr, p { break-inside: avoid; }
  code { background: none; padding: 0; }
  @page { margin: 18mm 16mm; }
}
"""


def to_html(blocks: list[Block], status: str) -> str:
    body = []
    for block in blocks:
        css = f' class="{block.css}"' if block.css else ""
        if block.kind == "heading":
            body.append(f"<h{block.level}{css}>{_inline(block.content)}</h{block.level}>")
        elif block.kind == "paragraph":
            body.append(f"<p{css}>{_inline(block.content)}</p>")
        elif block.kind in ("bullets", "numbered"):
            tag = "ul" if block.kind == "bullets" else "ol"
            items = "".join(f"<li>{_inline(item)}</li>" for item in block.items)
            body.append(f"<{tag}{css}>{items}</{tag}>")
        elif block.kind == "table":
            head = "".join(f"<th>{html.escape(cell)}</th>" for cell in block.header)
            rows = "".join("<tr>" + "".join(f"<td>{_inline(cell)}</td>" for cell in row) + "</tr>" for row in block.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(TITLE)}: {status}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n<footer>Written by tools/signoff.py from the run's output.xml; every value above was recorded by that run."
        "</footer>\n</body>\n</html>\n"
    )
