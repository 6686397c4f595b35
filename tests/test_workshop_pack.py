"""The scenario pack: definitions validated, arms run and saved, HTML built from saved runs."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from abm.config import ConfigError
from abm.workshop import pack as P
from abm.workshop.pack_run import arm_configs, arm_dir, run_scenarios
from abm.workshop.scenarios import load_pack

TINY = {
    "seed": 7, "replications": 3, "months": 13,
    "scenarios": [
        {"id": "pressure", "title": "Pressure test", "question": "Does pressure matter?",
         "look_at": "The funnel.", "outcome": "pilots_started",
         "mechanism": "Pressure eats capacity.",
         "arms": [{"id": "low", "label": "Low pressure",
                   "overrides": ["strategy=status_quo", "scenario.pressure.occupancy_scale=0.8"]},
                  {"id": "high", "label": "High pressure",
                   "overrides": ["strategy=status_quo",
                                 "scenario.pressure.occupancy_scale=1.3"]}]},
        {"id": "strategies", "title": "Two strategies", "question": "Which spreads faster?",
         "look_at": "The curves.", "outcome": "embedded_share_y10",
         "mechanism": "Publication travels.",
         "arms": [{"id": "status_quo", "label": "Status quo",
                   "overrides": ["strategy=status_quo"]},
                  {"id": "open_platform", "label": "Open platform",
                   "overrides": ["strategy=open_platform"]}]},
    ],
}


@pytest.fixture(scope="module")
def tiny_pack(tmp_path_factory):
    """The tiny definition run and built once: (definition, pack folder, HTML path)."""
    folder = tmp_path_factory.mktemp("pack")
    definition = folder / "tiny.yaml"
    definition.write_text(yaml.safe_dump(TINY))
    pack = load_pack(definition)
    run_scenarios(pack, folder / "out", progress=False)
    return pack, folder / "out", P.build_pack(folder / "out")


def test_shipped_pack_has_6_to_10_scenarios_whose_arms_all_compose():
    pack = load_pack()
    assert 6 <= len(pack.scenarios) <= 10
    configs = arm_configs(pack)
    assert len(configs) == sum(len(s.arms) for s in pack.scenarios)
    winter = {k: c for k, c in configs.items() if k[0] == "winter_crisis"}
    assert sorted(c.scenario.pressure.occupancy_scale for c in winter.values()) == [1.0, 1.3]
    assert all(c.seed == pack.seed and c.replications == pack.replications
               for c in configs.values())


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["scenarios"][0].update(colour="red"), "colour: unknown key"),
    (lambda d: d["scenarios"][0].update(outcome="happiness"), "unknown outcome 'happiness'"),
    (lambda d: d["scenarios"][0].update(arms=d["scenarios"][0]["arms"][:1]), "arms"),
    (lambda d: d["scenarios"][1].update(id="pressure"), "scenario ids repeated"),
    (lambda d: d.update(replications=1), "replications: got 1"),
])
def test_bad_definitions_are_refused(tmp_path, change, message):
    raw = yaml.safe_load(yaml.safe_dump(TINY))
    change(raw)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError) as info:
        load_pack(path)
    assert message in str(info.value)


def test_a_refused_override_stops_before_anything_is_written(tmp_path):
    raw = yaml.safe_load(yaml.safe_dump(TINY))
    raw["scenarios"][0]["arms"][1]["overrides"][1] = "scenario.pressure.occupancy_scale=9"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError,
                       match=r"(?s)scenario pressure, arm high: .*occupancy_scale: got 9"):
        run_scenarios(load_pack(path), tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_cli_exits_2_with_the_field_named(tmp_path):
    raw = yaml.safe_load(yaml.safe_dump(TINY))
    raw["scenarios"][0]["arms"][0]["overrides"] = ["strategy=markets"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    done = subprocess.run([sys.executable, "-m", "abm.workshop.pack_cli", str(tmp_path / "o"),
                           "--scenarios", str(path)], capture_output=True, text=True)
    assert done.returncode == 2
    assert "scenario pressure, arm low" in done.stderr and "markets" in done.stderr
    assert not (tmp_path / "o").exists()


def test_arms_are_saved_as_run_folders_and_share_seeds(tiny_pack):
    pack, out, _ = tiny_pack
    low = pd.read_parquet(arm_dir(out, "pressure", "low") / "runs.parquet")
    high = pd.read_parquet(arm_dir(out, "pressure", "high") / "runs.parquet")
    assert list(low["replication"]) == list(high["replication"]) == [0, 1, 2]
    assert list(low["seed"]) == list(high["seed"])
    assert (out / "scenarios.yaml").is_file()


def test_saved_arms_are_not_run_again(tiny_pack, capsys):
    pack, out, _ = tiny_pack
    manifest = arm_dir(out, "pressure", "low") / "manifest.json"
    before = manifest.stat().st_mtime_ns
    run_scenarios(pack, out, progress=True)
    assert manifest.stat().st_mtime_ns == before
    assert capsys.readouterr().out.count("already saved") == 4


def test_pack_html_is_self_contained_with_plotly_inlined_once(tiny_pack):
    _, _, html_path = tiny_pack
    text = html_path.read_text()
    assert text.count("plotly.js v") == 1  # the library's banner: inlined exactly once
    assert not re.search(r"<script[^>]+src=\"https?:", text)
    for title in ("Pressure test", "Two strategies", "Does pressure matter?", "The funnel."):
        assert title in text
    assert text.count("<details class=\"reveal\">") == 2


def test_reveal_numbers_are_computed_from_the_saved_runs(tiny_pack):
    pack, out, html_path = tiny_pack
    text = html_path.read_text()
    runs = {arm: pd.read_parquet(arm_dir(out, "pressure", arm) / "runs.parquet")
            for arm in ("low", "high")}
    for arm, label in (("low", "Low pressure"), ("high", "High pressure")):
        mean = runs[arm]["pilots_started"].mean()
        assert f"<b>{label}</b> {mean:,.0f} (95 % CI" in text
    diff = (runs["high"]["pilots_started"] - runs["low"]["pilots_started"]).mean()
    assert f"{diff:+,.0f} (paired over 3 replications" in text
    # A year-10 outcome of 13-month runs is reported as unavailable, not invented.
    assert "is not available: these runs are shorter" in text


def test_missing_run_is_a_clear_error(tiny_pack, tmp_path):
    pack, out, _ = tiny_pack
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "scenarios.yaml").write_text((out / "scenarios.yaml").read_text())
    with pytest.raises(P.PackInputError, match="no finished run"):
        P.build_pack(copy)


def test_pack_builder_never_imports_the_model():
    code = ("import sys, abm.workshop.pack; "
            "assert 'abm.model' not in sys.modules and 'abm.engine' not in sys.modules")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
