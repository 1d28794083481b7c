"""Which shape to ask an endpoint in, and which fields the caller sends: the endpoint settings, read once."""

from __future__ import annotations

from dataclasses import dataclass

from . import shapes

# The fields a caller chooses in each shape when LIVEKIT_ENDPOINT_CALLER_CHOOSES is empty: in
# LiveKit's standard the app chooses everything; a connection-details route names room and name.
SHAPE_CHOICES = {shapes.STANDARD: (), shapes.CONNECTION_DETAILS: ("room", "name"), shapes.BARE: ()}
RETRY_STATUSES = (404, 405)  # the route does not take this method: in auto mode, try the other shape


@dataclass(frozen=True)
class Settings:
    shape: str = shapes.AUTO
    method: str = ""
    fields: tuple = ()
    caller_chooses: str = ""

    def first(self) -> shapes.Shape:
        """The shape to ask first: the configured one, or LiveKit's standard in auto mode."""
        name = shapes.STANDARD if self.shape == shapes.AUTO else self.shape
        if self.shape == shapes.AUTO and self.method.upper() == "GET":
            name = shapes.CONNECTION_DETAILS
        return shapes.shape(name, self.method, dict(self.fields))

    def fallback(self, tried: shapes.Shape, status: int) -> shapes.Shape | None:
        """In auto mode, the other shape to ask after ``tried`` answered ``status``; None otherwise."""
        if self.shape != shapes.AUTO or self.method or status not in RETRY_STATUSES:
            return None
        other = shapes.CONNECTION_DETAILS if tried.method == "POST" else shapes.STANDARD
        return shapes.shape(other, "", dict(self.fields))

    def chooses(self, shape_name: str) -> tuple[str, ...]:
        """The meanings the caller chooses (``room``, ``identity``, ``name``, ``metadata``) for ``shape_name``."""
        given = [part.strip().lower() for part in self.caller_chooses.split(",") if part.strip()]
        if not given:
            return SHAPE_CHOICES.get(shape_name, ())
        return tuple(part for part in given if part != "none")


def read_settings(variable) -> Settings:
    """The settings from Robot variables (``variable(name, default)``), or the defaults outside a run."""
    fields = shapes.parse_fields(str(variable("${ENDPOINT_FIELDS}", "") or ""))
    return Settings(
        shape=str(variable("${ENDPOINT_SHAPE}", shapes.AUTO) or shapes.AUTO).strip().lower(),
        method=str(variable("${ENDPOINT_METHOD}", "") or "").strip().upper(),
        fields=tuple(sorted(fields.items())),
        caller_chooses=str(variable("${ENDPOINT_CALLER_CHOOSES}", "") or ""),
    )


def sent_values(values: dict, chooses: tuple[str, ...] | None) -> dict:
    """``values`` limited to what the caller chooses (``attributes`` go with ``metadata``); None keeps all."""
    if chooses is None:
        return dict(values)
    keep = set(chooses) | ({"attributes"} if "metadata" in chooses else set())
    return {meaning: value for meaning, value in values.items() if meaning in keep}
