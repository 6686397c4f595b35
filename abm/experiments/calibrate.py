"""Calibrate the status quo to the NHS record with ABC-SMC (pyabc), and check the fit.

Approximate Bayesian computation by sequential Monte Carlo: particles drawn
from uniform priors over the plausible ranges of the chosen parameters are
simulated, kept when the distance between their summary statistics and the
targets (``abm.experiments.targets``) is below a threshold that falls from one
generation to the next (the median of the previous generation's distances), and
perturbed to propose the next generation. The final generation, with its
importance weights, is the posterior sample.

Distance: a weighted Euclidean norm, d = sqrt(sum_k ((s_k - y_k) / scale_k)^2),
over the targets in the fit (holdout targets are left out of it), where
``scale_k`` is the tolerance of each target (``Target.scale``). Each simulation
runs a few replications of the status quo stacked on one batch and averages
their statistics; simulation k uses the replication seeds of
``SeedSequence([seed, k])``.

Reproducibility: pyabc draws its prior samples, perturbations and resampling
from NumPy's global generator. The fit seeds that generator from the run's seed
for its own duration only and restores the previous state afterwards, and it
uses pyabc's single-core sampler (proposals are simulated in a fixed order), so
the same configuration and seed give the same posterior.

References:
    Toni, T., Welch, D., Strelkowa, N., Ipsen, A. and Stumpf, M. P. H. (2009).
    Approximate Bayesian computation scheme for parameter inference and model
    selection in dynamical systems. J R Soc Interface 6(31):187-202.
    Beaumont, M. A., Cornuet, J.-M., Marin, J.-M. and Robert, C. P. (2009).
    Adaptive approximate Bayesian computation. Biometrika 96(4):983-990.
    Klinger, E., Rickert, D. and Hasenauer, J. (2018). pyABC: distributed,
    likelihood-free inference. Bioinformatics 34(20):3591-3593.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import ConfigError, RunConfig, StrategyConfig, mechanisms_on
from ..inputs import england
from ..runner import run_batch
from .space import find, with_values
from .targets import DISTANCE_KEYS, comparable_innovations, summary_statistics, target


@dataclass
class Fit:
    """What the ABC-SMC run produced."""

    draws: pd.DataFrame  # final generation: parameter paths, weight, distance
    history: pd.DataFrame  # one row per generation
    simulations: int
    seconds: float


def _key(path: str) -> str:
    """The name pyabc stores a parameter path under (no dots)."""
    return path.replace(".", "__")


@contextmanager
def seeded_global_numpy(seed: int) -> Iterator[None]:
    """Seed NumPy's global generator for the block only, then restore its state.

    pyabc takes its random numbers from the global generator; seeding it here (and
    only here) makes the fit reproducible without a lasting side effect.
    """
    state = np.random.get_state()
    np.random.seed(np.random.SeedSequence([seed, 0xABC]).generate_state(1)[0])
    try:
        yield
    finally:
        np.random.set_state(state)



def status_quo(cfg: RunConfig) -> StrategyConfig:
    """The one strategy a calibration runs: the status quo, every mechanism off.

    Its settings are kept, so a calibrated setting that acts in every strategy (such as
    ``strategy.consolidation.sovereignty_resistance`` on background mergers) is applied.

    Raises:
        ConfigError: If the run has several strategies or one with a mechanism on.
    """
    on = [f"{s.name}.{m}" for s in cfg.strategies for m in mechanisms_on(s)]
    if len(cfg.strategies) != 1 or on:
        raise ConfigError("experiment=calibrate: only the status quo is calibrated; use "
                          f"strategy=status_quo (got {[s.name for s in cfg.strategies]}"
                          + (f", mechanisms on: {on}" if on else "") + ")")
    return cfg.strategies[0]


def fit_targets(holdout: tuple[str, ...]) -> tuple[str, ...]:
    """The targets in the distance: every non-check target not held out."""
    return tuple(k for k in DISTANCE_KEYS if k not in holdout)


def simulate(cfg: RunConfig, values: dict[str, float], seed: int, replications: int,
             ) -> dict[str, float]:
    """Summary statistics of one parameter set: ``replications`` status-quo runs averaged.

    Args:
        cfg: Base configuration (scenario and months).
        values: Parameter path -> value.
        seed: Master seed of this simulation's replications.
        replications: Replications stacked in the simulation.

    Returns:
        Target key -> model value.
    """
    run_cfg = with_values(cfg, values)
    tables = run_batch(run_cfg.scenario, status_quo(run_cfg), seed, list(range(replications)),
                       cfg.months)
    return statistics_of(run_cfg, tables.innovation_steps, tables.run, tables.run_innovations)


def statistics_of(cfg: RunConfig, innovation_steps: pd.DataFrame, runs: pd.DataFrame,
                  run_innovations: pd.DataFrame) -> dict[str, float]:
    """The distance targets' model values for tables of the scenario in ``cfg``."""
    innov = england().innovations
    comparable = comparable_innovations(dict(zip(innov.innovation_id,
                                                 innov.national_programme, strict=True)))
    return summary_statistics(innovation_steps, runs, run_innovations, cfg.months,
                              cfg.scenario.observation.cdc_sites_per_trust, comparable)


