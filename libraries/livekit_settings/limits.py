"""Settings that read but cannot work, refused before any test with one sentence saying what to set.

- ``LIVEKIT_SERVER_CACHE`` naming a file (or a folder under a file): the pinned build is kept in a folder;
- ``LIVEKIT_SERVER_VERSION`` that is not a LiveKit server version (``banana``);
- a duration longer than ``MAX_DURATION_SECONDS`` (``1e308 s``): no date holds its expiry;
- a URL with port 0 (``ws://127.0.0.1:0``): nothing listens there;
- ``LIVEKIT_HTTP_DEADLINE`` that is not a number of seconds from 0 to 3600;
- the API key and secret given the wrong way round: a "key" that looks like a secret (32 characters
  or more of letters and digits) with a "secret" that looks like a key (``API...``, short). Neither
  value is quoted.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from livekit_http import deadline

MAX_DURATION_SECONDS = 100 * 365.25 * 24 * 3600  # 100 years
URL_SETTINGS = ("LIVEKIT_URL", "LIVEKIT_TOKEN_ENDPOINT", "LIVEKIT_WEBHOOK_URL")
_SECRET_LIKE = re.compile(r"[A-Za-z0-9+/=_-]{32,}")
_KEY_LIKE = re.compile(r"API[A-Za-z0-9]{1,30}")


def problem(environ, duration_settings=()) -> str | None:
    """One sentence for the first unusable setting, else None."""
    return (
        _cache_problem(environ)
        or _version_problem(environ)
        or _duration_problem(environ, duration_settings)
        or _port_problem(environ)
        or _swapped_problem(environ)
        or deadline.setting_problem(environ)
    )


def _cache_problem(environ) -> str | None:
    value = environ.get("LIVEKIT_SERVER_CACHE", "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    for place in (path, *path.parents):
        if place.exists():
            if place.is_dir():
                return None
            return (
                f"LIVEKIT_SERVER_CACHE must name a folder to keep the livekit-server build in, but {place} is a file; "
                "set it to a folder or leave it unset."
            )
    return None


def _version_problem(environ) -> str | None:
    value = environ.get("LIVEKIT_SERVER_VERSION", "").strip()
    if not value:
        return None
    from livekit_tokens import profiles

    try:
        profiles.profile_for_version(value)
    except profiles.UnknownVersion as error:
        return f"LIVEKIT_SERVER_VERSION: {error} Set it to a release such as 1.13.5, or leave it unset for the current rules."
    return None


def _duration_problem(environ, settings) -> str | None:
    from livekit_tokens.timeutil import to_seconds

    for setting in settings:
        raw = environ.get(setting, "").strip()
        if not raw:
            continue
        try:
            seconds = to_seconds(raw, setting)
        except ValueError:
            continue  # said by the check of the form
        if seconds > MAX_DURATION_SECONDS:
            return f"{setting} must be at most 100 years (36525 days), got {raw[:40]!r}; set a duration such as '6 hours'."
    return None


def _port_problem(environ) -> str | None:
    for setting in URL_SETTINGS:
        raw = environ.get(setting, "").strip()
        if not raw:
            continue
        try:
            port = urlsplit(raw).port
        except ValueError:
            continue  # said by the check of the URL
        if port == 0:
            return f"{setting} has port 0, where no server listens; give the port the server answers on (1 to 65535)."
    return None


def _swapped_problem(environ) -> str | None:
    key = environ.get("LIVEKIT_API_KEY", "").strip()
    secret = environ.get("LIVEKIT_API_SECRET", "").strip()
    if not key or not secret:
        return None
    key_looks_secret = bool(_SECRET_LIKE.fullmatch(key)) and any(c.isdigit() for c in key) and any(c.isalpha() for c in key)
    if key_looks_secret and _KEY_LIKE.fullmatch(secret):
        return (
            "LIVEKIT_API_KEY looks like a secret (32 or more random characters) and LIVEKIT_API_SECRET like an API key "
            "(API...): they seem to be given the wrong way round; swap them."
        )
    return None
