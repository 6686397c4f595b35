"""England as the record shows it at the start: innovations already in use (ODD section 5).

With ``scenario.start.recorded`` set to a date, each relevant trust of each
replication starts each innovation of ``abm/data/start_state.csv`` embedded with
the recorded share, or part-way through a pilot with the recorded piloting share.
Embedded at the start means part of the observed baseline: paid from core budgets,
its benefit already in the occupancy data, so only change made in the run counts
(as for the EPRs of the named trusts). A pilot under way at the start has run a
uniformly drawn number of its months and pays for the rest.

Where the data name the trusts using an innovation (the EPRs of ``trusts.csv``),
the named trusts keep it and the recorded piloting share is drawn among the others,
so that the share of relevant trusts piloting is the record's.

The draws come from the replication's own ``start`` stream, so they are common to
every strategy and leave every other draw as it was; with ``recorded: none`` nothing
is drawn and the population is the one ``initial_population`` built.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .inputs import DataError, EnglandData
from .population import EMBEDDED, LONG_BEFORE_START, PILOTING, Population
from .scenario_config import ScenarioConfig

NO_RECORD = "none"


def start_from_record(pop: Population, data: EnglandData, scenario: ScenarioConfig,
                      rngs: Sequence[np.random.Generator]) -> None:
    """Put the recorded use of each innovation into the population (in place).

    Args:
        pop: The population at month 0 (state, months in state, core funding).
        data: The England data with its recorded start shares.
        scenario: The scenario; ``start.recorded`` names the date, or "none".
        rngs: One generator per replication (the ``start`` stream).
    """
    as_of = scenario.start.recorded
    if as_of == NO_RECORD:
        return
    shares = data.start_shares[as_of]
    if len(shares.embedded) != len(data.innovations):
        raise DataError(f"start_state.csv ({as_of}) is for another catalogue: data with its own "
                        "innovations needs its own start shares, or scenario.start.recorded: none")
    named = pop.state[0] == EMBEDDED  # (T, I): named in the data, the same in every replication
    named_share = named.sum(axis=0) / np.maximum(pop.relevant.sum(axis=0), 1)
    embed_chance = np.where(named.any(axis=0), 0.0, shares.embedded)
    pilot_chance = np.where(named.any(axis=0),
                            shares.piloting / np.maximum(1.0 - named_share, 1e-9),
                            shares.piloting / np.maximum(1.0 - shares.embedded, 1e-9))
    pilot_months = data.innovations.pilot_duration_months.astype(int)
    for r, rng in enumerate(rngs):
        u = rng.random(named.shape)
        months_run = np.floor(rng.random(named.shape) * pilot_months).astype(np.int16)
        open_cells = pop.relevant & ~named
        embed = open_cells & (u < embed_chance)
        pilot = open_cells & ~embed & (rng.random(named.shape) < np.minimum(pilot_chance, 1.0))
        pop.state[r][embed] = EMBEDDED
        pop.core_funded[r][embed] = True
        pop.entered_month[r][embed] = -1 - LONG_BEFORE_START  # like the named EPRs
        pop.state[r][pilot] = PILOTING
        pop.entered_month[r][pilot] = -1 - months_run[pilot]
