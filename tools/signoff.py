#!/usr/bin/env python3
"""Write the sign-off summary of a run: ``signoff.md`` and ``signoff.html``, read from ``output.xml``.

    python tools/signoff.py results/output.xml [more output.xml ...] [--outdir DIR] [--command TEXT]

The summary is ``livekit_signoff``; this is its command line (``python run.py signoff`` runs it).
"""

import runpy
import sys
from pathlib import Path

try:
    from livekit_signoff import main
except ModuleNotFoundError:  # started by a Python without the project's packages: run again in run.py's environment
    runpy.run_path(str(Path(__file__).resolve().parent.parent / "run.py"))["rerun_in_environment"](Path(__file__), sys.argv[1:])

if __name__ == "__main__":
    sys.exit(main())
