"""A comparison a researcher can defend: each strategy at its best, at equal cost, in many futures.

The experiment (``experiment=robust_comparison``) runs five parts on the same
model and seed:

1. **Policy search** (``policy_search.tune``): each strategy's levers tuned for the
   objective (net present social value by default), saved as strategy configs.
2. **Pareto fronts** (``policy_search.pareto_front``): the levers that trade the
   objectives off (NPSV, adoption, inequality between ICBs, cost).
3. **Cost-effectiveness frontier**: each tuned strategy under a range of spend caps,
   its extra present value of benefit against its extra present cost over the
   status quo, so strategies can be read at the same cost.
4. **Robustness under deep uncertainty**: a Latin hypercube of futures over every
   uncertainty (and posterior draws when the run has them); in each, every strategy
   at default and at tuned levers. Per strategy: regret against the best strategy of
   its lever set in each future, and the share of futures in which it beats the
   status quo by ``margin`` (satisficing), with intervals; scenario discovery
   (CART boxes) of where each fails and where each is best.
5. **Best and worst cases**: a directed search (Optuna) over the uncertainties that
   most move each strategy's lead over the best other strategy, from the futures
   where that lead is largest and smallest.

Every part uses common random numbers. The search's replications are apart from
those judged on (``policy_search.TUNING_FIRST_REPLICATION``). The futures are one
design for every strategy, over the uncertainties that act under at least one
(regret compares the strategies future by future); a box or a directed search
uses only the uncertainties that act under the strategies it compares. The
``design`` table lists, per strategy, which of the futures' uncertainties act under
it and which levers its search tuned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import optuna
import pandas as pd
from scipy import stats as sps

from ..collect import YEAR_CHECKPOINTS
from ..config import BASELINE_STRATEGY, ConfigError, RunConfig, StrategyConfig
from ..posterior import load_posterior
from . import stats
from .discovery import everywhere, find_boxes, latin_hypercube
from .policy_search import (
    SPEND_CAP,
    TUNED_SUFFIX,
    lever_value,
    pareto_front,
    run_strategies,
    strategy_levers,
    strategy_yaml,
    tune,
    with_levers,
)
from .samples import run_points
from .settings import MINIMISED, RobustComparison
from .space import Parameter, acting, design_table, shared, uncertainties, with_values

DEFAULT, TUNED = "default", "tuned"


@dataclass
class Robust:
    """What the experiment produced."""

    tables: dict[str, pd.DataFrame]
    runs: pd.DataFrame  # the futures' runs
    text: str
    strategy_files: dict[str, str]  # tuned strategy name -> its config file's text


def lever_set(strategy: str) -> str:
    """Which levers a strategy of the futures table runs at."""
    return TUNED if strategy.endswith(TUNED_SUFFIX) else DEFAULT


def members_of(columns, levers: str) -> list[str]:
    """The status quo and the strategies of one lever set, in the order of ``columns``."""
    return [c for c in columns if c == BASELINE_STRATEGY or lever_set(c) == levers]


def base_name(strategy: str) -> str:
    """The strategy's name without the tuned suffix."""
    return strategy.removesuffix(TUNED_SUFFIX)


def judged_replications(n: int) -> list[int]:
    """The replications a comparison is judged on: 0, ..., n - 1."""
    return list(range(n))


# ---------------------------------------------------------------- 1-2: search

def tune_all(cfg: RunConfig, s: RobustComparison) -> tuple[list, pd.DataFrame, dict[str, str]]:
    """Every strategy but the status quo, tuned; their trials; their config files."""
    tuned, histories, files = [], [], {}
    for i, strategy in enumerate(cfg.strategies):
        if strategy.name == BASELINE_STRATEGY:
            continue
        best, history = tune(cfg, strategy, s.objective, s.tuning_trials,
                             s.tuning_replications, s.trials_per_round, s.sampling_seed + i,
                             s.tuning_spend_cap_gbp_m)
        tuned.append(best)
        histories.append(history)
        note = (f"{best.label}: levers tuned by nhs-abm experiment=robust_comparison to maximise "
                f"the mean {s.objective}\n"
                f"(seed {cfg.seed}, {s.tuning_trials} trials x {s.tuning_replications} "
                f"replications, scenario {cfg.scenario.name}). Run it with\n"
                f"  nhs-abm strategy={best.name}")
        files[best.name] = strategy_yaml(best, note)
    return tuned, pd.concat(histories, ignore_index=True), files


