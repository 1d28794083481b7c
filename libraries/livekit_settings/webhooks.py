"""Robot Framework variable file: the webhook receiver the suite checks and the events it sends.

Every value can be set from the environment (names in ``ENVIRONMENT``) or with ``--variable``.
Headers an app's receiver needs for its own protection (a gateway key, for example) go into
``WEBHOOK_RECEIVER_HEADERS`` in a variable file of your own (see ``examples/webhook_headers.py``);
they are sent with every request to the receiver and never logged.

:func:`configuration_problem` is part of the project's check of every setting before a run.
"""

from __future__ import annotations

import os

from livekit_http.urls import is_loopback
from livekit_tokens.keys import ConfigurationError, load_keyring

DEFAULT_OVERSIZED_BYTES = 2 * 1024 * 1024  # twice the reference receiver's limit

DEFAULTS = {
    "WEBHOOK_URL": "",
    "WEBHOOK_STRICT": "",  # empty: strict for the reference receiver, report only for an app's
    "WEBHOOK_API_KEY": "",  # empty: the first configured key, as webhook.api_key names one
    "WEBHOOK_EVENT": "participant_joined",
    "WEBHOOK_ROOM": "test_room",
    "WEBHOOK_PARTICIPANT": "client_test",
    "WEBHOOK_OVERSIZED_BYTES": str(DEFAULT_OVERSIZED_BYTES),
}

ENVIRONMENT = {
    "WEBHOOK_URL": "LIVEKIT_WEBHOOK_URL",
    "WEBHOOK_STRICT": "LIVEKIT_WEBHOOK_STRICT",
    "WEBHOOK_API_KEY": "LIVEKIT_WEBHOOK_API_KEY",
    "WEBHOOK_EVENT": "LIVEKIT_WEBHOOK_EVENT",
    "WEBHOOK_ROOM": "LIVEKIT_WEBHOOK_ROOM",
    "WEBHOOK_PARTICIPANT": "LIVEKIT_WEBHOOK_PARTICIPANT",
    "WEBHOOK_OVERSIZED_BYTES": "LIVEKIT_WEBHOOK_OVERSIZED_BYTES",
}

_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def strictness(value) -> bool | None:
    """``WEBHOOK_STRICT`` as a bool, ``None`` when unset; ``ValueError`` for anything else."""
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    if not text:
        return None
    if text not in _BOOLEANS:
        raise ValueError(f"LIVEKIT_WEBHOOK_STRICT must be true or false, got {str(value).strip()[:40]!r}.")
    return _BOOLEANS[text]


def oversized_bytes(value) -> int:
    """``WEBHOOK_OVERSIZED_BYTES`` as a number of bytes from 1 KiB to 64 MiB; ``ValueError`` otherwise."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or not 1024 <= int(text) <= 64 * 1024 * 1024:
        raise ValueError(f"LIVEKIT_WEBHOOK_OVERSIZED_BYTES must be a number of bytes from 1024 to 67108864, got {text[:40]!r}.")
    return int(text)


COLLECTOR_SETTING = "LIVEKIT_WEBHOOK_COLLECTOR"  # where the suite receives the webhooks of a server it did not start


def collector_address(environ=None) -> tuple[str, int] | None:
    """``LIVEKIT_WEBHOOK_COLLECTOR`` (``127.0.0.1:7890``) as a host and a port, None when unset; ``ValueError`` when unusable."""
    environ = os.environ if environ is None else environ
    text = environ.get(COLLECTOR_SETTING, "").strip()
    if not text:
        return None
    host, separator, port = text.removeprefix("http://").rstrip("/").rpartition(":")
    host = host.strip("[]")
    if not separator or not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536 or not is_loopback(host):
        raise ValueError(
            f"{COLLECTOR_SETTING} must be a loopback address and a port of this machine such as 127.0.0.1:7890, "
            f"got {text[:60]!r}; list http://127.0.0.1:7890/webhook under webhook.urls in the server's configuration."
        )
    return host, int(port)


def configuration_problem(environ=None) -> str | None:
    """One sentence when a webhook setting is unusable or ``LIVEKIT_WEBHOOK_API_KEY`` names no configured key; else None.

    The form of every webhook setting is checked by ``livekit_settings.reader``, with all the others.
    """
    environ = os.environ if environ is None else environ
    from livekit_settings import reader

    problem = reader.from_environment(environ).problem(prefix="LIVEKIT_WEBHOOK_")
    if problem:
        return problem
    key = environ.get("LIVEKIT_WEBHOOK_API_KEY", "").strip()
    if key:
        try:
            keyring = load_keyring(environ=environ)
        except ConfigurationError:
            return None  # the key settings themselves are reported first
        if key not in keyring:
            return (
                f"LIVEKIT_WEBHOOK_API_KEY names '{key[:60]}', which is not a configured API key; "
                "add its secret to LIVEKIT_KEYS or name a configured key, as the server's webhook.api_key must."
            )
    return None


def get_variables(environ=None) -> dict:
    environ = os.environ if environ is None else environ
    variables = dict(DEFAULTS)
    for name, setting in ENVIRONMENT.items():
        if environ.get(setting, "").strip():
            variables[name] = environ[setting].strip()
    for name, setting in (("WEBHOOK_ROOM", "LIVEKIT_ROOM"), ("WEBHOOK_PARTICIPANT", "LIVEKIT_IDENTITY")):
        if not environ.get(ENVIRONMENT[name], "").strip() and environ.get(setting, "").strip():
            variables[name] = environ[setting].strip()
    return variables
