"""Running over posterior draws, and the calibrated scenario."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from abm.config import ConfigError
from abm.experiments.settings import CALIBRATED_PARAMETERS
from abm.experiments.space import with_values
from abm.posterior import load_posterior, systematic_resample
from abm.runner import run_batch, run_experiment

RATE = "scenario.diffusion.decision_rate_per_month"
MERGERS = "scenario.icb.background_mergers_per_year"


@pytest.fixture
def draws_file(tmp_path):
    path = tmp_path / "draws.parquet"
    pd.DataFrame({"particle": [0, 1, 2], RATE: [0.05, 0.15, 0.3],
                  MERGERS: [1.0, 3.0, 5.0], "weight": [1 / 3] * 3}).to_parquet(path)
    return path


def _flatten(tree: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out |= _flatten(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_systematic_resampling_follows_the_weights():
    assert systematic_resample(np.array([0.0, 1.0, 0.0]), 4).tolist() == [1, 1, 1, 1]
    assert systematic_resample(np.ones(5), 5).tolist() == [0, 1, 2, 3, 4]
    counts = np.bincount(systematic_resample(np.array([0.75, 0.25]), 8), minlength=2)
    assert counts.tolist() == [6, 2]


def test_each_replication_runs_with_its_draw(compose_config, draws_file):
    cfg = compose_config("strategy=status_quo", "replications=6", "months=24",
                         f"posterior={draws_file}")
    results = run_experiment(cfg)
    draws = load_posterior(cfg.posterior)
    base = cfg.model_copy(update={"posterior": None})
    for r in range(6):
        scenario = with_values(base, draws.values_of(r % 3)).scenario
        alone = run_batch(scenario, cfg.strategies[0], cfg.seed, [r], cfg.months).run
        assert_frame_equal(results.runs[results.runs["replication"] == r].reset_index(drop=True),
                           alone.reset_index(drop=True))
    # different draws really are different parameters: spread differs between draws
    pilots = results.runs.groupby(results.runs["replication"] % 3)["pilots_started"].mean()
    assert pilots.iloc[0] < pilots.iloc[2]


def test_posterior_runs_are_reproducible_whatever_the_batching(compose_config, draws_file):
    cfg = compose_config("strategy=status_quo", "replications=5", "months=12",
                         f"posterior={draws_file}")
    one = run_experiment(cfg)
    again = run_experiment(cfg.model_copy(update={"batch_size": 1}))
    assert_frame_equal(one.runs, again.runs)
    assert_frame_equal(one.innovation_steps, again.innovation_steps)


def test_bad_posterior_input_is_refused_with_the_field_named(compose_config, tmp_path):
    with pytest.raises(ConfigError, match="posterior: .*is not a file"):
        compose_config(f"posterior={tmp_path / 'missing.parquet'}")
    bad = tmp_path / "bad.parquet"
    pd.DataFrame({"scenario.diffusion.no_such_rate": [0.1]}).to_parquet(bad)
    with pytest.raises(ConfigError, match="no_such_rate"):
        compose_config(f"posterior={bad}")
    out_of_range = tmp_path / "range.parquet"
    pd.DataFrame({RATE: [1.5]}).to_parquet(out_of_range)
    with pytest.raises(ConfigError, match="decision_rate_per_month"):
        compose_config(f"posterior={out_of_range}")
    weights = tmp_path / "weights.parquet"
    pd.DataFrame({RATE: [0.1], "weight": [-1.0]}).to_parquet(weights)
    with pytest.raises(ConfigError, match="weights"):
        compose_config(f"posterior={weights}")


def test_calibrated_scenario_differs_from_england_only_in_fitted_fields(compose_config):
    england = _flatten(compose_config().scenario.model_dump())
    calibrated_cfg = compose_config("scenario=england_calibrated")
    calibrated = _flatten(calibrated_cfg.scenario.model_dump())
    differ = {k for k in england if england[k] != calibrated[k]}
    fitted = {p.removeprefix("scenario.") for p in CALIBRATED_PARAMETERS}
    assert calibrated["name"] == "england_calibrated"
    assert differ - {"name"}, "the calibrated scenario sets no fitted value"
    assert differ <= fitted | {"name"}


def test_posterior_draws_are_refused_where_an_experiment_cannot_use_them(draws_file, tmp_path,
                                                                         capsys):
    from abm.cli import _compose, _run

    out = tmp_path / "out"
    raw = _compose(("experiment=win_map", f"posterior={draws_file}", f"output_dir={out}"))
    with pytest.raises(SystemExit) as stopped:
        _run(raw)
    assert stopped.value.code == 2
    assert "posterior: runs over posterior draws are available for" in capsys.readouterr().err
    assert not out.exists()