def distance(simulated: dict[str, float], observed: dict[str, float],
             keys: tuple[str, ...]) -> float:
    """Weighted Euclidean distance over ``keys``: sqrt(sum(((s_k - y_k) / scale_k)^2)).

    Args:
        simulated: Model value of each target.
        observed: Target value of each target.
        keys: The targets in the distance.

    Returns:
        The distance (0 when every model value equals its target).
    """
    return float(np.sqrt(sum(((simulated[k] - observed[k]) / target(k).scale) ** 2
                             for k in keys)))


def fit(cfg: RunConfig, parameters: tuple[str, ...], holdout: tuple[str, ...],
        population_size: int, generations: int, max_simulations: int, replications: int,
        db_path: Path, observed: dict[str, float] | None = None) -> Fit:
    """Run ABC-SMC on the status quo and return the final weighted population.

    Args:
        cfg: Base configuration (its seed seeds the fit; months must reach 60).
        parameters: Parameter paths fitted, each with a uniform prior over its
            plausible range.
        holdout: Targets left out of the distance.
        population_size: Particles per generation.
        generations: Largest number of generations.
        max_simulations: Stop once this many simulations have run in total.
        replications: Status-quo replications stacked in each simulation.
        db_path: SQLite file for pyabc's history (replaced if it exists).
        observed: Values to fit instead of the record's (e.g. synthetic targets the
            model produced, to check that a known parameter value is recovered).

    Returns:
        The posterior sample with weights and distances, and the history.
    """
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)
    keys = fit_targets(holdout)
    specs = [find(p) for p in parameters]
    prior = pyabc.Distribution(**{_key(p.path): pyabc.RV("uniform", p.low, p.high - p.low)
                                  for p in specs})
    counter = iter(range(10**12))

    def model(particle: dict) -> dict[str, float]:
        values = {p.path: float(particle[_key(p.path)]) for p in specs}
        seed = int(np.random.SeedSequence([cfg.seed, next(counter)]).generate_state(1)[0])
        return simulate(cfg, values, seed, replications)

    observed = {k: (observed or {}).get(k, target(k).observed) for k in keys}
    abc = pyabc.ABCSMC(model, prior, pyabc.FunctionDistance(partial(distance, keys=keys)),
                       population_size=population_size,
                       sampler=pyabc.SingleCoreSampler(), eps=pyabc.MedianEpsilon())
    abc.sampler.show_progress = False
    db_path.unlink(missing_ok=True)
    start = time.perf_counter()
    with seeded_global_numpy(cfg.seed):
        abc.new(f"sqlite:///{db_path}", observed)
        history = abc.run(max_nr_populations=generations,
                          max_total_nr_simulations=max_simulations)
    seconds = time.perf_counter() - start
    frame, w = history.get_distribution(m=0, t=history.max_t)
    dist = history.get_weighted_distances(t=history.max_t)
    draws = pd.DataFrame({p.path: frame[_key(p.path)].to_numpy() for p in specs})
    draws = draws.assign(weight=w / w.sum(), distance=dist["distance"].to_numpy(),
                         generation=int(history.max_t))
    draws.insert(0, "particle", np.arange(len(draws)))
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].rename(columns={"t": "generation"})
    table = pd.DataFrame({"generation": pops["generation"].astype(int),
                          "epsilon": pops["epsilon"].astype(float),
                          "simulations": pops["samples"].astype(int),
                          "particles": pops["particles"].astype(int)})
    table["acceptance_rate"] = table["particles"] / table["simulations"]
    return Fit(draws, table.reset_index(drop=True), int(history.total_nr_simulations), seconds)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Quantile ``q`` of weighted values (inverse of the weighted empirical CDF)."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][min(np.searchsorted(cumulative, q), len(values) - 1)])


def parameter_table(draws: pd.DataFrame, parameters: tuple[str, ...]) -> pd.DataFrame:
    """Prior range, default and weighted posterior summary of each fitted parameter."""
    w = draws["weight"].to_numpy()
    best = draws["distance"].idxmin()
    rows = []
    for path in parameters:
        spec, values = find(path), draws[path].to_numpy(dtype=float)
        rows.append({"parameter": path, "prior_low": spec.low, "prior_high": spec.high,
                     "default": float(spec.default), "integer": spec.integer,
                     "posterior_mean": float(np.average(values, weights=w)),
                     "posterior_median": weighted_quantile(values, w, 0.5),
                     "ci_low": weighted_quantile(values, w, 0.025),
                     "ci_high": weighted_quantile(values, w, 0.975),
                     "best_particle": float(draws.loc[best, path])})
    return pd.DataFrame(rows)


def fitted_values(parameters: pd.DataFrame) -> dict[str, float]:
    """Posterior medians (rounded for integer parameters): the calibrated scenario's values."""
    out = {}
    for row in parameters.itertuples():
        value = round(row.posterior_median) if row.integer else float(f"{row.posterior_median:.3g}")
        out[row.parameter] = value
    return out
