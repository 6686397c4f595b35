"""Which strategy wins where: a grid over two conditions, with margins and their uncertainty.

Each cell of the grid runs every strategy with the same replications (common
random numbers). The winner is the strategy with the highest mean outcome; its
margin over the runner-up is a paired difference with an interval. Where the
margin's interval contains zero the cell has no clear winner, and it says so:
the map shows where each strategy loses as plainly as where it wins.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from ..config import ConfigError, RunConfig
from . import stats
from .samples import run_points
from .space import find

NO_CLEAR_WINNER = "no clear winner"


def grid(x: str, x_values: list[float], y: str, y_values: list[float]) -> list[dict]:
    """The grid's points, x varying fastest."""
    find(x), find(y)  # refuse unknown parameters before running anything
    return [{x: xv, y: yv} for yv, xv in itertools.product(y_values, x_values)]


def _cell(runs: pd.DataFrame, outcome: str, method: str) -> pd.DataFrame:
    summary = stats.describe(runs, ["strategy"], outcome, method)
    ranked = summary.sort_values("mean", ascending=False, kind="stable")
    best, second = ranked["strategy"].iloc[0], ranked["strategy"].iloc[1]
    margin = stats.paired_differences(runs[runs["strategy"].isin([best, second])], outcome,
                                      baseline=second, method=method).iloc[0]
    winner = NO_CLEAR_WINNER if margin["smaller_than_interval"] else best
    return summary.assign(winner=winner, leader=best, margin=margin["difference"],
                          margin_ci_low=margin["ci_low"], margin_ci_high=margin["ci_high"])


def win_map(cfg: RunConfig, x: str, x_values: list[float], y: str, y_values: list[float],
            outcome: str = "embedded_share_y10", method: str = "t",
            progress: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the grid and find each cell's winner.

    Args:
        cfg: Base configuration (two or more strategies).
        x: Parameter path of the grid's x axis.
        x_values: Its values.
        y: Parameter path of the y axis.
        y_values: Its values.
        outcome: Per-run outcome to maximise (a column of runs.parquet).
        method: Interval method ("t" or "bootstrap").
        progress: Show a progress bar.

    Returns:
        (win map: one row per cell and strategy, the per-run table).

    Raises:
        ConfigError: With fewer than two strategies.
    """
    if len(cfg.strategies) < 2:
        raise ConfigError("win_map: needs at least two strategies to compare")
    runs = run_points(cfg, grid(x, x_values, y, y_values), progress)
    stats.require_outcome(runs, outcome)
    cells = []
    for (xv, yv), group in runs.groupby([x, y], sort=False):
        cell = _cell(group, outcome, method)
        cells.append(cell.assign(x_parameter=x, x_value=xv, y_parameter=y, y_value=yv))
    table = pd.concat(cells, ignore_index=True).rename(columns={
        "mean": "outcome_mean", "ci_low": "outcome_ci_low", "ci_high": "outcome_ci_high"})
    columns = ["x_parameter", "x_value", "y_parameter", "y_value", "strategy", "outcome",
               "outcome_mean", "outcome_ci_low", "outcome_ci_high", "replications", "interval",
               "winner", "leader", "margin", "margin_ci_low", "margin_ci_high"]
    return table[columns], runs


def tally(table: pd.DataFrame) -> pd.DataFrame:
    """For each strategy: cells won, cells where it was worst, and cells with no clear winner."""
    cells = table.drop_duplicates(["x_value", "y_value"])
    worst = table.loc[table.groupby(["x_value", "y_value"])["outcome_mean"].idxmin(), "strategy"]
    rows = []
    for strategy in table["strategy"].unique():
        rows.append({"strategy": strategy, "cells": len(cells),
                     "cells_won": int((cells["winner"] == strategy).sum()),
                     "cells_worst": int((worst == strategy).sum()),
                     "cells_no_clear_winner": int((cells["winner"] == NO_CLEAR_WINNER).sum())})
    return pd.DataFrame(rows)


def format_win_map(table: pd.DataFrame) -> str:
    """A text grid of winners (rows: y values, columns: x values)."""
    x, y = table["x_parameter"].iloc[0], table["y_parameter"].iloc[0]
    cells = table.drop_duplicates(["x_value", "y_value"])
    pivot = cells.pivot(index="y_value", columns="x_value", values="winner")
    lines = [f"Winner by {table['outcome'].iloc[0]} ({table['interval'].iloc[0]} margin over "
             f"the runner-up, n = {int(table['replications'].min())} per cell)",
             f"rows: {y}; columns: {x}", ""]
    width = max(16, *(len(str(v)) + 2 for v in np.ravel(pivot.to_numpy())))
    lines.append(" " * 10 + "".join(f"{v:<{width}.4g}" for v in pivot.columns))
    for value, row in pivot.iterrows():
        lines.append(f"{value:<10.4g}" + "".join(f"{w:<{width}}" for w in row))
    return "\n".join(lines)
