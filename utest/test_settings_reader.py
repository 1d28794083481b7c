"""One reader and one check of every setting: the environment, --variable, argument files,
ROBOT_OPTIONS and variable files, each named in a refusal as the user wrote it."""

from __future__ import annotations

import pytest

from livekit_settings import reader, table


def problem(*arguments: str, **environ: str) -> str | None:
    return reader.read(list(arguments), environ).problem()


@pytest.mark.parametrize(
    ("arguments", "environ", "expected"),
    [
        (["--variable", "TTL:6hourz"], {}, "TTL must be a duration such as '6 hours' or '90 seconds', got '6hourz'."),
        ([], {"LIVEKIT_TTL": "6 hourz"}, "LIVEKIT_TTL must be a duration such as '6 hours' or '90 seconds', got '6 hourz'."),
        (["-vCAN_PUBLISH:nope"], {}, "CAN_PUBLISH must be true or false, got 'nope'; set it to true or false."),
        ([], {"LIVEKIT_CAN_PUBLISH": "nope"}, "LIVEKIT_CAN_PUBLISH must be true or false, got 'nope'; set it to true or false."),
        (["--variable", "can_publish:maybe"], {}, "can_publish must be true or false, got 'maybe'; set it to true or false."),
        (["--variable", "ROOM:"], {}, "ROOM is empty: give it a value, or leave ROOM out to use its default."),
        (["--variable", "POLICY:strict"], {}, "POLICY must be warn or fail, got 'strict'."),
        (["--variable", "MAX_TTL:0"], {}, "MAX_TTL must be a positive duration such as '6 hours', got '0'."),
        (
            [],
            {"ROBOT_OPTIONS": "--variable TTL:forever"},
            "TTL must be a duration such as '6 hours' or '90 seconds', got 'forever'.",
        ),
        (["--variable", "ROMM:x"], {}, "--variable sets ROMM, which is no setting of this suite; did you mean ROOM?"),
        (
            ["--variable", "LIVEKIT_ROOM:x"],
            {},
            "--variable sets LIVEKIT_ROOM, which is no setting of this suite; on the command line write --variable "
            "ROOM:value, or set the environment variable LIVEKIT_ROOM.",
        ),
        (
            ["--variable", "WEBHOOK_STRICT:perhaps"],
            {},
            "WEBHOOK_STRICT must be true or false, got 'perhaps'.",
        ),
    ],
)
def test_a_bad_value_is_refused_with_the_name_the_user_wrote(arguments, environ, expected):
    assert problem(*arguments, **environ) == expected


def test_the_command_line_wins_over_the_environment_and_the_last_variable_wins():
    settings = reader.read(["--variable", "TTL:1 hour", "--variable", "TTL:2 hours"], {"LIVEKIT_TTL": "6 hourz"})
    assert settings.problem() is None
    assert settings.text("LIVEKIT_TTL") == "2 hours"
    assert settings.from_command_line("LIVEKIT_TTL")


def test_an_argument_file_is_read_as_robot_framework_reads_it(tmp_path):
    arguments = tmp_path / "arguments.txt"
    arguments.write_text("--variable CAN_JOIN:perhaps\n", encoding="utf-8")
    assert problem("-A", str(arguments)) == "CAN_JOIN must be true or false, got 'perhaps'; set it to true or false."


def test_a_variable_file_is_named_with_the_bad_value(tmp_path):
    variables = tmp_path / "staging.py"
    variables.write_text("TTL = '6 hourz'\nCAN_JOIN = True\n", encoding="utf-8")
    assert problem("--variablefile", str(variables)) == (
        f"TTL (in {variables}) must be a duration such as '6 hours' or '90 seconds', got '6 hourz'."
    )
    settings = reader.read(["--variablefile", str(variables), "--variable", "TTL:1 hour"], {})
    assert settings.problem() is None and settings.boolean("LIVEKIT_CAN_JOIN") is True


def test_a_variable_file_that_cannot_be_read_stops_the_run(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("TTL = (\n", encoding="utf-8")
    sentence = problem("--variablefile", str(broken))
    assert sentence.startswith(f"Processing variable file '{broken}' failed") and sentence.endswith(
        "; fix the variable file or leave it out."
    )


def test_variables_of_the_users_own_and_a_token_are_not_settings():
    assert problem("--variable", "MY_SUITE_FLAG:x", "--variable", "TOKEN:abc") is None


def test_every_setting_has_a_check_and_one_environment_name():
    assert all(setting.kind in reader.CHECKS for setting in table.SETTINGS)
    assert len(table.BY_ENVIRONMENT) == len(table.SETTINGS)
    assert all(setting.environment.startswith("LIVEKIT_") for setting in table.SETTINGS)
