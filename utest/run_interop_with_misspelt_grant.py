"""Run the interop suite with a video grant name misspelt in this project's minting.

    python utest/run_interop_with_misspelt_grant.py RIGHT WRONG [robot options]

Every token the project mints then writes the grant ``RIGHT`` under the name ``WRONG``, as a typo
in the grant model would. The interop tests must catch it; the unit tests run this to prove it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import robot

from livekit_tokens import grants

ROOT = Path(__file__).resolve().parent.parent


def misspell(right: str, wrong: str) -> None:
    build = grants.build_video_grant

    def build_misspelt(options):
        video = build(options)
        if right in video:
            video[wrong] = video.pop(right)
        return video

    grants.build_video_grant = build_misspelt


if __name__ == "__main__":
    misspell(sys.argv[1], sys.argv[2])
    sys.exit(robot.run_cli([*sys.argv[3:], str(ROOT / "suites" / "interop")], exit=False))
