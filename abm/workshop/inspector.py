"""What the workshop shows about one trust: its state, its pilots and why it decided.

Everything is read from the model's agents (``abm.agents.Trust``) and its
``explain_decision``; this module only puts the numbers into words.
"""

from __future__ import annotations

from ..agents import Trust
from ..model import NHSReformModel
from ..report.style import short_icb_name

STATE_ORDER = ("embedded", "piloting", "aware", "unaware", "abandoned")


def trust_profile(trust: Trust) -> list[tuple[str, str]]:
    """The trust's attributes and state this month, as (label, value) rows.

    Args:
        trust: A trust agent of the live model.

    Returns:
        Rows in display order.
    """
    unit = trust.decision_unit
    group = "decides alone" if unit is trust else f"decides within the group led by {unit.name}"
    return [
        ("Trust", f"{trust.name} ({trust.ods_code})"),
        ("Type", trust.trust_type.replace("_", " ")),
        ("ICB", f"{short_icb_name(trust.icb.name)} ({trust.icb.region})"),
        ("Decision unit", group),
        ("Bed occupancy this month", f"{trust.bed_occupancy_share:.1%}"),
        ("Operational pressure (0-1)", f"{trust.pressure:.2f}"),
        ("Absorptive capacity free for new pilots", f"{trust.free_capacity:.2f}"),
        ("Risk aversion (0-1)", f"{trust.risk_aversion:.2f}"),
        ("Digital maturity (0-1)", f"{trust.digital_maturity:.2f}"),
        ("PFI contract", "yes" if trust.has_pfi else "no"),
        ("Local champion in post", "yes" if trust.has_champion else "no"),
        ("Transformation budget left this year", f"GBP {trust.budget_gbp_m:.2f} m"),
    ]


def portfolio_rows(model: NHSReformModel, trust: Trust) -> list[tuple[str, str]]:
    """The trust's relevant innovations and their lifecycle state, most advanced first.

    Args:
        model: The live model.
        trust: A trust agent of the model.

    Returns:
        (innovation name, state) rows.
    """
    names = dict(zip(model.data.innovations.innovation_id, model.data.innovations.name,
                     strict=True))
    rows = [(names[i], state) for i, state in trust.portfolio().items()]
    return sorted(rows, key=lambda r: (STATE_ORDER.index(r[1]), r[0]))


def explain(model: NHSReformModel, trust: Trust, innovation_id: str) -> tuple[list[tuple[str, str]],
                                                                            str]:
    """The terms of the trust's current decision about one innovation, and a plain reading.

    Args:
        model: The live model.
        trust: A trust agent of the model.
        innovation_id: An id from the innovation catalogue.

    Returns:
        (label, value) rows of the decision terms and a sentence that reads them.
    """
    terms = trust.explain(innovation_id)
    rows = [
        ("State now", str(terms["state"])),
        ("Net benefit to the trust over its planning horizon, at the catalogue's mean effect "
         "(utility)", f"{terms['utility_base']:+.2f}"),
        ("Effect its ICB expects from the pilots it has seen (x the catalogue's mean)",
         f"{terms['expected_effect']:.2f}"),
        ("Added (or taken off) for that evidence", f"{terms['evidence_term']:+.2f}"),
        ("Taken off for uncertainty x risk aversion", f"{terms['risk_penalty']:+.2f}"),
        ("Added by public scrutiny of laggards (open platform)",
         f"{terms['transparency_bonus']:+.2f}"),
        ("Utility the board decides on", f"{terms['utility']:+.2f}"),
        ("Share of peers using it (weighted: ICB, region, England)",
         f"{terms['peer_use_share']:.1%}"),
        ("Capacity free for new pilots", f"{terms['free_capacity']:.2f}"),
        ("Cost to the trust over its horizon", f"GBP {terms['cost_horizon_gbp_m']:.2f} m"),
        ("Monthly chance of hearing of it", f"{terms['monthly_awareness_probability']:.1%}"),
        ("Monthly chance of starting a pilot (if aware)",
         f"{terms['monthly_pilot_probability']:.2%}"),
    ]
    return rows, _reading(terms, trust)


def _reading(terms: dict[str, float | str], trust: Trust) -> str:
    state, utility = terms["state"], float(terms["utility"])
    chance = float(terms["monthly_pilot_probability"])
    if state in ("piloting", "embedded"):
        where = "in a pilot" if state == "piloting" else "embedded"
        return (f"The trust has it {where} already; the figures show how it would judge it "
                "afresh this month.")
    if state == "abandoned":
        return "The trust has abandoned it; it does not reconsider an abandoned innovation."
    lead = ("The trust has not heard of it yet: it learns of it from outside sources and from "
            "peers using it. Once aware, " if state == "unaware" else "")
    if chance == 0.0:
        return lead + (f"it would not start a pilot this month: its budget left this year "
                       f"(GBP {trust.budget_gbp_m:.2f} m) or its free capacity "
                       f"({float(terms['free_capacity']):.2f}) is too small for one.")
    verdict = "leans towards a pilot" if utility > 0 else "leans against a pilot"
    bonus = float(terms["transparency_bonus"])
    scrutiny = f" and {bonus:.2f} added by public scrutiny" if bonus else ""
    return (lead + f"the board {verdict} (utility {utility:+.2f}, after "
            f"{float(terms['risk_penalty']):.2f} taken off for risk{scrutiny}), so the monthly "
            f"chance of starting one is {chance:.2%}.")
