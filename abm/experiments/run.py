"""Run a configured experiment: dispatch on its name, return results, tables and text."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from ..config import RunConfig
from ..runner import Results, run_experiment
from ..summary import appraisal_table, format_appraisal, format_summary, summary_table
from . import bass_fit, compare, discovery, hindcast, sensitivity, space, win_map
from .samples import require_outcomes
from .settings import (
    BassFit,
    Calibrate,
    CompareStrategies,
    Hindcast,
    RobustComparison,
    ScenarioDiscovery,
    Sensitivity,
    WinMap,
)


@dataclass
class Outcome:
    """What an experiment produced: the runs, its own tables, and a text summary."""

    results: Results
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    text: str = ""


def _point_results(runs: pd.DataFrame, seconds: float) -> Results:
    """Results of a many-point experiment: the per-run table only (no trajectories)."""
    empty = pd.DataFrame()
    return Results(steps=empty, innovation_steps=empty, icb_steps=empty, runs=runs,
                   run_innovations=empty, seconds=seconds)


def run_configured(cfg: RunConfig, experiment, progress: bool = False,
                   output_dir: Path | None = None) -> Outcome:
    """Run ``experiment`` (a validated settings object) on the base configuration ``cfg``.

    ``output_dir`` is where an experiment that keeps working files (the calibration's
    pyabc database) puts them; a temporary directory when None.
    """
    start = time.perf_counter()
    if isinstance(experiment, Calibrate):
        from .predictive import run_calibration  # imports pyabc only when calibrating

        done = run_calibration(cfg, experiment, output_dir, progress)
        # The manifest's time is the whole experiment's: the fit and the predictive runs.
        results = replace(done.results, seconds=time.perf_counter() - start)
        return Outcome(results, done.tables, done.text)
    if isinstance(experiment, Hindcast):
        from .calibrate import status_quo

        status_quo(cfg, "hindcast")
        results = run_experiment(cfg, progress=progress)
        tables = hindcast.tables(results.innovation_steps, cfg)
        text = format_summary(summary_table(results.runs, results.run_innovations), cfg)
        return Outcome(results, tables, text + "\n\n" + hindcast.format_bands(tables["hindcast"]))
    if isinstance(experiment, (CompareStrategies, BassFit)):
        results = run_experiment(cfg, progress=progress)
        text = format_summary(summary_table(results.runs, results.run_innovations), cfg)
        if isinstance(experiment, BassFit):
            table = bass_fit.bass_fit(results.innovation_steps, experiment.interval)
            return Outcome(results, {"bass_fit": table}, text + "\n\n" + _format_bass(table))
        tables, extra = compare.compare(results, experiment.outcomes, experiment.baseline,
                                        experiment.interval)
        text += "\n\n" + format_appraisal(appraisal_table(results.runs, experiment.baseline), cfg)
        return Outcome(results, tables, text + ("\n\n" + extra if extra else ""))
    if isinstance(experiment, (WinMap, Sensitivity)):
        require_outcomes([experiment.outcome], "experiment.outcome")
    if isinstance(experiment, ScenarioDiscovery):
        require_outcomes(experiment.outcomes, "experiment.outcomes")
    if isinstance(experiment, RobustComparison):
        require_outcomes([experiment.objective], "experiment.objective")
        require_outcomes(experiment.robustness_outcomes, "experiment.robustness_outcomes")
        require_outcomes(experiment.pareto_objectives, "experiment.pareto_objectives")
        return _robust(cfg, experiment, progress, start, output_dir)
    if isinstance(experiment, WinMap):
        table, runs = win_map.win_map(cfg, experiment.x, list(experiment.x_values), experiment.y,
                                      list(experiment.y_values), experiment.outcome,
                                      experiment.interval, progress)
        text = win_map.format_win_map(table) + "\n\n" + win_map.tally(table).to_string(
            index=False)
        design = space.design_table("grid", [experiment.x, experiment.y], cfg.strategies)
        return Outcome(_point_results(runs, time.perf_counter() - start),
                       {"win_map": table, "design": design}, text)
    if isinstance(experiment, Sensitivity):
        return _sensitivity(cfg, experiment, progress, start)
    if isinstance(experiment, ScenarioDiscovery):
        params = list(experiment.parameters) if experiment.parameters else None
        boxes, runs = discovery.discover(
            cfg, experiment.outcomes, experiment.points, params, experiment.margin,
            experiment.depth, experiment.sampling_seed, progress, experiment.levers)
        sampled = [p.path for p in discovery.sampled(cfg, params, experiment.levers)]
        design = space.design_table("latin_hypercube", sampled, cfg.strategies)
        return Outcome(_point_results(runs, time.perf_counter() - start),
                       {"discovery": boxes, "design": design}, _format_boxes(boxes))
    raise TypeError(f"unknown experiment {experiment!r}")


def _robust(cfg: RunConfig, settings: RobustComparison, progress: bool, start: float,
            output_dir: Path | None) -> Outcome:
    from .policy_search import write_strategies  # imports Optuna only when searching
    from .robust import robust_comparison

    done = robust_comparison(cfg, settings, progress)
    text = done.text
    if output_dir is not None:
        write_strategies(output_dir / "strategy", done.strategy_files)
        text += (f"\nTuned strategy configs: {output_dir / 'strategy'} (copy one into "
                 "configs/strategy/ to run it by name)")
    return Outcome(_point_results(done.runs, time.perf_counter() - start), done.tables, text)


def _sensitivity(cfg: RunConfig, settings: Sensitivity, progress: bool, start: float) -> Outcome:
    params = list(settings.parameters) if settings.parameters else None
    morris, runs = sensitivity.morris(cfg, settings.outcome, settings.morris_trajectories,
                                      settings.morris_levels, params, settings.sampling_seed,
                                      progress)
    screened = [p.path for p in sensitivity.screened(cfg, params)]
    tables = {"sensitivity": morris,
              "design": space.design_table("morris", screened, cfg.strategies)}
    lines = ["Morris screening (mu*: mean absolute elementary effect), top 10 per target:"]
    for target, group in morris.groupby("outcome", sort=False):
        top = group.nlargest(10, "mu_star")
        lines.append(f"  {target}: " + ", ".join(
            f"{p.rsplit('.', 1)[-1]} {m:.3g}" for p, m in zip(top["parameter"], top["mu_star"],
                                                             strict=True)))
    if settings.sobol_parameters:
        chosen = sensitivity.top_parameters(morris, settings.sobol_parameters)
        sobol, convergence, sobol_runs = sensitivity.sobol(
            cfg, chosen, settings.outcome, settings.sobol_base_samples,
            settings.sampling_seed, progress)
        tables["sensitivity"] = pd.concat([morris, sobol], ignore_index=True)
        tables["sobol_convergence"] = convergence
        tables["design"] = pd.concat([tables["design"], space.design_table(
            "sobol", chosen, cfg.strategies)], ignore_index=True)
        sobol_runs = sobol_runs.assign(point=sobol_runs["point"] + runs["point"].max() + 1)
        runs = pd.concat([runs.assign(design="morris"), sobol_runs.assign(design="sobol")],
                         ignore_index=True)
        lines.append(f"Sobol on {', '.join(chosen)} (N = {settings.sobol_base_samples}):")
        for row in sobol.itertuples():
            lines.append(f"  {row.outcome}, {row.parameter}: S1 {row.S1:.3f} "
                         f"+/- {row.S1_conf:.3f}, ST {row.ST:.3f} +/- {row.ST_conf:.3f}")
    return Outcome(_point_results(runs, time.perf_counter() - start), tables, "\n".join(lines))


def _format_boxes(boxes: pd.DataFrame) -> str:
    lines = ["Where each strategy fails (does no better than the status quo) and where it "
             "wins: CART boxes"]
    for (outcome, strategy), group in boxes.groupby(["outcome", "strategy"], sort=False):
        share = group["share_of_points_failing"].iloc[0]
        points = int(group["points"].sum())
        lines.append(f"  {outcome}, {strategy}: fails at {round(share * points)} of {points} "
                     f"points ({share:.1%})")
        for row in group[group["failures"] > 0].head(3).itertuples():
            lines.append(f"    fails: density {row.density:.0%}, coverage {row.coverage:.0%}: "
                         f"{row.rule}")
        wins = group[group["failures"] < group["points"]].sort_values("density", kind="stable")
        for row in wins.head(1).itertuples():
            lines.append(f"    wins:  at {row.points - row.failures} of {row.points} points "
                         f"({1 - row.density:.0%}): {row.rule}")
    return "\n".join(lines)


def _format_bass(table: pd.DataFrame) -> str:
    lines = ["Bass fit to adoption (share of relevant trusts that have started), per year: "
             "median over innovations of the mean over replications",
             f"  literature means (facts.csv): p {table['literature_p'].iloc[0]:.3f}, "
             f"q {table['literature_q'].iloc[0]:.3f}"]
    for strategy, group in table.groupby("strategy", sort=False):
        fitted = int(group["p"].notna().sum())
        lines.append(f"  {strategy:<15} p {group['p'].median():.3f}  q {group['q'].median():.3f}"
                     f"  m {group['m'].median():.2f}  ({fitted} of {len(group)} innovations "
                     "fitted; the others have no adopters or no fit in any replication)")
    return "\n".join(lines)