def pareto_all(cfg: RunConfig, s: RobustComparison) -> pd.DataFrame:
    """Each strategy's NSGA-II trials, with its non-dominated ones marked."""
    parts = [pareto_front(cfg, strategy, s.pareto_objectives, MINIMISED, s.pareto_trials,
                          s.pareto_replications, s.trials_per_round, s.sampling_seed + 100 + i)
             for i, strategy in enumerate(cfg.strategies) if strategy.name != BASELINE_STRATEGY]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


# ---------------------------------------------------------------- 3: frontier

def frontier(cfg: RunConfig, tuned: list, s: RobustComparison) -> pd.DataFrame:
    """Extra present benefit against extra present cost of each tuned strategy, by spend cap."""
    reps = judged_replications(s.frontier_replications)
    baseline = next(x for x in cfg.strategies if x.name == BASELINE_STRATEGY)
    caps: list[float | None] = [*s.frontier_caps_gbp_m, None]
    tasks = [(cfg.scenario, baseline)] + [
        (cfg.scenario, strategy.model_copy(update={"spend_cap_gbp_m": cap}) if cap is None
         else with_levers(strategy, {SPEND_CAP: cap}))
        for strategy in tuned for cap in caps]
    parts = run_strategies(cfg, tasks, reps)
    base = parts[0].set_index("replication")
    rows = []
    for k, (strategy, cap) in enumerate((t, c) for t in tuned for c in caps):
        runs = parts[k + 1].set_index("replication")
        row = {"strategy": base_name(strategy.name),
               "spend_cap_gbp_m": np.nan if cap is None else cap,
               "capped": cap is not None, "replications": len(runs),
               "strategy_spend_gbp_m": runs["strategy_spend_gbp_m"].mean(),
               "embedded_share_y10": runs["embedded_share_y10"].mean()}
        for column, name in (("pv_cost_gbp_m", "extra_pv_cost_gbp_m"),
                             ("pv_benefit_gbp_m", "extra_pv_benefit_gbp_m"),
                             ("npsv_gbp_m", "extra_npsv_gbp_m")):
            found = stats.interval((runs[column] - base[column]).to_numpy())
            row.update({name: found.mean, f"{name}_low": found.low, f"{name}_high": found.high})
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- 4: futures

def futures(cfg: RunConfig, s: RobustComparison) -> tuple[list[dict], list[str]]:
    """The futures: Latin-hypercube points, then posterior draws; and each one's kind."""
    points = latin_hypercube(shared(uncertainties(), cfg.strategies), s.futures, s.sampling_seed)
    kinds = ["latin_hypercube"] * len(points)
    if cfg.posterior is not None and s.posterior_futures:
        draws = load_posterior(cfg.posterior)
        for d in range(min(s.posterior_futures, len(draws))):
            points.append(draws.values_of(d))
            kinds.append("posterior")
    return points, kinds


def future_means(runs: pd.DataFrame, objective: str) -> pd.DataFrame:
    """(future x strategy) mean of the objective over the judged replications."""
    return runs.pivot_table(index="point", columns="strategy", values=objective, sort=False)


def regret_table(means: pd.DataFrame, kinds: pd.Series, margin: float) -> pd.DataFrame:
    """Regret, satisficing and being best, per strategy, lever set and kind of future.

    Regret in a future is the best mean of the strategies of the same lever set
    (the status quo belongs to both) less the strategy's. A strategy satisfices when
    its mean beats the status quo's by more than ``margin``. Shares carry Wilson
    95 % intervals over futures; mean regret a t-interval.
    """
    rows = []
    for levers in (DEFAULT, TUNED):
        members = members_of(means.columns, levers)
        if len(members) < 2:
            continue
        block = means[members]
        best = block.max(axis=1)
        for kind in kinds.unique():
            inside = (kinds == kind).to_numpy()
            for strategy in members:
                values = block.loc[inside, strategy]
                regret = (best[inside] - values).to_numpy()
                advantage = (values - block.loc[inside, BASELINE_STRATEGY]).to_numpy()
                n = len(values)
                mean_regret = stats.interval(regret, "bootstrap")  # regret is never negative
                row = {"levers": levers, "futures_kind": kind, "strategy": base_name(strategy),
                       "futures": n, "mean_regret": mean_regret.mean,
                       "mean_regret_low": mean_regret.low, "mean_regret_high": mean_regret.high,
                       "p90_regret": float(np.quantile(regret, 0.9)),
                       "max_regret": float(regret.max()),
                       "mean_advantage": float(advantage.mean())}
                if strategy != BASELINE_STRATEGY:
                    row.update(_share("satisficing", int((advantage > margin).sum()), n))
                row.update(_share("best", int((regret <= 0.0).sum()), n))
                rows.append(row)
    return pd.DataFrame(rows)


