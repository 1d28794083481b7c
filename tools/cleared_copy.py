#!/usr/bin/env python3
"""Copy the files of a run that its leak guard searched and found clean, to share or upload them.

    python tools/cleared_copy.py results DEST

The copy is ``livekit_evidence.cleared_copy``; this is its command line. Started by a Python without
the project installed, it runs again in the environment of ``run.py`` (set up by ``python run.py``).
"""

import runpy
import sys
from pathlib import Path

try:
    from livekit_evidence.cleared_copy import main
except ModuleNotFoundError:  # started by a Python without the project's packages: run again in run.py's environment
    runpy.run_path(str(Path(__file__).resolve().parent.parent / "run.py"))["rerun_in_environment"](Path(__file__), sys.argv[1:])

if __name__ == "__main__":
    sys.exit(main())
