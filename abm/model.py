"""The Mesa model: one replication on the England default, with agents to inspect.

The simulation itself is a ``Batch`` of one replication (``abm.engine``), so a
model and replication r of a large batched run give the same numbers. The model
adds what a user inspects: Mesa agents for the 205 trusts, 42 ICBs, vendors and
government, and those each mechanism brings (``Mechanism.mesa_agents``: the
scaler), each a view on its part of the arrays, and a Mesa
``DataCollector`` that reads what the batch recorded each month (the reporters run
once, in the batch).
"""

from __future__ import annotations

from functools import partial

import mesa
import numpy as np
from mesa.datacollection import DataCollector

from . import economics as econ
from . import reporters
from .agents import ICB, Government, Trust, Vendor
from .config import ScenarioConfig, StrategyConfig
from .engine import Batch
from .generators import MESA_STREAM, replication_streams
from .inputs import EnglandData
from .population import STATE_NAMES, Population


def recorded(model: NHSReformModel, name: str) -> np.ndarray:
    """The batch's latest record of reporter ``name`` for this model's replication."""
    return model.batch.record[name][-1][0]


MODEL_REPORTERS = {name: partial(recorded, name=name) for name in reporters.REPORTERS}


class NHSReformModel(mesa.Model):
    """Innovation spread among England's trusts under one strategy.

    Args:
        scenario: The setting and its uncertain conditions.
        strategy: The mechanisms switched on (the name is only a label).
        rng: Seed or ``SeedSequence`` of this replication. Independent streams are
            derived from it, one per name (``engine.STREAMS``: initialisation, cell
            dynamics, institutions, each mechanism's own), so strategies compared with
            the same seed share the same trusts and the same monthly draws (common
            random numbers).
        months: Months to simulate when ``run`` is called.
        data: Input data; the England default shipped with the package.
    """

    def __init__(
        self, scenario: ScenarioConfig, strategy: StrategyConfig, *,
        rng: int | np.random.SeedSequence, months: int = 120, data: EnglandData | None = None,
    ) -> None:
        seq = rng if isinstance(rng, np.random.SeedSequence) else np.random.SeedSequence(rng)
        # Mesa's own generator gets a stream the simulation does not use.
        own = replication_streams(seq, (MESA_STREAM,))[MESA_STREAM]
        super().__init__(rng=np.random.default_rng(own))
        self.scenario_config, self.strategy, self.months = scenario, strategy, months
        self.batch = Batch(scenario, strategy, [seq], data)
        self.data = self.batch.data
        self.trusts = [Trust(self, i) for i in range(len(self.data.trusts))]
        self.icbs = [ICB(self, k) for k in range(len(self.data.icbs))]
        self.vendors = [Vendor(self, products, name)
                        for name, products in self.data.innovations.products_by_vendor().items()]
        self.mechanism_agents = self.batch.mechanisms.mesa_agents(self)
        self.scaler = next(iter(self.mechanism_agents.get("scaler", [])), None)
        self.government = Government(self)
        self.datacollector = DataCollector(model_reporters=MODEL_REPORTERS)

    @property
    def pop(self) -> Population:
        """This replication's population arrays (views: writes go through)."""
        return self.batch.pop.replication(0)

    @property
    def month(self) -> int:
        """Months completed since April 2025."""
        return self.batch.month

    @property
    def flows(self) -> dict[str, float]:
        """This month's flows (pilots started, spend, benefit ...), by name."""
        return dict(zip(reporters.FLOW_NAMES, self.batch.flows[0].tolist(), strict=True))

    @property
    def icb_fund_left_gbp_m(self) -> np.ndarray:
        """Scale-up fund left in each ICB this financial year, GBP m."""
        return self.batch.icb_fund_left_gbp_m[0]

    def step(self) -> None:
        """Advance one month."""
        self.batch.step()
        self.datacollector.collect(self)

    def run(self) -> NHSReformModel:
        """Run all months and return the model (for chaining)."""
        for _ in range(self.months):
            self.step()
        return self

    def explain_decision(self, row: int, innovation_id: str) -> dict[str, float | str]:
        """The terms of one trust's current decision about one innovation.

        Args:
            row: Trust row.
            innovation_id: An id from the innovation catalogue.

        Returns:
            State, utility terms and the monthly probability of starting a pilot. The
            utility the board decides on is ``utility_base + evidence_term -
            risk_penalty + transparency_bonus``: the catalogue's mean benefit, what the
            pilots its ICB has seen say of it (the log of ``expected_effect``, the
            effect expected as a multiple of the catalogue's mean), the doubt, and the
            pull of national use under the open platform.

        Raises:
            KeyError: If the innovation id is not in the catalogue.
        """
        ids = list(self.data.innovations.innovation_id)
        if innovation_id not in ids:
            raise KeyError(f"innovation_id {innovation_id!r} not in the catalogue")
        j, batch = ids.index(innovation_id), self.batch
        terms = batch.explain_cell(0, row, j)
        k = batch.icb_of_trust[row]
        base = econ.utility_base(batch.economics, 0, row, k, j)
        utility = batch.utility_terms(batch.awareness()[2])
        bonus, evidence = utility.bonus[0, j], utility.log_belief[0, k, j]
        return {
            "state": STATE_NAMES[batch.pop.state[0, row, j]],
            "utility_base": float(base),
            "expected_effect": terms["expected_effect"],
            "evidence_term": float(evidence),
            "risk_penalty": float(base + evidence + bonus - terms["utility"]),
            "transparency_bonus": float(bonus),
            "utility": terms["utility"],
            "peer_use_share": terms["peer_use_share"],
            "free_capacity": float(batch.pop.free_capacity[0, row]),
            "monthly_awareness_probability": terms["awareness_hazard"],
            "monthly_pilot_probability": terms["pilot_probability"],
            "cost_horizon_gbp_m": float(econ.cost_horizon(batch.economics, 0, row, k, j)),
        }
