"""The calibration experiment end to end: fit, posterior predictive check, tables.

After the ABC-SMC fit (``abm.experiments.calibrate``), the status quo is run
over the posterior with the same machinery any experiment uses
(``RunConfig.posterior``): replication r uses posterior draw r mod N, with
``replications_per_simulation`` replications per draw, exactly as in the fit. The
summary statistics of each draw's replications give the posterior predictive
distribution of every target, the holdout targets included; its 2.5 and 97.5
percentiles are the band each target is compared with. Those runs are also the
run's ordinary tables, so the report shows the calibrated status quo.

References:
    Gelman, A., Meng, X.-L. and Stern, H. (1996). Posterior predictive assessment of
    model fitness via realized discrepancies. Statistica Sinica 6(4):733-760.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import RunConfig
from ..inputs import england
from ..runner import Results, run_experiment
from . import bass_fit, calibrate, hindcast
from .settings import Calibrate
from .targets import RECORD_START, Target, comparable_innovations, median_years_to_half, targets_for

BAND = (0.025, 0.975)
BASS_REPLICATIONS = 40  # Bass curves are fitted on the first runs only (about 30 fits each)


@dataclass
class Calibration:
    """Everything the calibration experiment returns."""

    results: Results
    tables: dict[str, pd.DataFrame]
    text: str


def _write_atomic(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _band(values: np.ndarray) -> tuple[float, float, float]:
    values = values[np.isfinite(values)]
    if not len(values):
        return np.nan, np.nan, np.nan
    low, high = np.quantile(values, BAND)
    return float(np.median(values)), float(low), float(high)


def predictive_statistics(cfg: RunConfig, results: Results, draws: int) -> pd.DataFrame:
    """One row per posterior draw: the targets' model values over that draw's replications."""
    from ..posterior import load_posterior
    from .space import with_values

    posterior = load_posterior(cfg.posterior)
    rows = []
    for draw in range(draws):
        reps = [r for r in range(cfg.replications) if posterior.draw_of(r) == draw]
        draw_cfg = with_values(cfg.model_copy(update={"posterior": None}),
                               posterior.values_of(draw))

        def pick(frame: pd.DataFrame, reps: list[int] = reps) -> pd.DataFrame:
            return frame[frame["replication"].isin(reps)]

        stats = calibrate.statistics_of(draw_cfg, pick(results.innovation_steps),
                                        pick(results.runs), pick(results.run_innovations))
        rows.append({"draw": draw, **stats})
    return pd.DataFrame(rows)


def posterior_hindcast(cfg: RunConfig, results: Results, draws: int) -> dict[str, pd.DataFrame]:
    """The record's dated points over the posterior predictive bands (``hindcast`` tables).

    Each replication's values use its own posterior draw's observation settings.
    """
    from ..posterior import load_posterior
    from .space import with_values

    posterior, points = load_posterior(cfg.posterior), hindcast.dated_series()
    at_points, monthly = [], []
    for draw in range(draws):
        reps = [r for r in range(cfg.replications) if posterior.draw_of(r) == draw]
        draw_cfg = with_values(cfg.model_copy(update={"posterior": None}),
                               posterior.values_of(draw))
        steps = results.innovation_steps[results.innovation_steps["replication"].isin(reps)]
        at_points.append(hindcast.model_points(steps, draw_cfg, points))
        monthly.append(hindcast.monthly_values(steps, draw_cfg))
    return {"hindcast": hindcast.bands(pd.concat(at_points, ignore_index=True), points),
            "hindcast_bands": hindcast.monthly_bands(pd.concat(monthly, ignore_index=True))}


def _checks(results: Results, months: int) -> dict[str, tuple[float, float, float]]:
    innov = england().innovations
    national = dict(zip(innov.innovation_id, innov.national_programme, strict=True))
    comparable = comparable_innovations(national)
    by_run = [median_years_to_half(group, comparable, months)
              for _, group in results.run_innovations.groupby("replication")]
    first = results.innovation_steps[results.innovation_steps["replication"]
                                     < BASS_REPLICATIONS]
    bass = bass_fit.bass_fit(first)
    ratio = (bass["q"] / bass["p"]).replace([np.inf, -np.inf], np.nan).to_numpy()
    return {"median_years_to_half": _band(np.asarray(by_run)),
            "bass_q_over_p": _band(ratio)}


def target_table(predictive: pd.DataFrame, defaults: dict[str, float], checks: dict,
                 holdout: tuple[str, ...], targets: tuple[Target, ...]) -> pd.DataFrame:
    """Each target against its posterior predictive band, with its role in the fit."""
    rows = []
    for t in targets:
        if t.role == "check":
            median, low, high = checks[t.key]
            consistent = (median >= t.observed / 3) if t.key == "median_years_to_half" \
                else (median > 1.0)
            role, default = "check", np.nan
        else:
            median, low, high = _band(predictive[t.key].to_numpy())
            consistent = bool(low <= t.observed <= high)
            held = t.key in holdout or t.role == "holdout"
            role, default = ("holdout" if held else "fit"), defaults[t.key]
        rows.append({"target": t.key, "description": t.description, "role": role,
                     "observed": t.observed, "unit": t.unit, "facts": t.facts,
                     "confidence": t.confidence, "scale": t.scale,
                     "simulated_median": median, "band_low": low, "band_high": high,
                     "consistent": bool(consistent), "at_defaults": default})
    return pd.DataFrame(rows)


def run_calibration(cfg: RunConfig, settings: Calibrate, output_dir: Path | None = None,
                    progress: bool = False) -> Calibration:
    """Fit the status quo, run it over the posterior and tabulate the comparison.

    Args:
        cfg: Base configuration (scenario, seed, months; its strategies are ignored).
        settings: The experiment's settings (parameters, budget, holdout).
        output_dir: Run directory for pyabc's database and the draws file (a
            temporary directory if None).
        progress: Show a progress bar for the predictive runs.

    Returns:
        The predictive runs as the run's results, the calibration tables and a summary.
    """
    calibrate.status_quo(cfg)  # refuse anything but the status quo before any work
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(output_dir) if output_dir is not None else Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        result = calibrate.fit(cfg, settings.parameters, settings.holdout,
                               settings.population_size, settings.generations,
                               settings.max_simulations, settings.replications_per_simulation,
                               directory / "calibration_history.db",
                               workers=cfg.workers)
        draws_path = directory / "calibration_draws.parquet"
        _write_atomic(result.draws, draws_path)
        n = len(result.draws)
        ppc_cfg = cfg.model_copy(update={
            "posterior": str(draws_path), "strategies": (calibrate.status_quo(cfg),),
            "replications": n * settings.replications_per_simulation,
            "trajectory_replications": n * settings.replications_per_simulation,
            "first_replication": 0})
        results = run_experiment(ppc_cfg, progress=progress)
        predictive = predictive_statistics(ppc_cfg, results, n)
    seed = int(np.random.SeedSequence([cfg.seed, 2**32]).generate_state(1)[0])
    defaults = calibrate.simulate(cfg, {}, seed, 4 * settings.replications_per_simulation)
    dated = cfg.scenario.start.date == RECORD_START
    chosen = targets_for(cfg.scenario.start.date)
    checks = {} if dated else _checks(results, cfg.months)
    targets = target_table(predictive, defaults, checks, settings.holdout, chosen)
    parameters = calibrate.parameter_table(result.draws, settings.parameters)
    keys = calibrate.fit_targets(chosen, settings.holdout)
    history = result.history.assign(total_simulations=result.simulations,
                                    seconds=round(result.seconds, 1),
                                    distance_targets=", ".join(keys))
    tables = {"calibration_draws": result.draws, "calibration_parameters": parameters,
              "calibration_targets": targets, "calibration_history": history,
              "calibration_predictive": predictive}
    if dated:
        tables.update(posterior_hindcast(ppc_cfg, results, n))
    text = summary_text(parameters, targets, result, keys)
    if settings.recovery_checks:
        with tempfile.TemporaryDirectory() as scratch:
            recovery = calibrate.recovery_checks(
                cfg, settings.parameters, settings.holdout, settings.recovery_checks,
                settings.recovery_population_size, settings.generations,
                settings.recovery_max_simulations, settings.replications_per_simulation,
                Path(scratch), workers=cfg.workers)
        tables["calibration_recovery"] = recovery
        text += "\n" + recovery_text(calibrate.coverage_table(recovery))
    return Calibration(results, tables, text)


def recovery_text(coverage: pd.DataFrame) -> str:
    """The printed recovery checks: coverage of the 95 % intervals per parameter."""
    lines = ["Recovery (simulation-based calibration): share of checks whose 95 % interval "
             "holds the true value (about 0.95 expected), mean |error|, mean rank (0.5 "
             "expected)"]
    for row in coverage.itertuples():
        lines.append(f"  {row.parameter:<52} {row.coverage:5.2f} of {row.checks}  "
                     f"|error| {row.mean_abs_error:.4g}  rank {row.mean_rank:.2f}")
    return "\n".join(lines)


def summary_text(parameters: pd.DataFrame, targets: pd.DataFrame, result: calibrate.Fit,
                 keys: tuple[str, ...]) -> str:
    """The printed summary: fitted values, targets against bands, budget and wall time."""
    lines = [f"ABC-SMC (pyabc): {result.simulations} simulations, "
             f"{len(result.history)} generations, final epsilon "
             f"{result.history['epsilon'].iloc[-1]:.3g}, {result.seconds:.0f} s",
             f"Distance targets: {', '.join(keys)}",
             "Fitted parameters: posterior median [95 % interval] (prior range; default)"]
    for row in parameters.itertuples():
        lines.append(f"  {row.parameter:<52} {row.posterior_median:9.4g} "
                     f"[{row.ci_low:.4g}, {row.ci_high:.4g}]  ({row.prior_low:g} to "
                     f"{row.prior_high:g}; {row.default:g})")
    lines.append("Targets: observed | posterior predictive median [95 % band] | at defaults")
    for row in targets.itertuples():
        flag = "consistent" if row.consistent else "NOT consistent"
        lines.append(f"  {row.role:<8}{row.target:<36}{row.observed:9.4g} | "
                     f"{row.simulated_median:9.4g} [{row.band_low:.4g}, {row.band_high:.4g}] | "
                     f"{row.at_defaults:9.4g}  {flag}")
    return "\n".join(lines)

