#!/usr/bin/env python3
"""Search every file of a results folder, and the run's console output, for secrets and tokens.

    python tools/leak_guard.py results [--tokens FILE] [--console FILE] [--also PATH ...]

The search is ``livekit_evidence.leak_guard``; this is its command line.
"""

import runpy
import sys
from pathlib import Path

try:
    from livekit_evidence.leak_guard import main
except ModuleNotFoundError:  # started by a Python without the project's packages: run again in run.py's environment
    runpy.run_path(str(Path(__file__).resolve().parent.parent / "run.py"))["rerun_in_environment"](Path(__file__), sys.argv[1:])

if __name__ == "__main__":
    sys.exit(main())
