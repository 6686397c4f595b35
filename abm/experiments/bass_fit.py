"""Fit the Bass model to the simulated adoption curves and set p and q beside the literature.

The adopters of an innovation are the relevant trusts that have ever started it
(piloting, embedded or abandoned after starting), as a share of the relevant
trusts; time is in years from the start. For each strategy, innovation and
replication the Bass curve F(t) = m (1 - e^-(p+q)t) / (1 + (q/p) e^-(p+q)t) is
fitted by least squares (SciPy ``curve_fit``); p and q are then summarised over
replications with a t interval. Innovations already adopted at the start (the
EPR) are left out: their curve starts part-way.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.optimize import OptimizeWarning, curve_fit

from ..inputs import read_table
from . import stats

BOUNDS = ([1e-5, 0.0, 0.01], [2.0, 5.0, 1.0])  # p, q per year; m a share
LITERATURE_KEYS = ("bass_p_mean", "bass_q_mean", "bass_q_mean_vdb_2004")


def bass_curve(t: np.ndarray, p: float, q: float, m: float) -> np.ndarray:
    """Cumulative Bass adoption share at times ``t`` (years)."""
    decay = np.exp(-(p + q) * t)
    return m * (1.0 - decay) / (1.0 + (q / p) * decay)


def fit(t: np.ndarray, adopted: np.ndarray) -> tuple[float, float, float]:
    """Least-squares Bass (p, q, m) for one curve; NaN if it cannot be fitted.

    Args:
        t: Times in years.
        adopted: Cumulative adopter share at those times.

    Returns:
        (p, q, m), all NaN when the curve has no adopters or the fit fails.
    """
    if adopted[-1] <= 0.0:
        return np.nan, np.nan, np.nan
    start = (0.03, 0.4, min(max(adopted[-1], 0.02), 1.0))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            (p, q, m), _ = curve_fit(bass_curve, t, adopted, p0=start, bounds=BOUNDS,
                                     maxfev=5000)
    except (RuntimeError, ValueError):
        return np.nan, np.nan, np.nan
    return float(p), float(q), float(m)


def adoption_curves(innovation_steps: pd.DataFrame) -> pd.DataFrame:
    """Adopter share (ever started) per strategy, replication, innovation and month."""
    started = innovation_steps[["n_piloting", "n_embedded", "n_abandoned"]].sum(axis=1)
    curves = innovation_steps[["strategy", "replication", "innovation", "step"]].copy()
    curves["adopted"] = started / innovation_steps["relevant_trusts"]
    return curves


def bass_fit(innovation_steps: pd.DataFrame, method: str = "t") -> pd.DataFrame:
    """Fitted Bass p and q per strategy and innovation with intervals over replications.

    Args:
        innovation_steps: The month-by-month innovation table of a run.
        method: Interval method ("t" or "bootstrap").

    Returns:
        One row per strategy and innovation: p, q, m with intervals, replications
        fitted, and the literature means beside them.
    """
    curves = adoption_curves(innovation_steps)
    first = curves[curves["step"] == 1].groupby("innovation")["adopted"].max()
    fresh = first[first < 0.05].index  # not already adopted at the start
    curves = curves[curves["innovation"].isin(fresh)]
    fits = []
    for (strategy, replication, innovation), curve in curves.groupby(
            ["strategy", "replication", "innovation"], sort=False):
        p, q, m = fit(curve["step"].to_numpy() / 12.0, curve["adopted"].to_numpy())
        fits.append({"strategy": strategy, "replication": replication,
                     "innovation": innovation, "p": p, "q": q, "m": m})
    fits = pd.DataFrame(fits)
    literature = literature_values()
    rows = []
    for (strategy, innovation), group in fits.groupby(["strategy", "innovation"], sort=False):
        row = {"strategy": strategy, "innovation": innovation}
        for name in ("p", "q", "m"):
            result = stats.interval(group[name].to_numpy(), method)
            row.update({name: result.mean, f"{name}_ci_low": result.low,
                        f"{name}_ci_high": result.high})
        row["replications"] = int(group["p"].notna().sum())
        row["interval"] = f"95% {method} over replications"
        row["literature_p"], row["literature_q"] = literature["p"], literature["q"]
        rows.append(row)
    return pd.DataFrame(rows)


def literature_values() -> dict[str, float]:
    """Mean Bass p and q across published diffusion studies (facts.csv, with sources)."""
    facts = read_table("facts.csv").set_index("key")
    return {"p": float(facts.loc["bass_p_mean", "value"]),
            "q": float(facts.loc["bass_q_mean", "value"])}
