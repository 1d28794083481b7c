#!/usr/bin/env python3
"""Copy the files of a run that its leak guard searched and found clean, to share or upload them.

    python tools/cleared_copy.py results DEST

The copy is ``livekit_evidence.cleared_copy``; this is its command line. Only the Python standard
library is needed, so CI can run it with any Python 3.10+.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "libraries") not in sys.path:
    sys.path.insert(0, str(ROOT / "libraries"))

from livekit_evidence.cleared_copy import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
