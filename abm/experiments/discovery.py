"""Scenario discovery: which conditions make a strategy fail (CART, scikit-learn).

The uncertainties, and by default the levers, are sampled by Latin hypercube
over their plausible ranges; every strategy runs at every point with the same
replications (a lever applies to every strategy whose mechanism it sets). A strategy
**fails** at a point when its mean advantage over the status quo on the outcome
is not above ``margin`` (by default: it does no better than doing nothing
different). A shallow classification tree (CART) then finds boxes of conditions
where failure concentrates; each leaf is reported as a rule with its
**coverage** (share of all failures inside the box) and **density** (share of
points inside the box that fail), the measures used in PRIM.

The sample is shared, over the parameters that act under at least one strategy,
so every strategy and the status quo are compared at the same points. A
strategy's tree splits only on the parameters that act under it or the status
quo (its own design): its failure flag cannot depend on the others.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import qmc
from sklearn.tree import DecisionTreeClassifier

from ..config import BASELINE_STRATEGY, ConfigError, RunConfig, StrategyConfig
from . import stats
from .samples import run_points
from .space import Parameter, acting, find, levers, shared, uncertainties


def latin_hypercube(parameters: list[Parameter], points: int, seed: int) -> list[dict]:
    """``points`` Latin-hypercube points over the parameters' plausible ranges."""
    unit = qmc.LatinHypercube(d=len(parameters), seed=seed).random(points)
    low = np.array([p.low for p in parameters])
    high = np.array([p.high for p in parameters])
    values = qmc.scale(unit, low, high)
    return [dict(zip([p.path for p in parameters], row.tolist(), strict=True))
            for row in values]


def failures(runs: pd.DataFrame, outcome: str, margin: float = 0.0) -> pd.DataFrame:
    """Per point and strategy: mean advantage over the status quo and whether it fails."""
    means = runs.pivot_table(index="point", columns="strategy", values=outcome, sort=False)
    rows = []
    for strategy in means.columns.drop(BASELINE_STRATEGY):
        advantage = means[strategy] - means[BASELINE_STRATEGY]
        rows.append(pd.DataFrame({"point": means.index, "strategy": strategy,
                                  "advantage": advantage.to_numpy(),
                                  "fails": (advantage <= margin).to_numpy()}))
    return pd.concat(rows, ignore_index=True)


def _rules(tree: DecisionTreeClassifier, names: list[str]) -> dict[int, str]:
    """Each leaf's conditions, as text."""
    t = tree.tree_
    rules: dict[int, str] = {}

    def walk(node: int, conditions: list[str]) -> None:
        if t.children_left[node] == -1:
            rules[node] = " and ".join(conditions) or "all conditions"
            return
        name, threshold = names[t.feature[node]], t.threshold[node]
        walk(t.children_left[node], [*conditions, f"{name} <= {threshold:.4g}"])
        walk(t.children_right[node], [*conditions, f"{name} > {threshold:.4g}"])

    walk(0, [])
    return rules


def find_boxes(points: pd.DataFrame, failed: np.ndarray, depth: int = 3,
               min_share: float = 0.05) -> pd.DataFrame:
    """Leaves of a CART tree on the failure flag, with coverage and density.

    Args:
        points: One row per point, one column per uncertainty.
        failed: Whether the strategy failed at each point.
        depth: Largest depth of the tree (short rules stay readable).
        min_share: Smallest share of points in a leaf.

    Returns:
        One row per leaf, densest first: rule, points, failures, density, coverage.
    """
    names = list(points.columns)
    tree = DecisionTreeClassifier(max_depth=depth, random_state=0,
                                  min_samples_leaf=max(2, int(min_share * len(points))))
    tree.fit(points.to_numpy(), failed)
    leaves = tree.apply(points.to_numpy())
    rules = _rules(tree, names)
    total = max(int(failed.sum()), 1)
    rows = []
    for leaf, rule in rules.items():
        inside = leaves == leaf
        n_fail = int(failed[inside].sum())
        rows.append({"rule": rule, "points": int(inside.sum()), "failures": n_fail,
                     "density": n_fail / max(int(inside.sum()), 1),
                     "coverage": n_fail / total})
    return pd.DataFrame(rows).sort_values("density", ascending=False, kind="stable")


def everywhere(flags: np.ndarray) -> pd.DataFrame:
    """The one box of all conditions, for a flag no condition can split."""
    return pd.DataFrame([{"rule": "all conditions", "points": len(flags),
                          "failures": int(flags.sum()), "density": float(flags.mean()),
                          "coverage": 1.0 if flags.any() else 0.0}])


def own_boxes(points: pd.DataFrame, flags: np.ndarray, depth: int,
              strategies: list[StrategyConfig]) -> pd.DataFrame:
    """``find_boxes`` on the columns that act under ``strategies``, all the flag depends on."""
    columns = acting(points.columns, strategies)
    return find_boxes(points[columns], flags, depth) if columns else everywhere(flags)


def sampled(cfg: RunConfig, parameters: list[str] | None = None,
            with_levers: bool = True) -> list[Parameter]:
    """The parameters given, or those that act under one of the strategies (levers too)."""
    if parameters:
        return [find(p) for p in parameters]
    return shared(uncertainties() + (levers() if with_levers else []), cfg.strategies)


def discover(cfg: RunConfig, outcomes: tuple[str, ...] = ("benefit_gbp_m",), points: int = 200,
             parameters: list[str] | None = None, margin: float = 0.0, depth: int = 3,
             seed: int = 1, progress: bool = False,
             with_levers: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sample the conditions, run every strategy, and find where each one fails.

    Args:
        cfg: The run configuration (its strategies, replications and workers).
        outcomes: Per-run outcomes; failure is judged on each, from the same runs.
        points: Latin-hypercube points.
        parameters: Paths sampled (default: every uncertainty, with every lever if
            ``with_levers``, that acts under one of the strategies).
        margin: Advantage at or below which a strategy fails.
        depth: Largest depth of the CART tree.
        seed: Seed of the Latin hypercube.
        progress: Show a progress bar.
        with_levers: Sample the levers too (when ``parameters`` is not given).

    Returns:
        (boxes: one row per outcome, strategy and leaf, the per-run table).

    Raises:
        ConfigError: If the status quo is not among the strategies, or an outcome
            is unknown.
    """
    if BASELINE_STRATEGY not in {s.name for s in cfg.strategies}:
        raise ConfigError("scenario_discovery: failure is judged against the status quo, "
                         "which must be one of the strategies")
    sample = latin_hypercube(sampled(cfg, parameters, with_levers), points, seed)
    runs = run_points(cfg, sample, progress)
    for outcome in outcomes:
        stats.require_outcome(runs, outcome)
    table = pd.DataFrame(sample)
    by_name = {s.name: s for s in cfg.strategies}
    boxes = []
    for outcome in outcomes:
        for strategy, group in failures(runs, outcome, margin).groupby("strategy", sort=False):
            failed = group.sort_values("point")["fails"].to_numpy()
            found = own_boxes(table, failed, depth,
                              [by_name[strategy], by_name[BASELINE_STRATEGY]])
            boxes.append(found.assign(strategy=strategy, outcome=outcome, margin=margin,
                                      share_of_points_failing=failed.mean()))
    columns = ["strategy", "outcome", "margin", "share_of_points_failing", "rule", "points",
               "failures", "density", "coverage"]
    return pd.concat(boxes, ignore_index=True)[columns], runs
