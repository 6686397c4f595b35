"""The parameter table: every config field with meaning, unit, default, range and source.

Generated from the pydantic fields in :mod:`abm.config`, so it cannot drift
from the code. ``python -m abm.parameters > docs/parameters.md`` rewrites it; a
test fails when the committed table differs from the generated one.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from .config import RunConfig, ScenarioConfig, StrategyConfig
from .fields import ALWAYS
from .inputs import SIZE_BY_TYPE, SPECIALIST_SIZE, england

SECTIONS = (
    ("Run", RunConfig, ""),
    ("Scenario (uncertainties: conditions nobody controls)", ScenarioConfig, "scenario"),
    ("Strategy (levers a policymaker sets, and uncertainties: how strongly each mechanism "
     "works)", StrategyConfig, "strategy"),
)
OWN_SECTION = {prefix for _, _, prefix in SECTIONS if prefix}  # listed once, in their section


def iter_parameters(model: type[BaseModel], prefix: str) -> Iterator[dict[str, str]]:
    """Yield one row per leaf field of a config class, depth first.

    Args:
        model: A config class.
        prefix: Dotted path of the class in the composed config.

    Yields:
        Dicts with name, meaning, unit, default, allowed, plausible and source.
    """
    for name, field in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if not (prefix == "" and path in OWN_SECTION):
                yield from iter_parameters(annotation, path)
            continue
        if name == "strategies":
            continue
        extra = field.json_schema_extra or {}
        bounds = {type(m).__name__: m for m in field.metadata}
        low = getattr(bounds.get("Ge"), "ge", None)
        high = getattr(bounds.get("Le"), "le", None)
        allowed = "" if low is None and high is None else \
            f"[{'' if low is None else _fmt(low)}, {'' if high is None else _fmt(high)}]"
        plausible = extra.get("plausible")
        marker = ("**Uncertainty.** " if extra.get("kind") == "uncertainty" else "") + \
            ("**In every strategy.** " if extra.get("acts") == ALWAYS else "")
        yield {
            "parameter": path,
            "meaning": marker + (field.description or ""),
            "unit": extra.get("unit", "flag" if annotation is bool else "label"),
            "default": _fmt(field.default),
            "allowed": allowed,
            "plausible": "" if plausible is None else f"{_fmt(plausible[0])} to "
                                                      f"{_fmt(plausible[1])}",
            "source": extra.get("source", "n/a"),
        }


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**9:
        return "2^63-1" if value == 2**63 - 1 else str(value)
    return str(value)


def render_markdown() -> str:
    """The whole parameter table as Markdown."""
    lines = [
        "# Parameter table",
        "",
        "Generated from the typed configuration (`abm/config.py`, `abm/scenario_config.py`, "
        "`abm/strategy_config.py`) by `python -m abm.parameters`; do not edit by hand.",
        "Every key below can be set from the command line with its path, for example",
        "`nhs-abm scenario.diffusion.imitation_q_per_year=0.5` or, for one strategy,",
        "`nhs-abm strategy=scaler_led strategy.scaler.price_gbp_m=1.2`. With the default",
        "`strategy=all`, a strategy's key is `strategy.<name>.<key>`.",
        "",
        "*Allowed* is what the validation accepts; *plausible* is the range the",
        "sensitivity analysis explores. *Source* cites `abm/data/facts.csv` (key and",
        "confidence) or says `assumption`, with the reasoning where there is one.",
        "In a strategy's block, a setting marked **Uncertainty** is how strongly the",
        "mechanism works, which nobody chooses: sensitivity analysis and scenario",
        "discovery sample it with the scenario's uncertainties, and a win map may take it",
        "as an axis. The others are levers, what a policymaker sets (contract terms,",
        "budgets, programme size). A strategy's setting acts only when its mechanism is",
        "switched on, and the experiments leave it out of the designs of strategies that",
        "switch it off, unless it is marked **In every strategy** (how every merger",
        "works: background mergers happen under every strategy).",
        "",
    ]
    for title, model, prefix in SECTIONS:
        lines += [f"## {title}", "",
                  "| parameter | meaning | unit | default | allowed | plausible | source |",
                  "|---|---|---|---|---|---|---|"]
        for row in iter_parameters(model, prefix):
            cells = [f"`{row['parameter']}`", row["meaning"], row["unit"], row["default"],
                     row["allowed"], row["plausible"], row["source"]]
            lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
        lines.append("")
    lines += [
        "## Output options (not model parameters)",
        "",
        "| key | meaning | default |",
        "|---|---|---|",
        "| `output_dir` | Directory for the results; it must be new or empty | "
        "`outputs/<date>/<time>` |",
        "| `progress` | Show a progress bar | true |",
        "",
        "## Fixed structural assumptions (not configurable)",
        "",
        "| quantity | value | source |",
        "|---|---|---|",
        "| relative size (turnover weight) by trust type | " + "; ".join(
            f"{k} {v:g}" for k, v in SIZE_BY_TYPE.items())
        + f"; specialist acute {SPECIALIST_SIZE:g} | assumption: an acute trust's budget is "
        "about three times that of other trust types |",
        "| trust sector turnover shared by size | GBP 124,000 m a year | facts.csv: "
        "trust_sector_turnover_2024 (high) |",
        "| general and acute beds per unit of size | 760 | facts.csv: ga_beds_available "
        "(101,900) over 134 acute trusts |",
        "| seasonal occupancy profile | mean by calendar month, April 2022 to August 2025 | "
        "ga_occupancy_monthly.csv (NHS England UEC sitrep; high) |",
        "| between-ICB sd of pooled budget share | 0.1 | assumption |",
        f"| vendors | {len(england().innovations.products_by_vendor())}, one per supplier "
        "named in the vendor column of abm/data/innovations.csv | assumption: illustrative "
        "suppliers; no number depends on how products are shared between them |",
        "| failure added per unit of infrastructure shortfall | 0.5 | assumption |",
        "| start | April 2025 (financial year start); budgets lapse each April | "
        "assumption: NHS financial year |",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render_markdown(), end="")
