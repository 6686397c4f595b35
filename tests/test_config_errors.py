"""Bad input stops the run with a clear message; good input gives complete results.

Clear means: the message names the field path the user typed, the value given and what
is allowed (range or keys); the exit code is non-zero; and nothing is written. The
end-to-end cases run the real ``nhs-abm`` command in subprocesses (started together,
since each spends most of its time importing).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from abm.cli import available_cores
from abm.config import (
    BASELINE_STRATEGY,
    STRATEGY_NAMES,
    ConfigError,
    RunConfig,
    ScalerConfig,
    ScenarioConfig,
    StrategyConfig,
    default_comparison,
    mechanisms_on,
    parse_config,
    shipped_strategies,
)
from abm.outputs import read_config
from abm.runner import run_experiment

NHS_ABM = str(Path(sys.executable).with_name("nhs-abm"))
TINY = ("replications=1", "months=3", "progress=false")
OUTPUT_FILES = {"steps.parquet", "innovation_steps.parquet", "icb_steps.parquet",
                "runs.parquet", "run_innovations.parquet", "config.yaml", "manifest.json",
                "comparison.parquet", "curves.parquet", "report.html"}


def config_error(raw: dict, cls=RunConfig) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(raw, cls)
    return str(info.value)


# --------------------------------------------------------------------------- parse_config


@pytest.mark.parametrize("raw, expected", [
    pytest.param({"scenario": {"diffusion": {"peer_weight_nation": 0.2}}},
                 ["scenario.diffusion.peer_weight_nation", "unknown key", "0.2",
                  "allowed keys", "peer_weight_icb", "region_share_of_wider_peers"],
                 id="unknown-key"),
    pytest.param({"bogus": 1},
                 ["bogus", "unknown key", "allowed keys", "replications", "scenario"],
                 id="unknown-top-level-key"),
    pytest.param({"scenario": {"barriers": {"base_pilot_failure": 1.5}}},
                 ["scenario.barriers.base_pilot_failure", "1.5", "[0, 1]"], id="probability"),
    pytest.param({"scenario": {"population": {"pfi_trusts": -3}}},
                 ["scenario.population.pfi_trusts", "-3", "[0, 205]"], id="negative-count"),
    pytest.param({"scenario": {"population": {"pfi_trusts": 1000}}},
                 ["scenario.population.pfi_trusts", "1000", "[0, 205]"],
                 id="more-pfi-trusts-than-england-has"),
    pytest.param({"replications": -1}, ["replications", "-1", "[1, "],
                 id="negative-replications"),
    pytest.param({"months": "ten"}, ["months", "'ten'", "integer"], id="wrong-type"),
    pytest.param({"strategies": [{"name": "x", "scaler": {"deployment_capacity": 2.5}}]},
                 ["strategies.0.scaler.deployment_capacity", "2.5", "integer"],
                 id="fractional-count"),
    pytest.param({"strategies": [{"name": "Scaler Led"}]},
                 ["strategies.0.name", "'Scaler Led'", "[a-z]"], id="bad-label"),
])
def test_parse_config_names_field_value_and_what_is_allowed(raw, expected):
    message = config_error(raw)
    for part in expected:
        assert part in message, f"{part!r} missing from:\n{message}"


def test_every_problem_is_reported_at_once():
    message = config_error({"months": 0, "scenario": {"pressure": {"occupancy_scale": -1},
                                                      "icb": {"typo": 1}}})
    for path in ("months", "scenario.pressure.occupancy_scale", "scenario.icb.typo"):
        assert path in message


def test_configs_are_frozen_so_a_run_cannot_change_its_own_config():
    cfg = RunConfig()
    with pytest.raises(ValueError):
        cfg.seed = 3  # type: ignore[misc]


def full_range_stated(message: str, low: str, high: str) -> bool:
    both = f">= {low}" in message and f"<= {high}" in message
    bracket = re.search(rf"\[{low}(\.0)?, {high}(\.0)?\]", message)
    words = re.search(rf"(between )?{low}(\.0)? (to|and) {high}(\.0)?", message)
    return bool(both or bracket or words)


@pytest.mark.parametrize("raw, low, high", [
    ({"scenario": {"barriers": {"base_pilot_failure": 1.5}}}, "0", "1"),
    ({"scenario": {"population": {"pfi_trusts": -3}}}, "0", "205"),
], ids=["probability", "count"])
def test_the_message_states_the_whole_allowed_range(raw, low, high):
    message = config_error(raw)
    assert full_range_stated(message, low, high), message


# --------------------------------------------------------------------------- Hydra compose


def test_compose_gives_the_expected_typed_run_config(compose_config):
    cfg = compose_config("strategy=scaler_led", "replications=200", "seed=7")
    assert cfg == RunConfig(
        seed=7, replications=200, months=120, workers=1, scenario=ScenarioConfig(),
        strategies=(StrategyConfig(name="scaler_led", label="Scaler-led",
                                       scaler=ScalerConfig(enabled=True)),))


def test_the_default_composition_runs_the_strategies_of_all_yaml_in_order(compose_config):
    cfg = compose_config()
    assert tuple(s.name for s in cfg.strategies) == default_comparison()
    assert cfg.strategies == tuple(shipped_strategies()[s.name] for s in cfg.strategies)
    on = {s.name: mechanisms_on(s) for s in cfg.strategies}
    assert on.pop(BASELINE_STRATEGY) == () and on and all(on.values())
    assert cfg.scenario == ScenarioConfig() and cfg.seed == 20251


@pytest.mark.parametrize("overrides, path", [
    (["strategy=scaler_led", "strategy.scaler.deployment_capacity=-1"],
     "strategy.scaler.deployment_capacity"),
    (["strategy.consolidation.consolidation.max_group_size=0"],
     "strategy.consolidation.consolidation.max_group_size"),
    (["strategy=open_platform", "+strategy.open_platform.bogus=1"],
     "strategy.open_platform.bogus"),
])
def test_strategy_errors_use_the_path_the_user_typed(compose_config, overrides, path):
    with pytest.raises(ConfigError) as info:
        compose_config(*overrides)
    assert path in str(info.value)
    assert "strategies." not in str(info.value), "internal list index leaked into the message"


def test_a_repeated_strategy_label_is_refused(compose_config):
    with pytest.raises(ConfigError, match="strategy.name"):
        compose_config("strategy.scaler_led.name=status_quo")


# --------------------------------------------------------------------------- the CLI


CLI_ERRORS = {
    "unknown-strategy": (["strategy=nope"], ["strategy", "nope", *STRATEGY_NAMES]),
    "probability": (["scenario.diffusion.peer_weight_icb=1.5"],
                    ["scenario.diffusion.peer_weight_icb", "1.5", "[0, 1]"]),
    "negative-count": (["replications=-1"], ["replications", "-1", "[1, "]),
    "unknown-key": (["+bogus=1"], ["bogus", "unknown key", "allowed keys"]),
    "malformed-override": (["seed="], ["seed", "integer"]),
    "bad-type-override": (["months=3.5"], ["months", "3.5", "integer"]),
    "unparsable-override": (["seed=[1,2"], ["malformed override", "seed", "Master seed", "[0, "]),
    "unparsable-strategy-field": (["strategy.scaler.price_gbp_m=(1"],
                                  ["strategy.scaler.price_gbp_m", "GBP", "[0, 100]"]),
    "more-workers-than-cores": ([f"workers={available_cores() + 498}"],
                                ["workers", str(available_cores() + 498),
                                 f"[1, {available_cores()}]", "launcher"]),
    "more-pfi-trusts-than-england-has": (["scenario.population.pfi_trusts=1000"],
                                         ["scenario.population.pfi_trusts", "1000",
                                          "[0, 205]"]),
    "experiment-without-its-baseline": (["experiment=scenario_discovery",
                                         "strategy=scaler_led"],
                                        ["scenario_discovery", "status quo"]),
}
UNWRITABLE = Path("/proc/forbidden")  # no user, root included, can create a folder in /proc


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([NHS_ABM, *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """Run every CLI case at once; return name -> (returncode, stdout, stderr, output dir)."""
    root = tmp_path_factory.mktemp("cli")
    cases: dict[str, tuple[list[str], Path]] = {}
    for name, (overrides, _) in CLI_ERRORS.items():
        out = root / name / "out"
        out.parent.mkdir()
        cases[name] = ([f"output_dir={out}", *TINY, *overrides], out)
    ok = root / "ok" / "out"
    ok.parent.mkdir()
    cases["ok"] = ([f"output_dir={ok}", "replications=2", "months=6", "workers=1",
                    "progress=false"], ok)
    cases["unwritable"] = ([f"output_dir={UNWRITABLE}", *TINY], UNWRITABLE)
    busy = root / "busy" / "out"
    busy.mkdir(parents=True)
    (busy / "earlier.txt").write_text("results of an earlier run")
    cases["busy"] = ([f"output_dir={busy}", *TINY], busy)
    running = {name: start(args, root if out == UNWRITABLE else out.parent)
               for name, (args, out) in cases.items()}
    done = {}
    for name, process in running.items():
        stdout, stderr = process.communicate(timeout=300)
        done[name] = (process.returncode, stdout, stderr, cases[name][1])
    return done


@pytest.mark.parametrize("case", list(CLI_ERRORS))
def test_bad_input_exits_non_zero_names_the_field_and_writes_nothing(cli, case):
    code, stdout, stderr, out = cli[case]
    assert code != 0, f"exit code {code}; stderr:\n{stderr}"
    assert not out.exists(), "the output directory was created"
    assert "Traceback" not in stderr, stderr
    for part in CLI_ERRORS[case][1]:
        assert part in stderr, f"{part!r} missing from stderr:\n{stderr}"


def test_an_unwritable_output_dir_is_one_line_naming_it(cli):
    code, _, stderr, out = cli["unwritable"]
    assert code != 0 and "Traceback" not in stderr, stderr
    assert stderr.strip().splitlines()[0].startswith(f"nhs-abm: output_dir: got '{out}'")
    assert "cannot write there" in stderr and not out.exists()


def test_an_output_dir_holding_results_is_refused_and_left_alone(cli):
    code, _, stderr, out = cli["busy"]
    assert code != 0
    assert "output_dir" in stderr and "already holds files" in stderr
    assert {p.name for p in out.iterdir()} == {"earlier.txt"}


def test_a_successful_run_writes_complete_results(cli):
    code, stdout, stderr, out = cli["ok"]
    assert code == 0, stderr
    files = {p.name for p in out.iterdir()}
    assert files == OUTPUT_FILES, f"missing {OUTPUT_FILES - files}, extra {files - OUTPUT_FILES}"
    assert f"Report: {(out / 'report.html').resolve()}" in stdout
    assert not list(out.parent.rglob("*.tmp")) and not list(out.glob(".*"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 20251
    assert manifest["package_version"] == metadata.version("nhs-reform-abm")
    for library in ("mesa", "numpy", "pandas", "pydantic", "hydra-core"):
        assert manifest["libraries"][library] == metadata.version(library)
    steps = pd.read_parquet(out / "steps.parquet")
    assert len(steps) == len(default_comparison()) * 2 * 6
    assert set(pd.read_parquet(out / "runs.parquet")["strategy"]) == set(default_comparison())
    assert BASELINE_STRATEGY in stdout and str(out.resolve()) in stdout


def test_the_written_config_reproduces_the_written_results(cli, compose_config):
    """config.yaml + its seed are enough to recompute every table exactly."""
    code, _, stderr, out = cli["ok"]
    assert code == 0, stderr
    cfg, experiment = read_config(out)
    assert cfg == compose_config("replications=2", "months=6", "workers=1")
    assert experiment["name"] == "compare_strategies"
    results = run_experiment(cfg)
    for name in ("steps", "innovation_steps", "icb_steps", "runs", "run_innovations"):
        written = pd.read_parquet(out / f"{name}.parquet")
        assert_frame_equal(written, getattr(results, name), obj=name)


@pytest.mark.parametrize("overrides, field", [
    (["experiment=scenario_discovery", "experiment.outcomes=[benefit_gbp_m,no_such]"],
     "experiment.outcomes"),
    (["experiment=win_map", "experiment.outcome=no_such"], "experiment.outcome"),
    (["experiment=sensitivity", "experiment.outcome=no_such"], "experiment.outcome"),
])
def test_an_unknown_outcome_is_refused_before_any_point_runs(overrides, field, monkeypatch):
    from abm.cli import compose_experiment, compose_run_config
    from abm.experiments import discovery, sensitivity, win_map
    from abm.experiments.run import run_configured

    def never(*args, **kwargs):
        raise AssertionError("a point ran before the outcome was checked")

    for module in (discovery, sensitivity, win_map):
        monkeypatch.setattr(module, "run_points", never)
    with pytest.raises(ConfigError, match=rf"{re.escape(field)}: got 'no_such'; allowed: "
                                          r"\[.*'benefit_gbp_m'.*\]"):
        run_configured(compose_run_config(*overrides), compose_experiment(*overrides))
