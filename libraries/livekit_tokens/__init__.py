"""The LiveKit token model without Robot Framework: keys, claims, grants, time and verification."""

from .keys import ApiKey, ConfigurationError, Keyring, load_keyring, parse_livekit_keys
from .verification import CAUSES, ParsedToken, TokenRejected

__all__ = [
    "CAUSES",
    "ApiKey",
    "ConfigurationError",
    "Keyring",
    "ParsedToken",
    "TokenRejected",
    "load_keyring",
    "parse_livekit_keys",
]
