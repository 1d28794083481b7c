#!/usr/bin/env python3
"""Search every file of a results folder, and the run's console output, for secrets and tokens.

    python tools/leak_guard.py results [--tokens FILE] [--console FILE] [--also PATH ...]

The search is ``livekit_evidence.leak_guard``; this is its command line.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "libraries") not in sys.path:
    sys.path.insert(0, str(ROOT / "libraries"))

from livekit_evidence.leak_guard import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
