"""Each strategy at its best: its levers tuned by a maintained optimiser (Optuna).

A strategy's levers are those of the mechanisms it switches on, and its spend cap
(``strategy.spend_cap_gbp_m``), each over its plausible range. Every trial runs
the same replications (common random numbers), so trials differ by their levers,
not their luck; the replications of the search are kept apart from those a
comparison is judged on (``TUNING_FIRST_REPLICATION``), so a tuned strategy is not
judged on the draws it was fitted to (the optimiser's curse).

Trials are proposed ``trials_per_round`` at a time and run in parallel; they are
told to the optimiser in order, so the search is the same for any number of
workers. ``tune`` maximises one outcome (Optuna's TPE sampler, with the default
levers as the first trial); ``pareto_front`` trades several off (NSGA-II, as
many-objective robust decision making does).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import yaml
from joblib import Parallel, delayed

from ..config import ConfigError, RunConfig, ScenarioConfig, StrategyConfig, parse_config, set_at
from ..runner import run_batch
from ..strategy_config import mechanisms_on, strategy_label
from .space import Parameter, levers

TUNING_FIRST_REPLICATION = 100_000  # the search's replications: far from those judged on
SPEND_CAP = "strategy.spend_cap_gbp_m"
TUNED_SUFFIX = "_tuned"

optuna.logging.set_verbosity(optuna.logging.WARNING)


def strategy_levers(strategy: StrategyConfig) -> list[Parameter]:
    """The levers ``strategy``'s own programme sets: its mechanisms' levers and its spend cap.

    Of the levers that act under it (``space.levers(strategy)``), those of a mechanism
    it leaves off (the largest unit any merger may make) are the status quo's rules,
    not its choice: they stay at their defaults. The status quo has none.
    """
    on = mechanisms_on(strategy)
    return [p for p in levers(strategy) if p.path == SPEND_CAP or p.path.split(".")[1] in on]


def with_levers(strategy: StrategyConfig, values: dict[str, float]) -> StrategyConfig:
    """A copy of ``strategy`` with lever paths (``strategy.*``) set, validated."""
    raw = strategy.model_dump()
    by_path = {p.path: p for p in levers()}
    for path, value in values.items():
        if path not in by_path:
            raise ConfigError(f"{path}: not a lever (known: {', '.join(by_path)})")
        value = int(round(value)) if by_path[path].integer else float(value)
        set_at(raw, path.removeprefix("strategy."), value)
    return parse_config(raw, StrategyConfig)


def lever_value(strategy: StrategyConfig, path: str) -> float | None:
    """The strategy's value of the lever at ``path`` (``strategy.*``; None: no cap)."""
    value = strategy
    for key in path.removeprefix("strategy.").split("."):
        value = getattr(value, key)
    return value


def default_values(strategy: StrategyConfig, params: list[Parameter]) -> dict[str, float]:
    """The strategy's own lever values; no cap counts as the top of the cap's range."""
    values = {p.path: lever_value(strategy, p.path) for p in params}
    return {p.path: p.high if values[p.path] is None else values[p.path] for p in params}


def run_strategies(cfg: RunConfig, tasks: list[tuple[ScenarioConfig, StrategyConfig]],
                   replications: list[int]) -> list[pd.DataFrame]:
    """The per-run table of each (scenario, strategy) task over ``replications``, in order."""
    pool = Parallel(n_jobs=cfg.workers)
    return pool(delayed(_runs)(scenario, strategy, cfg.seed, replications, cfg.months)
                for scenario, strategy in tasks)


def _runs(scenario: ScenarioConfig, strategy: StrategyConfig, seed: int, reps: list[int],
          months: int) -> pd.DataFrame:
    return run_batch(scenario, strategy, seed, reps, months, trajectories=0).run


def _distributions(params: list[Parameter]) -> dict[str, optuna.distributions.BaseDistribution]:
    return {p.path: (optuna.distributions.IntDistribution(int(p.low), int(p.high)) if p.integer
                     else optuna.distributions.FloatDistribution(p.low, p.high))
            for p in params}


