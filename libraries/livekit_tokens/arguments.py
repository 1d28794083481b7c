"""Argument types of the keyword libraries: durations and moments, written as testers write them.

Robot Framework converts an argument annotated ``Duration`` or ``Moment`` before the keyword runs,
with the converters of ``CONVERTERS`` (each library registers them as
``ROBOT_LIBRARY_CONVERTERS``), and the keyword manuals describe the accepted forms from the class
docstrings below. A library class decorated with `typed_arguments` gets the same conversion when
Python calls its keywords or leaves an argument at a default written as text (``tolerance:
Duration = "1 minute"``), and a value that does not read fails the keyword with one sentence
naming the argument (``tolerance must be a duration such as '6 hours' or '90 seconds', got
'soon'.``), however the keyword was called. The keywords themselves never convert a time.
"""

from __future__ import annotations

import functools
import inspect

from .timeutil import to_epoch, to_seconds


class Duration(float):
    """A length of time, as a number of seconds.

    Written as Robot Framework writes times: ``6 hours``, ``90 seconds``, ``1h 30min``,
    ``10 min``, ``2 days``, ``1.5 s``, or a number of seconds such as ``90`` or ``0.5``. A minus
    sign makes it negative (``-5 minutes``), where a keyword allows that.
    Empty text means "not given" where the keyword's default is ``${None}``.
    """

    written: object  # the value as it was given, for messages that quote it

    def __new__(cls, seconds: float, written: object = None) -> Duration:
        duration = super().__new__(cls, seconds)
        duration.written = seconds if written is None else written
        return duration

    @classmethod
    def read(cls, value, name: str = "duration") -> Duration:
        """``value`` as a duration; a ``ValueError`` naming ``name`` says what to write instead."""
        return value if isinstance(value, cls) else cls(to_seconds(value, name), value)

    @classmethod
    def convert(cls, value):  # no docstring: the keyword manuals show the class's
        return _converted(cls, value)


class Moment(int):
    """A moment, as whole epoch seconds (UTC).

    Written as a date and time in UTC (``2026-01-20 01:08:57``), in ISO 8601
    (``2026-01-20T01:08:57Z``, ``2026-01-20T02:08:57+01:00``), as epoch seconds
    (``1768871337``), as ``now``, or as ``now`` plus or minus a duration (``now + 5 minutes``,
    ``now - 2 h``). Fractions of a second are dropped. Empty text means "not given" where the
    keyword's default is ``${None}`` (for ``at``: now).
    """

    @classmethod
    def read(cls, value, name: str = "moment") -> Moment:
        """``value`` as a moment; a ``ValueError`` naming ``name`` says what to write instead."""
        return value if isinstance(value, cls) else cls(to_epoch(value, name))

    @classmethod
    def convert(cls, value):  # no docstring: the keyword manuals show the class's
        return _converted(cls, value)


def _converted(kind: type[Duration] | type[Moment], value):
    """What Robot Framework's converter gives the keyword: ``value`` as ``kind``, or ``value`` itself.

    A value that does not read goes on unconverted, and `typed_arguments` fails the keyword with a
    sentence naming the argument, which a converter does not know (Robot Framework's own message
    would name it, but as a ``ValueError`` with the value quoted twice). ``None`` and empty text go
    on as they are too: whether they mean "not given" depends on the argument's default.
    """
    if _not_given(value):
        return value
    try:
        return kind.read(value)
    except ValueError:
        return value


CONVERTERS = {Duration: Duration.convert, Moment: Moment.convert}
_TYPES = {"Duration": Duration, "Moment": Moment, Duration: Duration, Moment: Moment}


def argument(kind: type[Duration] | type[Moment], value, name: str):
    """``value`` of the argument ``name`` as ``kind``; a value that does not read fails the keyword in one sentence."""
    try:
        return kind.read(value, name)
    except ValueError as error:
        raise AssertionError(str(error)) from None


def _not_given(value) -> bool:
    return value is None or (isinstance(value, str) and value == "")


def typed_arguments(cls: type) -> type:
    """Class decorator: the ``Duration`` and ``Moment`` arguments of ``cls``'s methods arrive converted.

    ``None`` stays ``None`` for an argument whose default is ``None`` or that has none (where
    ``${None}`` has a meaning of its own), and empty text becomes ``None`` for an argument whose
    default is ``None``. Anything else not converted yet (from a Python caller, or a default
    written as text) is read as the converter reads it; a value that does not read, ``None`` for
    an argument with another default included, fails with a sentence naming the argument.
    """
    for name, member in list(vars(cls).items()):
        if inspect.isfunction(member):
            typed = {
                parameter: _TYPES[annotation]
                for parameter, annotation in member.__annotations__.items()
                if isinstance(annotation, (str, type)) and annotation in _TYPES
            }
            if typed:
                setattr(cls, name, _converting(member, typed))
    return cls


def _converting(function, typed: dict):
    signature = inspect.signature(function)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        for name, kind in typed.items():
            value, default = bound.arguments[name], signature.parameters[name].default
            if isinstance(value, kind) or (value is None and default in (None, inspect.Parameter.empty)):
                continue
            bound.arguments[name] = None if _not_given(value) and default is None else argument(kind, value, name)
        return function(*bound.args, **bound.kwargs)

    return wrapper
