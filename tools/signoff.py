#!/usr/bin/env python3
"""Write the sign-off summary of a run: ``signoff.md`` and ``signoff.html``, read from ``output.xml``.

    python tools/signoff.py results/output.xml [more output.xml ...] [--outdir DIR] [--command TEXT]

The summary is ``livekit_signoff``; this is its command line (``python run.py signoff`` runs it).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "libraries") not in sys.path:
    sys.path.insert(0, str(ROOT / "libraries"))

from livekit_signoff import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
