"""The agent workers' environment is made by one installer at a time: a first run's background one, or the suite's."""

from __future__ import annotations

import threading
import time

from livekit_workers import environment


def test_a_second_caller_waits_for_the_install_under_way_and_installs_nothing(tmp_path, monkeypatch):
    venv = tmp_path / ".venv-agents"
    requirements = tmp_path / "requirements-agents.txt"
    requirements.write_text("# nothing\n", encoding="utf-8")
    installs = []

    def install(announce, folder, wanted, base_python):
        installs.append(folder)
        time.sleep(0.5)  # long enough for the other caller to arrive while this one installs
        environment.python_of(folder).parent.mkdir(parents=True)
        environment.python_of(folder).write_text("", encoding="utf-8")
        environment.stamp_of(folder, wanted).write_text("installed\n", encoding="utf-8")
        return environment.python_of(folder)

    monkeypatch.setattr(environment, "_install", install)
    found = []
    callers = [
        threading.Thread(target=lambda: found.append(environment.ensure(lambda line: None, venv, requirements))) for _ in range(2)
    ]
    for caller in callers:
        caller.start()
        time.sleep(0.1)
    for caller in callers:
        caller.join(timeout=30)
    assert installs == [venv]
    assert found == [environment.python_of(venv)] * 2
    assert (tmp_path / ".venv-agents.lock").is_file()  # beside the environment, never inside it


def test_a_first_run_makes_the_workers_environment_only_when_it_selects_agents_tests():
    from helpers import SUITES

    from livekit_pipeline.prefetch import selects_agents

    assert selects_agents([str(SUITES)], {})
    assert selects_agents([str(SUITES)], {"include": ["live"]})
    assert not selects_agents([str(SUITES)], {"include": ["step-1"]})
    assert not selects_agents([str(SUITES)], {"exclude": ["agents"]})
    assert not selects_agents([str(SUITES / "authentication")], {})
    assert not selects_agents([str(SUITES / "no-such-folder")], {})
