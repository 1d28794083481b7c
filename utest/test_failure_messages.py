"""Failures reach Robot Framework as their sentence alone: no exception class name in front of it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from helpers import LIBRARIES
from robot.utils.error import ErrorDetails

MODULES = ["LiveKitAuth", "LiveKitHttp", "LiveKitSdk"] + [
    f"{package}.{module.name}"
    for package in ("livekit_tokens", "livekit_http")
    for module in pkgutil.iter_modules([str(LIBRARIES / package)])
]


def assertion_classes() -> list[type]:
    found = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, AssertionError) and value is not AssertionError and value.__module__ == module.__name__:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def test_every_assertion_class_of_the_libraries_is_found():
    names = {cls.__name__ for cls in assertion_classes()}
    assert {"StartFailure", "TokenRejected", "SdkFailure", "ConfigurationFailure"} <= names


@pytest.mark.parametrize("cls", assertion_classes(), ids=lambda cls: cls.__name__)
def test_robot_shows_the_sentence_without_the_class_name(cls):
    assert getattr(cls, "ROBOT_SUPPRESS_NAME", False) is True
    error = cls.__new__(cls)
    AssertionError.__init__(error, "The helper did not start: port 7880 is taken.")
    assert ErrorDetails(error).message == "The helper did not start: port 7880 is taken."


def test_a_start_failure_as_robot_reports_it():
    from livekit_http.processes import StartFailure

    try:
        raise StartFailure("livekit-server did not answer within 20 s: (no output).")
    except StartFailure as error:
        assert ErrorDetails(error).message == "livekit-server did not answer within 20 s: (no output)."
