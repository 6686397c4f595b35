"""Calibration (ABC-SMC with pyabc): distance, recovery, reproducibility, outputs.

Budgets are tiny (a handful of particles, 60 months) so the file runs in about
a minute; the shipped experiment's budget is in configs/experiment/calibrate.yaml.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from abm.cli import compose_experiment, compose_run_config
from abm.config import ConfigError
from abm.experiments import calibrate
from abm.experiments.run import run_configured
from abm.experiments.settings import Calibrate
from abm.experiments.targets import (
    DISTANCE_KEYS,
    SERIES_SCALE,
    TARGETS,
    dated_targets,
    target,
)

MERGERS = "scenario.icb.background_mergers_per_year"


@pytest.fixture(scope="module")
def short_cfg(compose_config):
    """The status quo over 60 months: long enough for every distance target."""
    return compose_config("experiment=calibrate", "months=60")


def test_distance_is_zero_at_the_targets_and_grows_away_from_them():
    observed = {k: target(k).observed for k in DISTANCE_KEYS}
    scales = {k: target(k).scale for k in DISTANCE_KEYS}
    assert calibrate.distance(observed, observed, scales) == 0.0
    previous = 0.0
    for steps in (0.5, 1.0, 2.0, 4.0):
        moved = dict(observed)
        moved["cdc_sites_month_23"] += steps * target("cdc_sites_month_23").scale
        d = calibrate.distance(moved, observed, scales)
        assert d == pytest.approx(steps)
        assert d > previous
        previous = d
    # a held-out target does not count
    assert calibrate.distance(moved, observed, {"mergers_per_year": 0.5}) == 0.0


def test_each_dated_series_weighs_the_same_in_the_distance():
    fitted = [t for t in dated_targets() if t.role == "fit" and t.key != "mergers_per_year"]
    for series, one_scale in SERIES_SCALE.items():
        points = [t for t in fitted if t.key.startswith(series)]
        assert len(points) >= 2
        observed = {t.key: t.observed for t in points}
        # every point of the series one series scale off: the series adds 1, however many
        moved = {k: v + one_scale for k, v in observed.items()}
        scales = {t.key: t.scale for t in points}
        assert calibrate.distance(moved, observed, scales) == pytest.approx(1.0)


def test_every_target_names_its_source_and_only_checks_lack_a_scale():
    for t in TARGETS:
        assert t.facts and t.confidence
        assert (t.role == "check") == bool(np.isnan(t.scale))


def test_calibration_recovers_a_known_merger_rate(short_cfg, tmp_path):
    truth = 4.2
    # synthetic targets made by the model itself at a known parameter value
    synthetic = calibrate.simulate(short_cfg, {MERGERS: truth}, seed=99, replications=16)
    others = tuple(t.key for t in dated_targets()
                   if t.role == "fit" and t.key != "mergers_per_year")
    result = calibrate.fit(short_cfg, (MERGERS,), others, population_size=15, generations=2,
                           max_simulations=120, replications=4, db_path=tmp_path / "h.db",
                           observed=synthetic)
    table = calibrate.parameter_table(result.draws, (MERGERS,)).iloc[0]
    # tolerance: a quarter of the prior range (1 to 5); the posterior must also be narrower
    assert abs(table["posterior_median"] - truth) < 1.0
    assert table["ci_high"] - table["ci_low"] < 0.8 * (5.0 - 1.0)
    assert result.draws["weight"].sum() == pytest.approx(1.0)


def _tiny_fit(cfg, tmp_path, name, workers=1):
    return calibrate.fit(cfg, (MERGERS, "scenario.observation.cdc_sites_per_trust"), (),
                         population_size=4, generations=2, max_simulations=20,
                         replications=1, db_path=tmp_path / name, workers=workers)


def test_the_posterior_is_the_same_for_any_number_of_workers(short_cfg, tmp_path):
    one = _tiny_fit(short_cfg, tmp_path, "one.db", workers=1)
    two = _tiny_fit(short_cfg, tmp_path, "two.db", workers=2)
    assert_frame_equal(one.draws, two.draws)
    assert_frame_equal(one.history, two.history)
    assert one.simulations == two.simulations


def test_same_seed_gives_the_same_posterior(short_cfg, tmp_path):
    state = np.random.get_state()
    first = _tiny_fit(short_cfg, tmp_path, "a.db")
    second = _tiny_fit(short_cfg, tmp_path, "b.db")
    assert_frame_equal(first.draws, second.draws)
    assert_frame_equal(first.history, second.history)
    other = _tiny_fit(short_cfg.model_copy(update={"seed": 7}), tmp_path, "c.db")
    assert not np.allclose(first.draws[MERGERS], other.draws[MERGERS])
    # the global generator pyabc uses is left as it was
    after = np.random.get_state()
    assert all(np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b
               for a, b in zip(state, after, strict=True))


def test_recovery_checks_fit_the_models_own_data_at_prior_draws(short_cfg, tmp_path):
    parameters = (MERGERS,)
    others = tuple(t.key for t in dated_targets()
                   if t.role == "fit" and t.key != "mergers_per_year")
    recovery = calibrate.recovery_checks(short_cfg, parameters, others, checks=3,
                                         population_size=12, generations=2,
                                         max_simulations=80, replications=2,
                                         directory=tmp_path)
    assert list(recovery["check"]) == [0, 1, 2]
    truths = recovery["truth"].to_numpy()
    assert len(set(truths)) == 3 and ((truths >= 1.0) & (truths <= 5.0)).all()
    assert (recovery["ci_low"] <= recovery["posterior_median"]).all()
    assert (recovery["posterior_median"] <= recovery["ci_high"]).all()
    assert recovery["rank"].between(0.0, 1.0).all()
    covered = (recovery["ci_low"] <= recovery["truth"]) & (recovery["truth"] <= recovery["ci_high"])
    assert (recovery["covered"] == covered).all()
    # the fit moves towards each truth: posterior medians follow the truths' order
    assert np.corrcoef(truths, recovery["posterior_median"])[0, 1] > 0.5
    table = calibrate.coverage_table(recovery).iloc[0]
    assert table["checks"] == 3 and table["coverage"] == pytest.approx(covered.mean())
    again = calibrate.recovery_checks(short_cfg, parameters, others, checks=3,
                                      population_size=12, generations=2, max_simulations=80,
                                      replications=2, directory=tmp_path)
    assert_frame_equal(recovery, again)


def test_unknown_calibration_settings_are_refused():
    with pytest.raises(ConfigError, match="scenario.nothing.here"):
        compose_experiment("experiment=calibrate", "experiment.parameters=[scenario.nothing.here]")
    with pytest.raises(ConfigError, match="unknown target"):
        compose_experiment("experiment=calibrate", "experiment.holdout=[no_such_target]")
    with pytest.raises(ConfigError, match="population_size"):
        compose_experiment("experiment=calibrate", "experiment.population_size=0")


def test_shipped_experiment_config_composes(compose_config):
    settings = compose_experiment("experiment=calibrate")
    assert isinstance(settings, Calibrate)
    assert [s.name for s in compose_config("experiment=calibrate").strategies] == ["status_quo"]
    for path in settings.parameters:  # every fitted parameter is an assumption with a range
        calibrate.find(path)
    assert pd.Index(settings.holdout).isin(DISTANCE_KEYS).all()


def test_calibration_runs_on_a_hydra_launcher_and_writes_its_tables(tmp_path):
    nhs_abm = str(Path(sys.executable).with_name("nhs-abm"))
    tiny = ["experiment=calibrate", "progress=false",
            "experiment.population_size=5", "experiment.generations=1",
            "experiment.max_simulations=10", "experiment.replications_per_simulation=1",
            "experiment.recovery_checks=0"]
    env = os.environ | {"RAY_AUTH_MODE": "disabled"}
    swept = subprocess.run([nhs_abm, "-m", f"hydra.sweep.dir={tmp_path / 'sweep'}",
                            "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "seed=1,2",
                            *tiny], cwd=tmp_path, capture_output=True, text=True, env=env,
                           timeout=600, check=False)
    assert swept.returncode == 0, swept.stderr[-3000:]
    overrides = [o for o in tiny if not o.startswith("progress")] + ["seed=1"]
    single = run_configured(compose_run_config(*overrides), compose_experiment(*overrides),
                            output_dir=tmp_path / "single")
    for table in ("calibration_draws", "calibration_targets"):
        assert_frame_equal(pd.read_parquet(tmp_path / "sweep" / "0" / f"{table}.parquet"),
                           single.tables[table])
    other = pd.read_parquet(tmp_path / "sweep" / "1" / "calibration_draws.parquet")
    assert not other.equals(single.tables["calibration_draws"])

    # the tables: every target with its role, the holdout predicted, bands around medians
    targets = single.tables["calibration_targets"]
    assert set(targets["target"]) == {t.key for t in dated_targets()}
    assert targets.set_index("target").loc["cdc_sites_2025_12", "role"] == "holdout"
    fitted = targets[targets["role"] == "fit"]
    assert (fitted["band_low"] <= fitted["simulated_median"]).all()
    assert (fitted["simulated_median"] <= fitted["band_high"]).all()
    draws = single.tables["calibration_draws"]
    assert len(draws) == 5 and {"weight", "distance"} <= set(draws.columns)
    assert len(single.tables["calibration_predictive"]) == 5
    # the predictive runs are ordinary status-quo runs, one replication per draw here
    assert set(single.results.runs["strategy"]) == {"status_quo"}
    assert len(single.results.runs) == 5
    assert (tmp_path / "single" / "calibration_history.db").is_file()
    assert (tmp_path / "sweep" / "1" / "report.html").is_file()


def test_only_the_status_quo_is_calibrated(compose_config):
    with pytest.raises(ConfigError, match="only the status quo"):
        calibrate.status_quo(compose_config("experiment=calibrate", "strategy=all"))
    with pytest.raises(ConfigError, match="scaler"):
        calibrate.status_quo(compose_config("experiment=calibrate", "strategy=scaler_led"))
    # a setting that acts in every strategy is kept: background mergers can be blocked
    cfg = compose_config("experiment=calibrate",
                         "strategy.consolidation.sovereignty_resistance=0.45")
    assert calibrate.status_quo(cfg).consolidation.sovereignty_resistance == 0.45
