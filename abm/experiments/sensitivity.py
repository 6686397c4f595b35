"""Global sensitivity (SALib): Morris screening of every uncertainty, then Sobol on the few.

Ranges are the plausible ranges of the parameter table. Each sampled point runs
every strategy with the same replications (common random numbers); the outcome
at a point is the mean over replications, for each strategy, and, for each
strategy other than the status quo, its paired advantage over the status quo.
Sobol indices are reported at increasing sample sizes, so a reader can see
whether they have settled (convergence).

The design is shared: the uncertainties that act under at least one strategy.
Each target reports only the parameters that act under the strategies it reads
(its strategies' own design); each strategy runs only at its own design's
distinct points (``samples.run_points``), so a step of a trajectory in a
parameter that does not act under it costs no run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from ..config import BASELINE_STRATEGY, RunConfig
from . import stats
from .samples import run_points
from .space import Parameter, acting, find, shared, uncertainties


def problem(parameters: list[Parameter]) -> dict:
    """SALib's problem definition for these parameters."""
    return {"num_vars": len(parameters), "names": [p.path for p in parameters],
            "bounds": [[p.low, p.high] for p in parameters]}


def _points(parameters: list[Parameter], matrix: np.ndarray) -> list[dict[str, float]]:
    return [dict(zip([p.path for p in parameters], row.tolist(), strict=True))
            for row in matrix]


def targets(outcome: str, strategies: list[str]) -> dict[str, tuple[str, ...]]:
    """Each target and the strategies it reads.

    Every strategy's mean outcome, then each other strategy's paired advantage over
    the status quo.
    """
    found = {f"{outcome} | {s}": (s,) for s in strategies}
    if BASELINE_STRATEGY in strategies:
        found |= {f"{outcome} | {s} - {BASELINE_STRATEGY}": (s, BASELINE_STRATEGY)
                  for s in strategies if s != BASELINE_STRATEGY}
    return found


def point_outcomes(runs: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """(points x targets) mean outcome per strategy and paired advantage over the status quo."""
    means = runs.pivot_table(index="point", columns="strategy", values=outcome, sort=False)
    columns = {}
    for target, (strategy, *baseline) in targets(outcome, list(means.columns)).items():
        # the mean of paired differences equals the difference of means over the same reps
        columns[target] = means[strategy] - means[baseline[0]] if baseline else means[strategy]
    return pd.DataFrame(columns)


def screened(cfg: RunConfig, parameters: list[str] | None = None) -> list[Parameter]:
    """The parameters given, or every uncertainty that acts under one of the strategies."""
    if parameters:
        return [find(p) for p in parameters]
    return shared(uncertainties(), cfg.strategies)


def acting_rows(table: pd.DataFrame, cfg: RunConfig, outcome: str) -> pd.DataFrame:
    """The rows of parameters that act under the strategies their target reads.

    A parameter that acts under none of them changes none of their runs, so its
    indices are zero by construction: each target keeps its strategies' own design.
    """
    by_name = {s.name: s for s in cfg.strategies}
    names = list(table["parameter"].unique())
    acts = {target: set(acting(names, [by_name[s] for s in read]))
            for target, read in targets(outcome, list(by_name)).items()}
    keep = [p in acts[t] for t, p in zip(table["outcome"], table["parameter"], strict=True)]
    return table[keep].reset_index(drop=True)


def morris_design(parameters: list[Parameter], trajectories: int, levels: int, seed: int
                  ) -> tuple[dict, np.ndarray, list[dict[str, float]]]:
    """SALib's Morris sample over the parameters' plausible ranges.

    Returns:
        (SALib problem, sample matrix, one dict of parameter values per point).
    """
    spec = problem(parameters)
    matrix = morris_sample.sample(spec, trajectories, num_levels=levels, seed=seed)
    return spec, matrix, _points(parameters, matrix)


def morris(cfg: RunConfig, outcome: str = "embedded_share_y10", trajectories: int = 10,
           levels: int = 4, parameters: list[str] | None = None, seed: int = 1,
           progress: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Morris elementary effects of every uncertainty (or the given parameters).

    Returns:
        (indices: one row per target and parameter, the per-run table).
    """
    params = screened(cfg, parameters)
    spec, matrix, points = morris_design(params, trajectories, levels, seed)
    runs = run_points(cfg, points, progress)
    stats.require_outcome(runs, outcome)
    targets = point_outcomes(runs, outcome)
    rows = []
    for target, values in targets.items():
        result = morris_analyze.analyze(spec, matrix, values.to_numpy(), num_levels=levels,
                                        seed=seed)
        for i, name in enumerate(spec["names"]):
            rows.append({"method": "morris", "outcome": target, "parameter": name,
                         "mu_star": result["mu_star"][i],
                         "mu_star_conf": result["mu_star_conf"][i],
                         "sigma": result["sigma"][i], "S1": np.nan, "S1_conf": np.nan,
                         "ST": np.nan, "ST_conf": np.nan, "samples": len(matrix)})
    return acting_rows(pd.DataFrame(rows), cfg, outcome), runs


def top_parameters(morris_table: pd.DataFrame, count: int) -> list[str]:
    """The parameters with the largest mu* (scaled per target, then the largest over targets)."""
    table = morris_table.assign(scaled=morris_table["mu_star"] / morris_table.groupby(
        "outcome")["mu_star"].transform("max").replace(0.0, 1.0))
    ranked = table.groupby("parameter")["scaled"].max().sort_values(ascending=False)
    return list(ranked.index[:count])


def sobol(cfg: RunConfig, parameters: list[str], outcome: str = "embedded_share_y10",
          base_samples: int = 64, seed: int = 1, progress: bool = False
          ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """First-order and total Sobol indices (Saltelli sampling) with a convergence table.

    Args:
        cfg: Base configuration.
        parameters: Parameter paths (the few that matter, e.g. from Morris).
        outcome: Per-run outcome.
        base_samples: Base sample size N (a power of 2); N x (D + 2) points run.
        seed: Sampling seed.
        progress: Show a progress bar.

    Returns:
        (indices at the full N, indices at N/4, N/2 and N, the per-run table).
    """
    params = [find(p) for p in parameters]
    spec = problem(params)
    matrix = sobol_sample.sample(spec, base_samples, calc_second_order=False, seed=seed)
    runs = run_points(cfg, _points(params, matrix), progress)
    stats.require_outcome(runs, outcome)
    targets = point_outcomes(runs, outcome)
    block = len(params) + 2
    sizes = sorted({max(base_samples // 4, 2), max(base_samples // 2, 2), base_samples})
    rows = []
    for target, values in targets.items():
        y = values.to_numpy()
        for n in sizes:
            result = sobol_analyze.analyze(spec, y[: n * block], calc_second_order=False,
                                           seed=seed)
            for i, name in enumerate(spec["names"]):
                rows.append({"method": "sobol", "outcome": target, "parameter": name,
                             "mu_star": np.nan, "mu_star_conf": np.nan, "sigma": np.nan,
                             "S1": result["S1"][i], "S1_conf": result["S1_conf"][i],
                             "ST": result["ST"][i], "ST_conf": result["ST_conf"][i],
                             "samples": n * block, "base_samples": n})
    convergence = acting_rows(pd.DataFrame(rows), cfg, outcome)
    final = convergence[convergence["base_samples"] == base_samples].drop(
        columns="base_samples").reset_index(drop=True)
    return final, convergence, runs
