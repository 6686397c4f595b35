"""The launcher serves Solara's front end from the project's cache, offline."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from abm.workshop import assets, launch


def test_required_packages_are_every_cdn_package_of_solaras_vue2_page():
    template = resources.files("solara").joinpath("server", "templates",
                                                  "solara.html.j2").read_text()
    loaded = set(re.findall(r"\{\{cdn\}\}/((?:@[\w.-]+/)?[\w.-]+@[\d.]+)/", template))
    required = set(assets.required_packages())
    assert {p for p in loaded if "vuetify3" not in p} <= required
    assert any(p.startswith("font-awesome@") for p in required)
    assert not any("vuetify3" in p for p in required)


def test_missing_packages_reads_the_cache(tmp_path):
    assert assets.missing_packages(tmp_path) == assets.required_packages()
    first = assets.required_packages()[0]
    (tmp_path / first).mkdir(parents=True)
    (tmp_path / first / "package.json").write_text("{}")
    assert first not in assets.missing_packages(tmp_path)


def test_server_environment_points_at_the_cache_and_turns_telemetry_off(tmp_path):
    env = launch.server_environment(tmp_path)
    assert env["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(tmp_path)
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"


def test_solara_command_runs_the_workshop_app():
    command = launch.solara_command("0.0.0.0", 9000)
    assert command[1:5] == ["-m", "solara", "run", "abm.workshop.app"]
    assert command[command.index("--port") + 1] == "9000"
    assert "--production" in command and "--no-open" in command


def test_a_bad_port_is_refused(capsys):
    with pytest.raises(SystemExit) as info:
        launch.main(["--port", "70000"])
    assert info.value.code == 2
    assert "--port: got 70000" in capsys.readouterr().err
