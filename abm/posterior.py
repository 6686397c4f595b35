"""Posterior draws: run replications over a calibration's parameter uncertainty.

A draws file is a Parquet table with one column per parameter path (for
example ``scenario.diffusion.decision_rate_per_month``) and optionally a
``weight`` column (importance weights of an ABC-SMC population). Weighted draws
are turned into N equally weighted draws by systematic resampling, which uses
no random numbers, so the same file always gives the same draws. Replication r
then runs with draw ``r mod N`` set on top of the scenario: a replication keeps
its draw whichever batch or worker runs it, and every strategy sees the same
draw for the same replication (common random numbers extend to parameters).

References:
    Kitagawa, G. (1996). Monte Carlo filter and smoother for non-Gaussian nonlinear
    state space models. Journal of Computational and Graphical Statistics 5(1):1-25
    (systematic resampling).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from .config import ConfigError, find_parameter

META_COLUMNS = ("draw", "weight", "distance", "generation", "particle")


@dataclass(frozen=True)
class PosteriorDraws:
    """Equally weighted parameter draws, one row per draw."""

    path: str
    parameters: tuple[str, ...]
    values: np.ndarray  # (N, parameters)

    def __len__(self) -> int:
        return len(self.values)

    def draw_of(self, replication: int) -> int:
        """The draw replication ``replication`` uses."""
        return replication % len(self)

    def values_of(self, draw: int) -> dict[str, float]:
        """Parameter path -> value of one draw."""
        return dict(zip(self.parameters, self.values[draw].tolist(), strict=True))


def systematic_resample(weights: np.ndarray, n: int) -> np.ndarray:
    """Indices of ``n`` equally weighted draws from weighted ones, without randomness.

    Args:
        weights: Non-negative importance weights (need not sum to one).
        n: Number of draws wanted.

    Returns:
        (n,) row indices, in increasing order; a row of weight w appears about n w times.
    """
    weights = np.asarray(weights, dtype=float)
    cumulative = np.cumsum(weights / weights.sum())
    cumulative[-1] = 1.0
    points = (np.arange(n) + 0.5) / n
    return np.searchsorted(cumulative, points, side="left")


@cache
def _load(path: str, mtime: float) -> PosteriorDraws:
    try:
        table = pd.read_parquet(path)
    except Exception as exc:  # any unreadable file is the same user error
        raise ConfigError(f"posterior: cannot read {path!r} ({exc})") from None
    parameters = [c for c in table.columns if c not in META_COLUMNS]
    if table.empty or not parameters:
        raise ConfigError(f"posterior: {path!r} holds no draws (need one column per "
                          "parameter path, e.g. scenario.diffusion.decision_rate_per_month)")
    for name in parameters:
        try:
            find_parameter(name)
        except ConfigError as exc:
            raise ConfigError(f"posterior: column {name!r} of {path!r} is not a parameter; "
                              f"{exc}") from None
    if "draw" in table.columns:
        table = table.sort_values("draw", kind="stable")
    values = table[parameters].to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise ConfigError(f"posterior: {path!r} has missing or infinite values")
    if "weight" in table.columns:
        weights = table["weight"].to_numpy(dtype=float)
        if (weights < 0).any() or not np.isfinite(weights).all() or weights.sum() <= 0:
            raise ConfigError(f"posterior: {path!r} has invalid weights (need >= 0, sum > 0)")
        values = values[systematic_resample(weights, len(values))]
    return PosteriorDraws(path, tuple(parameters), values)


def load_posterior(path: str | Path) -> PosteriorDraws:
    """Read and check a draws file (cached while the file is unchanged).

    Args:
        path: Parquet file with one column per parameter path and an optional weight.

    Returns:
        The equally weighted draws.

    Raises:
        ConfigError: If the file is missing or unreadable, a column is not a
            parameter, or a value or weight is invalid.
    """
    path = str(path)
    if not Path(path).is_file():
        raise ConfigError(f"posterior: {path!r} is not a file (give a calibration run's "
                          "calibration_draws.parquet)")
    return _load(path, Path(path).stat().st_mtime)
