"""Every setting of the project that a user gives by name: its Robot Framework name, its environment
variable and how its value is checked. Add a setting here, and both ways of giving it are read and
checked before any test runs, with the name the user typed (see ``livekit_settings.reader``).
"""

from __future__ import annotations

from dataclasses import dataclass

# Kinds of value (``reader.CHECKS`` checks each): text that may be empty, text that may not, a
# boolean, a positive duration, ...
TEXT, NAME, BOOLEAN, DURATION, POLICY, ENDPOINT_URL, JSON_OBJECT, BYTES, EVENT, COLLECTOR, STRICT = (
    "text",
    "name",
    "boolean",
    "duration",
    "policy",
    "endpoint url",
    "json object",
    "bytes",
    "event",
    "collector",
    "strict",
)


@dataclass(frozen=True)
class Setting:
    robot: str | None  # the name of --variable NAME:value, None when only the environment gives it
    environment: str  # the environment variable
    kind: str


SETTINGS: tuple[Setting, ...] = (
    # The token of the five steps (livekit_settings.suite)
    Setting("ROOM", "LIVEKIT_ROOM", NAME),
    Setting("IDENTITY", "LIVEKIT_IDENTITY", NAME),
    Setting("AUDIENCE", "LIVEKIT_AUDIENCE", TEXT),
    Setting("TTL", "LIVEKIT_TTL", DURATION),
    Setting("CAN_JOIN", "LIVEKIT_CAN_JOIN", BOOLEAN),
    Setting("CAN_PUBLISH", "LIVEKIT_CAN_PUBLISH", BOOLEAN),
    Setting("CAN_SUBSCRIBE", "LIVEKIT_CAN_SUBSCRIBE", BOOLEAN),
    Setting("POLICY", "LIVEKIT_POLICY", POLICY),
    Setting("MAX_TTL", "LIVEKIT_MAX_TTL", DURATION),
    # The token endpoint (livekit_settings.endpoint)
    Setting("TOKEN_ENDPOINT", "LIVEKIT_TOKEN_ENDPOINT", ENDPOINT_URL),
    Setting("ENDPOINT_ROOM", "LIVEKIT_ENDPOINT_ROOM", TEXT),
    Setting("ENDPOINT_IDENTITY", "LIVEKIT_ENDPOINT_IDENTITY", TEXT),
    Setting("ENDPOINT_NAME", "LIVEKIT_ENDPOINT_NAME", TEXT),
    Setting("ENDPOINT_METADATA", "LIVEKIT_ENDPOINT_METADATA", TEXT),
    Setting("ENDPOINT_ATTRIBUTES", "LIVEKIT_ENDPOINT_ATTRIBUTES", JSON_OBJECT),
    Setting("ENDPOINT_AGENT_NAME", "LIVEKIT_ENDPOINT_AGENT_NAME", TEXT),
    Setting("ENDPOINT_AGENT_METADATA", "LIVEKIT_ENDPOINT_AGENT_METADATA", TEXT),
    Setting("ENDPOINT_ALLOWED_GRANTS", "LIVEKIT_ENDPOINT_ALLOWED_GRANTS", TEXT),
    Setting("ENDPOINT_MIN_TTL", "LIVEKIT_ENDPOINT_MIN_TTL", DURATION),
    Setting("ENDPOINT_MAX_TTL", "LIVEKIT_ENDPOINT_MAX_TTL", DURATION),
    Setting("ENDPOINT_FRESHNESS", "LIVEKIT_ENDPOINT_FRESHNESS", DURATION),
    # The webhook receiver (livekit_settings.webhooks)
    Setting("WEBHOOK_URL", "LIVEKIT_WEBHOOK_URL", ENDPOINT_URL),
    Setting("WEBHOOK_STRICT", "LIVEKIT_WEBHOOK_STRICT", STRICT),
    Setting("WEBHOOK_API_KEY", "LIVEKIT_WEBHOOK_API_KEY", TEXT),
    Setting("WEBHOOK_EVENT", "LIVEKIT_WEBHOOK_EVENT", EVENT),
    Setting("WEBHOOK_ROOM", "LIVEKIT_WEBHOOK_ROOM", NAME),
    Setting("WEBHOOK_PARTICIPANT", "LIVEKIT_WEBHOOK_PARTICIPANT", NAME),
    Setting("WEBHOOK_OVERSIZED_BYTES", "LIVEKIT_WEBHOOK_OVERSIZED_BYTES", BYTES),
    Setting(None, "LIVEKIT_WEBHOOK_COLLECTOR", COLLECTOR),
)

BY_ROBOT_NAME = {setting.robot: setting for setting in SETTINGS if setting.robot}
BY_ENVIRONMENT = {setting.environment: setting for setting in SETTINGS}


def normalised(name: str) -> str:
    """A variable name as Robot Framework matches it: any case, spaces and underscores ignored."""
    return "".join(name.split()).replace("_", "").lower()


ROBOT_NAMES = {normalised(name): setting for name, setting in BY_ROBOT_NAME.items()}
