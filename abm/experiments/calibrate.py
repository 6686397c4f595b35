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
their statistics, with replication seeds drawn from its task's generator.

Reproducibility: pyabc draws its prior samples, perturbations and resampling
from NumPy's global generator. The fit seeds that generator from the run's seed
for its own duration only and restores the previous state afterwards. Each
generation is sampled as one task per particle (pyabc's mapping sampler), every
task seeded from that generator before the tasks are spread over the run's
``workers`` (``abc_sampler.SeededMappingSampler``), and each simulation's seed
is drawn inside its task: the same configuration and seed give the same
posterior, whatever the number of workers.

References:
    Toni, T., Welch, D., Strelkowa, N., Ipsen, A. and Stumpf, M. P. H. (2009).
    Approximate Bayesian computation scheme for parameter inference and model
    selection in dynamical systems. J R Soc Interface 6(31):187-202.
    Beaumont, M. A., Cornuet, J.-M., Marin, J.-M. and Robert, C. P. (2009).
    Adaptive approximate Bayesian computation. Biometrika 96(4):983-990.
    Klinger, E., Rickert, D. and Hasenauer, J. (2018). pyABC: distributed,
    likelihood-free inference. Bioinformatics 34(20):3591-3593.
    Talts, S., Betancourt, M., Simpson, D., Vehtari, A. and Gelman, A. (2018).
    Validating Bayesian inference algorithms with simulation-based calibration.
    arXiv:1804.06788.
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

from ..config import BASELINE_STRATEGY, ConfigError, RunConfig, StrategyConfig, mechanisms_on
from ..inputs import england
from ..runner import run_batch
from .space import find, with_values
from .targets import (
    RECORD_START,
    Target,
    comparable_innovations,
    dated_statistics,
    summary_statistics,
    targets_for,
)


@dataclass
class Fit:
    """What the ABC-SMC run produced."""

    draws: pd.DataFrame  # final generation: parameter paths, weight, distance
    history: pd.DataFrame  # one row per generation
    simulations: int
    seconds: float


def _from_unit(spec, position):
    """The value at ``position`` (0 to 1) of a parameter's plausible range."""
    return spec.low + position * (spec.high - spec.low)


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



def status_quo(cfg: RunConfig, experiment: str = "calibrate") -> StrategyConfig:
    """The one strategy a calibration (or hindcast) runs: the status quo, every mechanism off.

    Its settings are kept, so a calibrated setting that acts in every strategy (such as
    ``strategy.consolidation.sovereignty_resistance`` on background mergers) is applied.

    Raises:
        ConfigError: If the run has several strategies or one with a mechanism on.
    """
    on = [f"{s.name}.{m}" for s in cfg.strategies for m in mechanisms_on(s)]
    if len(cfg.strategies) != 1 or on:
        raise ConfigError(f"experiment={experiment}: only the status quo is compared with the "
                          "record; use "
                          f"strategy={BASELINE_STRATEGY} (got {[s.name for s in cfg.strategies]}"
                          + (f", mechanisms on: {on}" if on else "") + ")")
    return cfg.strategies[0]


def fit_targets(targets: tuple[Target, ...], holdout: tuple[str, ...]) -> tuple[str, ...]:
    """The targets in the distance: those the record lets a fit use, less ``holdout``.

    Raises:
        ConfigError: If a held-out key is not one of ``targets``, or nothing is left.
    """
    known = {t.key for t in targets if t.role != "check"}
    unknown = [k for k in holdout if k not in known]
    if unknown:
        raise ConfigError(f"experiment.holdout: unknown target(s) {unknown} for this run's "
                          f"start; allowed: {sorted(known)}")
    keys = tuple(t.key for t in targets if t.role == "fit" and t.key not in holdout)
    if not keys:
        raise ConfigError("experiment.holdout: every target is held out; keep at least one "
                          "in the fit")
    return keys


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
    """The distance targets' model values for tables of the scenario in ``cfg``.

    A run from April 2021 is compared with the record's dated points (and the merger
    rate); a run from April 2025 with the summary targets.
    """
    if cfg.scenario.start.date == RECORD_START:
        return dated_statistics(innovation_steps, runs, cfg)
    innov = england().innovations
    comparable = comparable_innovations(dict(zip(innov.innovation_id,
                                                 innov.national_programme, strict=True)))
    return summary_statistics(innovation_steps, runs, run_innovations, cfg.months,
                              cfg.scenario.observation.cdc_sites_per_trust, comparable)


def distance(simulated: dict[str, float], observed: dict[str, float],
             scales: dict[str, float]) -> float:
    """Weighted Euclidean distance: sqrt(sum(((s_k - y_k) / scale_k)^2)) over ``scales``' keys.

    Args:
        simulated: Model value of each target.
        observed: Target value of each target.
        scales: The targets in the distance, each with its tolerance.

    Returns:
        The distance (0 when every model value equals its target).
    """
    return float(np.sqrt(sum(((simulated[k] - observed[k]) / scale) ** 2
                             for k, scale in scales.items())))


def fit(cfg: RunConfig, parameters: tuple[str, ...], holdout: tuple[str, ...],
        population_size: int, generations: int, max_simulations: int, replications: int,
        db_path: Path, observed: dict[str, float] | None = None, workers: int = 1) -> Fit:
    """Run ABC-SMC on the status quo and return the final weighted population.

    Args:
        cfg: Base configuration (its seed seeds the fit; its start date chooses the
            targets, ``targets.targets_for``; months must reach the targets' months).
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
        workers: Worker processes that simulate a generation's particles (the
            posterior is the same for any number).

    Returns:
        The posterior sample with weights and distances, and the history.
    """
    import pyabc

    from .abc_sampler import SeededMappingSampler

    logging.getLogger("ABC").setLevel(logging.WARNING)
    targets = {t.key: t for t in targets_for(cfg.scenario.start.date)}
    keys = fit_targets(tuple(targets.values()), holdout)
    scales = {k: targets[k].scale for k in keys}
    specs = [find(p) for p in parameters]
    # Each parameter is fitted as its position in its plausible range (0 to 1), so the
    # perturbation kernel's covariance has no scale disparity: a share of 0.002 beside
    # a horizon of 36 months once made it numerically singular (proposals off its
    # support got density zero and the weights stopped being a distribution).
    prior = pyabc.Distribution(**{_key(p.path): pyabc.RV("uniform", 0.0, 1.0) for p in specs})

    def model(particle: dict) -> dict[str, float]:
        values = {p.path: _from_unit(p, float(particle[_key(p.path)])) for p in specs}
        draw = int(np.random.randint(0, 2**32 - 1))  # the task's own seeded generator
        seed = int(np.random.SeedSequence([cfg.seed, draw]).generate_state(1)[0])
        return simulate(cfg, values, seed, replications)

    observed = {k: (observed or {}).get(k, targets[k].observed) for k in keys}
    abc = pyabc.ABCSMC(model, prior, pyabc.FunctionDistance(partial(distance, scales=scales)),
                       population_size=population_size,
                       sampler=SeededMappingSampler(workers), eps=pyabc.MedianEpsilon())
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
    draws = pd.DataFrame({p.path: _from_unit(p, frame[_key(p.path)].to_numpy()) for p in specs})
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


def recovery_checks(cfg: RunConfig, parameters: tuple[str, ...], holdout: tuple[str, ...],
                    checks: int, population_size: int, generations: int,
                    max_simulations: int, replications: int, directory: Path,
                    workers: int = 1) -> pd.DataFrame:
    """Fit data the model produced at known parameter values: does the fit find them?

    Simulation-based calibration (Talts et al. 2018): ``checks`` parameter sets are
    drawn from the prior; at each, the model's own statistics (4 x ``replications``
    replications, so the synthetic data are less noisy than one simulation) become
    the observed values of a fit with the same method. Over many checks a 95 %
    posterior interval should hold the truth about 95 % of the time, and the truth's
    rank in the posterior (the weighted share of draws below it) should be uniform.

    Args:
        cfg: Base configuration (its seed seeds the draws and each check's fit).
        parameters: Parameter paths fitted.
        holdout: Targets left out of the distance.
        checks: Parameter sets drawn from the prior.
        population_size: Particles per generation of each check's fit.
        generations: Largest number of generations of each check's fit.
        max_simulations: Simulations of each check's fit.
        replications: Replications per simulation.
        directory: Where each fit's pyabc history goes (``recovery_K.db``).
        workers: Worker processes of each fit.

    Returns:
        One row per check and parameter: truth, posterior median and 95 % interval,
        whether the interval holds the truth, the truth's rank (0 to 1) and the fit's
        simulations.
    """
    specs = [find(p) for p in parameters]
    rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 0x5BC]))
    rows = []
    for check in range(checks):
        truth = {}
        for spec in specs:
            value = float(rng.uniform(spec.low, spec.high))
            truth[spec.path] = float(round(value)) if spec.integer else value
        seed = int(np.random.SeedSequence([cfg.seed, 0x5BC, check]).generate_state(1)[0])
        synthetic = simulate(cfg, truth, seed, 4 * replications)
        check_cfg = cfg.model_copy(update={"seed": seed % 2**31})
        result = fit(check_cfg, parameters, holdout, population_size, generations,
                     max_simulations, replications, directory / f"recovery_{check}.db",
                     observed=synthetic, workers=workers)
        weights = result.draws["weight"].to_numpy()
        for spec in specs:
            values = result.draws[spec.path].to_numpy(dtype=float)
            low, high = (weighted_quantile(values, weights, q) for q in (0.025, 0.975))
            rows.append({"check": check, "parameter": spec.path, "truth": truth[spec.path],
                         "posterior_median": weighted_quantile(values, weights, 0.5),
                         "ci_low": low, "ci_high": high,
                         "covered": bool(low <= truth[spec.path] <= high),
                         "rank": float(weights[values < truth[spec.path]].sum()),
                         "simulations": result.simulations})
    return pd.DataFrame(rows)


def coverage_table(recovery: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: checks, share of 95 % intervals holding the truth, mean |error|."""
    error = (recovery["posterior_median"] - recovery["truth"]).abs()
    return (recovery.assign(abs_error=error).groupby("parameter", sort=False)
            .agg(checks=("check", "size"), coverage=("covered", "mean"),
                 mean_abs_error=("abs_error", "mean"), mean_rank=("rank", "mean"))
            .reset_index())


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
