"""Every named experiment runs end to end on its shipped sampler, ranges and seed.

Two experiments once crashed at their defaults while every test passed, because the
tests fed them hand-made inputs. Here each shipped design is built exactly as the
experiment builds it (Morris trajectories, Latin hypercube, grids, at the shipped
sizes and sampling seeds) and every one of its points must validate; then each named
experiment runs through the command's own code path (validation, run, tables, report,
manifest) with fewer replications and, for the largest designs, fewer points of the
same sampler. Only replications, points and the calibration's budget are reduced.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from abm.cli import _compose, _run, compose_experiment, compose_run_config
from abm.experiments import discovery, sensitivity, space, win_map
from abm.experiments.settings import CONFIG_FILES

# Fewer replications (and points or budget); every other setting as shipped.
SMALLER = {
    "compare_strategies": ["replications=2"],
    "win_map": ["replications=2"],
    "win_map_scaler_price": ["replications=2"],
    "win_map_pooled_budgets": ["replications=2"],
    "bass_fit": ["replications=2"],
    "scenario_discovery": ["replications=1", "experiment.points=12"],
    "sensitivity": ["replications=1", "experiment.morris_trajectories=2",
                    "experiment.sobol_parameters=2", "experiment.sobol_base_samples=4"],
    "calibrate": ["experiment.population_size=5", "experiment.generations=1",
                  "experiment.max_simulations=10", "experiment.replications_per_simulation=1",
                  "experiment.recovery_checks=1", "experiment.recovery_population_size=5",
                  "experiment.recovery_max_simulations=10"],
    "hindcast": ["replications=2"],
    "robust_comparison": ["experiment.tuning_trials=2", "experiment.tuning_replications=2",
                          "experiment.pareto_trials=2", "experiment.pareto_replications=2",
                          "experiment.frontier_replications=2", "experiment.futures=10",
                          "experiment.future_replications=1", "experiment.extreme_trials=2",
                          "experiment.extreme_replications=2"],
}
OWN_TABLES = {"compare_strategies": ["comparison", "curves"], "bass_fit": ["bass_fit"],
              "win_map": ["win_map"], "win_map_scaler_price": ["win_map"],
              "win_map_pooled_budgets": ["win_map"], "scenario_discovery": ["discovery"],
              "sensitivity": ["sensitivity", "sobol_convergence"],
              "calibrate": ["calibration_draws", "calibration_targets", "calibration_recovery"],
              "hindcast": ["hindcast", "hindcast_bands"],
              "robust_comparison": ["tuning", "pareto", "frontier", "robustness",
                                    "robust_boxes", "extremes", "tuned_levers"]}


def test_every_shipped_experiment_is_covered():
    assert set(SMALLER) == set(CONFIG_FILES) == set(OWN_TABLES)


def shipped_points(name: str) -> list[dict[str, float]]:
    """Every point of the shipped design of a named experiment, as the experiment samples it."""
    settings = compose_experiment(f"experiment={name}")
    if settings.name == "win_map":
        return win_map.grid(settings.x, list(settings.x_values), settings.y,
                            list(settings.y_values))
    if settings.name == "sensitivity":
        params = space.uncertainties()
        _, _, points = sensitivity.morris_design(params, settings.morris_trajectories,
                                                 settings.morris_levels,
                                                 settings.sampling_seed)
        return points
    if settings.name == "scenario_discovery":
        return discovery.latin_hypercube(space.uncertainties() + space.levers(),
                                         settings.points, settings.sampling_seed)
    if settings.name == "robust_comparison":
        return discovery.latin_hypercube(space.uncertainties(), settings.futures,
                                         settings.sampling_seed)
    return [{}]


@pytest.mark.parametrize("name", CONFIG_FILES)
def test_every_point_of_each_shipped_design_is_a_valid_model(name):
    cfg = compose_run_config(f"experiment={name}")
    points = shipped_points(name)
    for point in points:
        space.with_values(cfg, point)
    if name == "sensitivity":
        assert len(points) == 10 * (len(space.uncertainties()) + 1)
    if name in ("scenario_discovery", "robust_comparison"):
        assert len(points) == 200


@pytest.mark.parametrize("name", CONFIG_FILES)
def test_each_named_experiment_runs_end_to_end(name, tmp_path, capsys):
    out = tmp_path / "out"
    _run(_compose((f"experiment={name}", *SMALLER[name], "progress=false",
                   f"output_dir={out}")))
    printed = capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["experiment"]["name"] == compose_experiment(f"experiment={name}").name
    for table in ("runs", *OWN_TABLES[name]):
        assert not pd.read_parquet(out / f"{table}.parquet").empty, table
    assert f"Results: {out.resolve()}" in printed
    if (out / "report.html").exists():
        assert f"Report: {(out / 'report.html').resolve()}" in printed
