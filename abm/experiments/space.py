"""The parameter space: uncertainties (conditions nobody controls) and levers (strategy).

As in EMA Workbench, an experiment separates the **uncertainties** (every
scenario parameter with a plausible range in the parameter table: pressure,
maturity, elections, budgets ...; and how strongly each mechanism works, such as
the scaler's learning exponent or a merger's disruption, declared
``kind="uncertainty"`` in its strategy block) from the **levers** (what a
policymaker sets: contract terms, platform budget, merger programme size and
targeting). Ranges come from the ``plausible`` metadata of the typed
configuration, the same numbers as ``docs/parameters.md``. Values are applied by rebuilding the
validated config (``abm.config.with_values``), so a sampled value outside what the model
allows is refused.

A strategy's own design holds only the parameters that act under it: a mechanism's
setting marked ``acts="when_on"`` acts only when the strategy switches the
mechanism on (the scaler's, the platform's, the merger programme's rate); one
marked ``acts="always"`` acts in every strategy (how every merger works,
background mergers included). Under a strategy, a parameter that does not act
changes no number: the mechanism is neutral and its random streams are its own.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..config import (
    ConfigError,
    Parameter,
    StrategyConfig,
    find_parameter,
    parameters,
    shipped_strategies,
    with_values,
)

__all__ = ["Parameter", "acting", "acts_under", "design_table", "find", "levers",
           "observations", "shared", "uncertainties", "with_values"]

find = find_parameter


def _strategy(strategy: StrategyConfig | str | None) -> StrategyConfig | None:
    """The strategy config of a name (a shipped strategy), a config, or None."""
    if strategy is None or isinstance(strategy, StrategyConfig):
        return strategy
    shipped = shipped_strategies()
    if strategy not in shipped:
        raise ConfigError(f"strategy: got {strategy!r}; allowed: {', '.join(shipped)}")
    return shipped[strategy]


def acts_under(parameter: Parameter, strategy: StrategyConfig | str | None) -> bool:
    """Whether ``parameter`` changes anything under ``strategy`` (None: any strategy)."""
    strategy = _strategy(strategy)
    if strategy is None or not parameter.needs:
        return True
    return any(getattr(strategy, mechanism).enabled for mechanism in parameter.needs)


def _of_kind(kind: str, strategy: StrategyConfig | str | None) -> list[Parameter]:
    strategy = _strategy(strategy)
    return [p for p in parameters() if p.kind == kind and acts_under(p, strategy)]


def uncertainties(strategy: StrategyConfig | str | None = None) -> list[Parameter]:
    """The conditions nobody controls that act under ``strategy``, each with a plausible range.

    Every scenario parameter, then how strongly each mechanism works (its strategy
    block's uncertainties). The observation block (how model counts map onto
    published counts) and the appraisal block (how money is appraised) are left
    out: they do not change the simulation. ``strategy`` (a config or a shipped
    strategy's name) drops the uncertainties of the mechanisms it leaves off that act
    only when on; None keeps every one.
    """
    return _of_kind("uncertainty", strategy)


def observations() -> list[Parameter]:
    """The observation parameters: used only to compare the model with the record."""
    return [p for p in parameters() if p.kind == "observation"]


def levers(strategy: StrategyConfig | str | None = None) -> list[Parameter]:
    """The strategy settings with a plausible range a policymaker chooses that act under it.

    ``strategy`` as for ``uncertainties``; None keeps every lever.
    """
    return _of_kind("lever", strategy)


def shared(params: list[Parameter], strategies: Iterable[StrategyConfig]) -> list[Parameter]:
    """The parameters that act under at least one of ``strategies``: their shared design."""
    strategies = list(strategies)
    return [p for p in params if any(acts_under(p, s) for s in strategies)]


def acting(paths: Iterable[str], strategies: Iterable[StrategyConfig]) -> list[str]:
    """The paths (of parameters) that act under at least one of ``strategies``, in order."""
    return [p.path for p in shared([find(path) for path in paths], strategies)]


def design_table(design: str, paths: Iterable[str],
                 strategies: Iterable[StrategyConfig]) -> pd.DataFrame:
    """One row per strategy and parameter of a shared design: whether it acts there.

    Where a parameter does not act, the strategy's runs are the same at every value of
    it: the strategy's own design is the rows where ``acts`` is true.
    """
    params = [find(path) for path in paths]
    return pd.DataFrame([{"design": design, "strategy": s.name, "parameter": p.path,
                          "kind": p.kind, "acts": acts_under(p, s)}
                         for s in strategies for p in params],
                        columns=["design", "strategy", "parameter", "kind", "acts"])