def _search(cfg: RunConfig, strategy: StrategyConfig, study: optuna.Study, trials: int,
            per_round: int, replications: list[int], fixed: dict[str, float],
            score) -> pd.DataFrame:
    """Ask, run and tell ``trials`` trials in rounds; one row per trial with its mean outcomes."""
    params = [p for p in strategy_levers(strategy) if p.path not in fixed]
    space = _distributions(params)
    rows = []
    for start in range(0, trials, per_round):
        asked = [study.ask(space) for _ in range(min(per_round, trials - start))]
        strategies = [with_levers(strategy, {**t.params, **fixed}) for t in asked]
        parts = run_strategies(cfg, [(cfg.scenario, s) for s in strategies], replications)
        for trial, runs in zip(asked, parts, strict=True):
            means = runs.mean(numeric_only=True)
            value = score(means)
            if not np.all(np.isfinite(value)):
                raise ConfigError(f"experiment: an objective is undefined in these runs "
                                  f"({value}); a year-10 share needs months >= 120")
            study.tell(trial, value)
            rows.append({"trial": trial.number, **trial.params, **fixed,
                         **{f"mean_{k}": v for k, v in means.items()
                            if k not in ("replication", "seed")}})
    return pd.DataFrame(rows)


def tune(cfg: RunConfig, strategy: StrategyConfig, objective: str, trials: int,
         replications: int, per_round: int, seed: int,
         spend_cap: float | None = None) -> tuple[StrategyConfig, pd.DataFrame]:
    """The strategy's levers that maximise the mean of ``objective`` (TPE, seeded).

    The first trial is the strategy's default levers, so the tuned strategy is
    never worse than the default on the search's replications.

    Returns:
        (the tuned strategy, named ``<name>_tuned``; one row per trial).
    """
    params = strategy_levers(strategy)
    fixed = {} if spend_cap is None else {SPEND_CAP: spend_cap}
    if not params:
        return strategy, pd.DataFrame()
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(10, trials))
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.enqueue_trial({k: v for k, v in default_values(strategy, params).items()
                         if k not in fixed})
    reps = list(range(TUNING_FIRST_REPLICATION, TUNING_FIRST_REPLICATION + replications))
    history = _search(cfg, strategy, study, trials, per_round, reps, fixed,
                      lambda means: float(means[objective]))
    chosen = {k: round(v, 4) if isinstance(v, float) else v
              for k, v in study.best_trial.params.items()}  # as its config file holds them
    best = with_levers(strategy, {**chosen, **fixed})
    tuned = best.model_copy(update={"name": strategy.name + TUNED_SUFFIX,
                                    "label": f"{strategy_label(strategy)} (tuned)"})
    history.insert(0, "strategy", strategy.name)
    history["best"] = history["trial"] == study.best_trial.number
    return tuned, history


def pareto_front(cfg: RunConfig, strategy: StrategyConfig, objectives: tuple[str, ...],
                 minimised: tuple[str, ...], trials: int, replications: int, per_round: int,
                 seed: int) -> pd.DataFrame:
    """Trials of an NSGA-II search over the levers; ``on_front`` marks the non-dominated ones."""
    params = strategy_levers(strategy)
    if not params or trials == 0:
        return pd.DataFrame()
    directions = ["minimize" if o in minimised else "maximize" for o in objectives]
    sampler = optuna.samplers.NSGAIISampler(seed=seed, population_size=max(per_round, 8))
    study = optuna.create_study(directions=directions, sampler=sampler)
    study.enqueue_trial(default_values(strategy, params))
    reps = list(range(TUNING_FIRST_REPLICATION, TUNING_FIRST_REPLICATION + replications))
    history = _search(cfg, strategy, study, trials, per_round, reps, {},
                      lambda means: [float(means[o]) for o in objectives])
    front = {t.number for t in study.best_trials}
    history.insert(0, "strategy", strategy.name)
    history["on_front"] = history["trial"].isin(front)
    return history


def strategy_yaml(tuned: StrategyConfig, note: str) -> str:
    """A Hydra strategy config (``configs/strategy/<name>.yaml``) holding the tuned levers."""
    body: dict = {"name": tuned.name, "label": tuned.label}
    for mechanism in mechanisms_on(tuned):
        body[mechanism] = {"enabled": True} | {
            p.path.rsplit(".", 1)[1]: lever_value(tuned, p.path)
            for p in strategy_levers(tuned) if p.path.split(".")[1] == mechanism}
    if tuned.spend_cap_gbp_m is not None:
        body["spend_cap_gbp_m"] = float(tuned.spend_cap_gbp_m)
    header = "".join(f"# {line}\n" for line in note.splitlines())
    defaults = {"defaults": ["/defaults/strategy@_here_", "_self_"]}
    return header + yaml.safe_dump(defaults, sort_keys=False) + yaml.safe_dump(
        _rounded(body), sort_keys=False)


def _rounded(value):
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, float):
        return float(np.round(value, 4))
    return value


def write_strategies(folder: Path, files: dict[str, str]) -> None:
    """Write the tuned strategy configs (name -> YAML text) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text)
