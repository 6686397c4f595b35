"""Bad input stops the run before anything is written, with a message that helps."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from abm.cli import CONFIG_DIR, to_run_config
from abm.config import ConfigError, parse_config

CLI = str(Path(sys.executable).parent / "nhs-abm")


@pytest.mark.parametrize("raw, expected", [
    ({"scenario": {"diffusion": {"peer_weight_icb": 1.5}}},
     ["scenario.diffusion.peer_weight_icb", "1.5", "<= 1"]),
    ({"replications": -3}, ["replications", "-3", ">= 1"]),
    ({"scenario": {"population": {"pfi_trusts": -1}}}, ["scenario.population.pfi_trusts", "-1"]),
    ({"seed": "abc"}, ["seed", "'abc'", "integer"]),
    ({"scenario": {"barriers": {"silo_discont": 0.5}}},
     ["scenario.barriers.silo_discont", "unknown key", "silo_discount"]),
])
def test_parse_config_names_field_value_and_allowed(raw, expected):
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    for text in expected:
        assert text in str(info.value)


def test_compose_reads_as_it_should():
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
        cfg = compose("config", overrides=["strategy=scaler_led", "replications=200", "seed=7"])
    run = to_run_config(OmegaConf.to_container(cfg, resolve=True))
    assert run.replications == 200 and run.seed == 7
    assert [s.name for s in run.strategies] == ["scaler_led"]
    assert run.strategies[0].scaler.enabled and not run.strategies[0].open_platform.enabled


def test_default_compose_runs_all_four_strategies():
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
        cfg = compose("config")
    run = to_run_config(OmegaConf.to_container(cfg, resolve=True))
    assert [s.name for s in run.strategies] == [
        "status_quo", "scaler_led", "open_platform", "consolidation"]


def run_cli(tmp_path, *overrides):
    out = tmp_path / "out"
    return out, subprocess.run(
        [CLI, f"output_dir={out}", "progress=false", *overrides],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)


@pytest.mark.parametrize("override, expected", [
    ("strategy=nope", "Available options in 'strategy'"),
    ("scenario.diffusion.peer_weight_icb=1.5", "scenario.diffusion.peer_weight_icb"),
    ("replications=-1", "replications"),
    ("+bogus=1", "bogus: unknown key"),
    ("seed=", "seed"),
    ("strategy.scaler_led.scaler.price_gbp_m=-2", "strategy.scaler_led.scaler.price_gbp_m"),
])
def test_cli_refuses_bad_input_and_writes_nothing(tmp_path, override, expected):
    size = [] if override.startswith("replications") else ["replications=1"]
    out, result = run_cli(tmp_path, override, "months=3", *size)
    assert result.returncode != 0
    assert expected in result.stderr + result.stdout
    assert not out.exists()


def test_cli_run_writes_complete_results(tmp_path):
    out, result = run_cli(tmp_path, "replications=2", "months=6")
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["steps.parquet", "innovation_steps.parquet", "icb_steps.parquet",
                            "runs.parquet", "run_innovations.parquet", "config.yaml",
                            "manifest.json"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 20251 and manifest["replications"] == 2
    assert manifest["package_version"] and manifest["libraries"]["mesa"]
    assert "status_quo" in result.stdout and str(out) in result.stdout


def test_cli_refuses_to_overwrite_results(tmp_path):
    out, first = run_cli(tmp_path, "replications=1", "months=2", "strategy=status_quo")
    assert first.returncode == 0
    _, second = run_cli(tmp_path, "replications=1", "months=2", "strategy=status_quo")
    assert second.returncode != 0 and "output_dir" in second.stderr
