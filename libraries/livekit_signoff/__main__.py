"""``python -m livekit_signoff``: the same as ``python run.py signoff``."""

import sys

from livekit_signoff.cli import main

sys.exit(main())
