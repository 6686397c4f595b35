"""What a month records, per replication: the flows, and their one schema.

A flow is a number per replication and month (pilots started, spend by payer,
benefit). The schema is the common flows every batch has, with each registered
mechanism's own flows between the counted events and the money
(``abm.mechanisms.FLOWS``): the columns of ``Batch.flows`` and of the steps table,
in that order. The compiled passes count the cell events (``Counted``) into the
first columns; the engine writes the money; a mechanism writes its own flows,
and adds to a common one, by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import IntEnum
from typing import NamedTuple


class FlowSpec(NamedTuple):
    """One flow: its column name, unit and meaning."""

    name: str
    unit: str
    description: str


class Counted(IntEnum):
    """The cell events the compiled passes count, in the first columns of the flows."""

    PILOTS_STARTED = 0
    PILOTS_SCALED = 1
    PILOTS_FAILED = 2
    PILOTS_FADED = 3
    EMBEDDED_DISCONTINUED = 4
    SCALER_DEPLOYMENTS_STARTED = 5


COUNTED_FLOWS = (
    FlowSpec("pilots_started", "pilots", "pilots started this month"),
    FlowSpec("pilots_scaled", "pilots", "pilots that succeeded and were embedded"),
    FlowSpec("pilots_failed", "pilots", "pilots that ended in failure"),
    FlowSpec("pilots_faded", "pilots", "pilots that faded (no champion, no funding, "
             "programme ended)"),
    FlowSpec("embedded_discontinued", "cells", "embedded innovations dropped"),
    FlowSpec("scaler_deployments_started", "pilots",
             "pilots started with a deployer's support (carried pilots)"),
)
MONEY_FLOWS = (
    FlowSpec("spend_trust_gbp_m", "GBP m", "spend paid by trusts (revenue and capital)"),
    FlowSpec("spend_icb_gbp_m", "GBP m", "spend paid from ICBs' scale-up funds"),
    FlowSpec("spend_national_gbp_m", "GBP m", "spend paid nationally (programmes, "
             "mechanisms' national costs)"),
    FlowSpec("spend_transition_gbp_m", "GBP m", "reorganisation transition costs paid "
             "(mergers, and merger debt repaid)"),
    FlowSpec("benefit_bed_days", "bed days", "bed days freed by the innovations"),
    FlowSpec("benefit_gbp_m", "GBP m", "innovations' benefit: bed days valued, and cash"),
    FlowSpec("saving_gbp_m", "GBP m", "what the mechanisms save themselves (merged back "
             "offices)"),
    FlowSpec("running_cost_gbp_m", "GBP m", "all payers' recurring cost of what is "
             "embedded (and lock-in)"),
    FlowSpec("strategy_spend_gbp_m", "GBP m", "what the strategy's own programme "
             "commits (its spend cap)"),
)
assert [spec.name for spec in COUNTED_FLOWS] == [c.name.lower() for c in Counted]


class FlowSchema:
    """The flows of a batch, in column order, with each one's column by name.

    Args:
        specs: Every flow, in column order.

    Raises:
        ValueError: If two flows share a name.
    """

    def __init__(self, specs: Iterable[FlowSpec]) -> None:
        self.specs = tuple(specs)
        self.names = tuple(spec.name for spec in self.specs)
        if len(set(self.names)) != len(self.names):
            twice = sorted({n for n in self.names if self.names.count(n) > 1})
            raise ValueError(f"flows named twice: {', '.join(twice)}")
        self.column = {name: i for i, name in enumerate(self.names)}

    def __len__(self) -> int:
        return len(self.specs)

    def __iter__(self) -> Iterator[FlowSpec]:
        return iter(self.specs)

    def index(self, name: str) -> int:
        """The column of flow ``name``.

        Raises:
            KeyError: If no flow has that name (the message lists those that do).
        """
        if name not in self.column:
            raise KeyError(f"no flow named {name!r} (flows: {', '.join(self.names)})")
        return self.column[name]


def schema(own_flows: Iterable[Iterable[FlowSpec]]) -> FlowSchema:
    """The counted events, then each mechanism's own flows in turn, then the money."""
    return FlowSchema((*COUNTED_FLOWS, *(spec for flows in own_flows for spec in flows),
                       *MONEY_FLOWS))
