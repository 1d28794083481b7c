"""The browser client's settings, read from the environment.

``LIVEKIT_BROWSER`` names the Chromium or Chrome executable to drive (else one is found on the PATH
or in the usual install folders); ``LIVEKIT_REQUIRE_BROWSER=1`` (as in CI) makes a browser check
that cannot run a failure instead of a skip.

:func:`configuration_problem` is part of the project's check of every setting before a run.
"""

from __future__ import annotations

import os

REQUIRE_SETTING = "LIVEKIT_REQUIRE_BROWSER"
_BOOLEANS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False, "": False}


def browser_required(environ=None) -> bool:
    environ = os.environ if environ is None else environ
    return _BOOLEANS.get(environ.get(REQUIRE_SETTING, "").strip().lower(), False)


def configuration_problem(environ=None) -> str | None:
    """One sentence saying what to set when a browser setting is unusable; else None."""
    from livekit_browser.executable import setting_problem

    environ = os.environ if environ is None else environ
    raw = environ.get(REQUIRE_SETTING, "").strip()
    if raw.lower() not in _BOOLEANS:
        return f"{REQUIRE_SETTING} must be 1 or 0, got {raw[:40]!r}."
    return setting_problem(environ)