def _better_higher(means: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Means with the sign turned where less is better, so that regret is always a loss."""
    return -means if outcome in MINIMISED else means


def _share(name: str, k: int, n: int) -> dict[str, float]:
    ci = sps.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return {f"{name}_share": k / n, f"{name}_share_low": ci.low, f"{name}_share_high": ci.high}


def _columns(points: pd.DataFrame, names: list[str],
             strategies: dict[str, StrategyConfig] | None) -> list[str]:
    """The uncertainties of ``points`` that act under the named strategies (None: all)."""
    if strategies is None:
        return list(points.columns)
    return acting(points.columns, [strategies[name] for name in names])


def discovery_boxes(points: pd.DataFrame, means: pd.DataFrame, margin: float, depth: int,
                    strategies: dict[str, StrategyConfig] | None = None) -> pd.DataFrame:
    """CART boxes of where each strategy fails against the status quo and where it is best.

    With ``strategies`` (name -> config), a box of where a strategy fails splits only
    on the uncertainties that act under it or the status quo, and one of where it is
    best on those that act under a member of its lever set: nothing else moves the flag.
    """
    boxes = []
    for levers in (DEFAULT, TUNED):
        members = members_of(means.columns, levers)
        best = means[members].max(axis=1)
        for strategy in members:
            if strategy == BASELINE_STRATEGY:
                continue
            advantage = means[strategy] - means[BASELINE_STRATEGY]
            for judged, flag, read in (
                    ("fails", advantage <= margin, [strategy, BASELINE_STRATEGY]),
                    ("best", means[strategy] >= best, members)):
                flags, columns = flag.to_numpy(), _columns(points, read, strategies)
                if flags.all() or not flags.any() or not columns:
                    found = everywhere(flags)
                else:
                    found = find_boxes(points[columns], flags, depth)
                boxes.append(found.rename(columns={"failures": "matches"}).assign(
                    levers=levers, strategy=base_name(strategy), judged=judged,
                    share_of_futures=float(flags.mean())))
    columns = ["levers", "strategy", "judged", "share_of_futures", "rule", "points", "matches",
               "density", "coverage"]
    return pd.concat(boxes, ignore_index=True)[columns]


# ---------------------------------------------------------------- 5: extremes

def lead(means: pd.DataFrame, strategy: str, members: list[str]) -> pd.Series:
    """The strategy's mean less the best mean of the other members, per future."""
    others = [m for m in members if m != strategy]
    return means[strategy] - means[others].max(axis=1)


def influential(points: pd.DataFrame, target: pd.Series, k: int) -> list[str]:
    """The ``k`` uncertainties with the largest absolute rank correlation with ``target``."""
    strength = {}
    for column in points.columns:
        rho = sps.spearmanr(points[column], target).statistic
        strength[column] = 0.0 if np.isnan(rho) else abs(rho)
    return sorted(strength, key=lambda c: (-strength[c], c))[:k]


def extremes(cfg: RunConfig, tuned: list, points: pd.DataFrame, means: pd.DataFrame,
             s: RobustComparison) -> pd.DataFrame:
    """Directed search for each tuned strategy's best and worst conditions against the others.

    For each strategy and direction, Optuna's TPE varies the ``extreme_parameters``
    uncertainties most correlated with the strategy's lead across the futures,
    starting from the future where the lead is largest (best) or smallest (worst),
    the other uncertainties held at that future's values. Every trial runs the
    status quo and every tuned strategy on the same replications.
    """
    if s.extreme_trials == 0:
        return pd.DataFrame()
    baseline = next(x for x in cfg.strategies if x.name == BASELINE_STRATEGY)
    contest = cfg.model_copy(update={"strategies": (baseline, *tuned)})
    members = [BASELINE_STRATEGY, *(t.name for t in tuned)]
    by_name = {x.name: x for x in contest.strategies}
    by_path = {p.path: p for p in uncertainties()}
    reps = judged_replications(s.extreme_replications)
    rows = []
    for i, strategy in enumerate(tuned):
        target = lead(means, strategy.name, members)
        varied = influential(points[_columns(points, members, by_name)], target,
                             s.extreme_parameters)
        for j, direction in enumerate(("best", "worst")):
            start = int(target.idxmax() if direction == "best" else target.idxmin())
            held = {path: int(round(v)) if by_path[path].integer else v
                    for path, v in points.loc[start].items()}
            study = optuna.create_study(
                direction="maximize" if direction == "best" else "minimize",
                sampler=optuna.samplers.TPESampler(seed=s.sampling_seed + 200 + 2 * i + j,
                                                   n_startup_trials=min(8, s.extreme_trials)))
            space = {path: _distribution(by_path[path]) for path in varied}
            study.enqueue_trial({path: held[path] for path in varied})
            for first in range(0, s.extreme_trials, s.trials_per_round):
                asked = [study.ask(space) for _ in
                         range(min(s.trials_per_round, s.extreme_trials - first))]
                configs = [with_values(contest, {**held, **t.params}) for t in asked]
                tasks = [(c.scenario, member) for c in configs for member in c.strategies]
                parts = run_strategies(cfg, tasks, reps)
                for a, trial in enumerate(asked):
                    chunk = parts[a * len(members):(a + 1) * len(members)]
                    trial_means = {m: float(p[s.objective].mean())
                                   for m, p in zip(members, chunk, strict=True)}
                    value = trial_means[strategy.name] - max(
                        v for m, v in trial_means.items() if m != strategy.name)
                    study.tell(trial, value)
                    winner = max(trial_means, key=trial_means.get)
                    rows.append({"strategy": base_name(strategy.name), "direction": direction,
                                 "trial": trial.number, "lead": value,
                                 "searched": " ".join(varied),
                                 "start_future": start, "start_lead": float(target[start]),
                                 "winner": base_name(winner),
                                 **{f"mean_{m}": v for m, v in trial_means.items()},
                                 **trial.params})
    table = pd.DataFrame(rows)
    chosen = table.groupby(["strategy", "direction"], sort=False)["lead"]
    table["found"] = np.where(table["direction"] == "best",
                              table["lead"] == chosen.transform("max"),
                              table["lead"] == chosen.transform("min"))
    return table


def _distribution(p: Parameter) -> optuna.distributions.BaseDistribution:
    if p.integer:
        return optuna.distributions.IntDistribution(int(p.low), int(p.high))
    return optuna.distributions.FloatDistribution(p.low, p.high)


# ---------------------------------------------------------------- the whole

def robust_comparison(cfg: RunConfig, s: RobustComparison, progress: bool = False) -> Robust:
    """Run every part; see the module's docstring.

    Raises:
        ConfigError: If the status quo or every other strategy is missing.
    """
    names = [x.name for x in cfg.strategies]
    if BASELINE_STRATEGY not in names or len(names) < 2:
        raise ConfigError("robust_comparison: needs the status quo and at least one other "
                          f"strategy (strategy=all); got {names}")
    _require_checkpoints(cfg, s)
    tuned, tuning, files = tune_all(cfg, s)
    pareto = pareto_all(cfg, s)
    cost_frontier = frontier(cfg, tuned, s)
    sample, kinds = futures(cfg, s)
    both = cfg.model_copy(update={"strategies": (*cfg.strategies, *tuned),
                                  "replications": s.future_replications,
                                  "first_replication": 0})
    runs = run_points(both, sample, progress)  # futures set no lever: tuned levers stay
    runs["futures_kind"] = runs["point"].map(dict(enumerate(kinds)))
    means = future_means(runs, s.objective)
    kind_of = pd.Series(kinds, index=range(len(kinds))).loc[means.index]
    regret = pd.concat([regret_table(_better_higher(future_means(runs, outcome), outcome),
                                     kind_of, s.margin).assign(outcome=outcome)
                        for outcome in dict.fromkeys((s.objective, *s.robustness_outcomes))],
                       ignore_index=True)
    lhs = (kind_of == "latin_hypercube").to_numpy()
    points = pd.DataFrame(sample[:int(lhs.sum())])
    points.index = means.index[lhs]
    strategies = {x.name: x for x in both.strategies}
    boxes = discovery_boxes(points, means[lhs], s.margin, s.depth, strategies)
    extreme = extremes(cfg, tuned, points, means[lhs], s)
    tables = {"tuning": tuning, "pareto": pareto, "frontier": cost_frontier, "robustness": regret,
              "robust_boxes": boxes, "extremes": extreme,
              "tuned_levers": _tuned_table(tuned, cfg),
              "design": _design(list(points.columns), both.strategies)}
    tables = {k: v for k, v in tables.items() if len(v)}
    return Robust(tables, runs, format_robust(tables, s), files)


def _require_checkpoints(cfg: RunConfig, s: RobustComparison) -> None:
    """Refuse, before anything runs, an outcome measured at a month the runs do not reach."""
    fields = {"objective": (s.objective,), "pareto_objectives": s.pareto_objectives,
              "robustness_outcomes": s.robustness_outcomes}
    for field, outcomes in fields.items():
        for outcome in outcomes:
            for label, month in YEAR_CHECKPOINTS.items():
                if outcome.endswith(f"_{label}") and cfg.months < month:
                    raise ConfigError(f"experiment.{field}: {outcome} is measured at month "
                                      f"{month}, after the run's {cfg.months} months")


def _design(futures: list[str], strategies: tuple[StrategyConfig, ...]) -> pd.DataFrame:
    """The futures' shared design, and the levers each strategy's search tuned."""
    searched = [x for x in strategies if not x.name.endswith(TUNED_SUFFIX) and strategy_levers(x)]
    tuning = [design_table("tuning", [p.path for p in strategy_levers(x)], [x]) for x in searched]
    return pd.concat([design_table("futures", futures, strategies), *tuning],
                     ignore_index=True)


def _tuned_table(tuned: list, cfg: RunConfig) -> pd.DataFrame:
    rows = []
    by_name = {x.name: x for x in cfg.strategies}
    for strategy in tuned:
        default = by_name[base_name(strategy.name)]
        for p in strategy_levers(strategy):
            before = lever_value(default, p.path)
            rows.append({"strategy": base_name(strategy.name), "lever": p.path,
                         "default": np.nan if before is None else float(before),
                         "tuned": float(lever_value(strategy, p.path)),
                         "low": p.low, "high": p.high})
    return pd.DataFrame(rows)


def format_robust(tables: dict[str, pd.DataFrame], s: RobustComparison) -> str:
    """The experiment's findings, for the terminal."""
    lines = [f"Robust comparison on {s.objective} (GBP m where money; advantage over the "
             "status quo unless said)."]
    if "tuned_levers" in tables:
        lines.append("Tuned levers (default -> tuned):")
        for strategy, group in tables["tuned_levers"].groupby("strategy", sort=False):
            lines.append(f"  {strategy}: " + "; ".join(
                f"{r.lever.rsplit('.', 1)[-1]} {_num(r.default)} -> {_num(r.tuned)}"
                for r in group.itertuples()))
    if "frontier" in tables:
        lines.append("Cost-effectiveness frontier (tuned levers; extra PV cost -> extra PV "
                     "benefit, by spend cap):")
        for strategy, group in tables["frontier"].groupby("strategy", sort=False):
            lines.append(f"  {base_name(strategy)}: " + "; ".join(
                f"{'none' if not r.capped else f'{r.spend_cap_gbp_m:g}'}: "
                f"{r.extra_pv_cost_gbp_m:.0f} -> {r.extra_pv_benefit_gbp_m:.0f}"
                for r in group.itertuples()))
    if "robustness" in tables:
        lines.append(f"Across the futures (satisficing: beats the status quo by more than "
                     f"{s.margin:g}; 95 % intervals):")
        for r in tables["robustness"].itertuples():
            if r.outcome != s.objective:
                continue
            satisficing = "" if r.strategy == BASELINE_STRATEGY else (
                f"satisfices {r.satisficing_share:.0%} [{r.satisficing_share_low:.0%}, "
                f"{r.satisficing_share_high:.0%}], ")
            lines.append(f"  {r.levers:<8}{r.futures_kind:<16}{r.strategy:<15}{satisficing}"
                         f"best {r.best_share:.0%}, mean regret {r.mean_regret:.0f} "
                         f"[{r.mean_regret_low:.0f}, {r.mean_regret_high:.0f}], "
                         f"max regret {r.max_regret:.0f}")
    if "robustness" in tables:
        other = tables["robustness"][(tables["robustness"]["outcome"] != s.objective)
                                     & (tables["robustness"]["strategy"] != BASELINE_STRATEGY)]
        for (outcome, levers), group in other.groupby(["outcome", "levers"], sort=False):
            lines.append(f"  on {outcome}, {levers} levers, satisfices / best: " + "; ".join(
                f"{r.strategy} {r.satisficing_share:.0%} / {r.best_share:.0%}"
                for r in group[group["futures_kind"] == "latin_hypercube"].itertuples()))
    if "extremes" in tables:
        lines.append("Best and worst conditions found (lead over the best other strategy):")
        found = tables["extremes"][tables["extremes"]["found"]]
        for r in found.drop_duplicates(["strategy", "direction"]).itertuples():
            lines.append(f"  {r.strategy:<15}{r.direction:<6} lead {r.lead:.0f} (from "
                         f"{r.start_lead:.0f} in the futures); winner there: {r.winner}")
    return "\n".join(lines)


def _num(value: float) -> str:
    return "none" if value is None or (isinstance(value, float) and np.isnan(value)) else \
        f"{value:.4g}"


__all__ = ["SPEND_CAP", "Robust", "robust_comparison"]
