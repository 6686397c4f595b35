"""Input data shipped with the package: trusts, ICBs, occupancy profile, innovations.

Every table keeps the source columns of ``../shared/data`` (Open Government
Licence v3.0 where the source is NHS England, ODS or ONS). This module reads
them into plain NumPy arrays; it knows nothing of the model.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

TRUST_TYPES = (
    "acute",
    "mental_health",
    "community",
    "ambulance",
    "mental_health_and_community",
)
DOMAINS = (
    "back_office",
    "diagnostics",
    "specialist_care",
    "mental_physical_health",
    "pharmacy_medicines",
    "urgent_emergency_care",
    "maternity_neonatal",
    "chronic_disease",
    "elective_surgery",
    "health_social_care",
    "data_digital",
    "prevention_population_health",
)
MODULE_TYPES = (
    "flow",
    "diagnostic_acceleration",
    "ambulatory_reconfiguration",
    "perioperative_core",
    "home_to_hospital_transition",
)
START_MONTH_OF_YEAR = 4  # the model starts in April 2025, the start of a financial year
START_DATE = "2025-04"  # month 0 of a run

# Relative size (turnover weight) by trust type. Assumption: an acute trust's
# budget is roughly three times that of a mental health, community or
# ambulance trust; specialist acute trusts are smaller than general ones.
SIZE_BY_TYPE = {
    "acute": 1.0,
    "mental_health": 0.35,
    "community": 0.3,
    "ambulance": 0.45,
    "mental_health_and_community": 0.45,
}
SPECIALIST_SIZE = 0.5


@dataclass(frozen=True)
class Trusts:
    """The trusts of the England default (one row per open trust, mid-2025)."""

    ods_code: np.ndarray
    name: np.ndarray
    trust_type: np.ndarray  # index into TRUST_TYPES
    icb: np.ndarray  # index into ICBs
    region: np.ndarray  # index into ICBs.region_names
    has_epr: np.ndarray  # bool
    size: np.ndarray  # relative turnover weight
    epr_supplier: np.ndarray

    def __len__(self) -> int:
        return len(self.ods_code)


@dataclass(frozen=True)
class ICBs:
    """The 42 integrated care boards (July 2022 to March 2026) and their successors.

    On 1 April 2026 twelve of them were merged into six new boards (``icbs.csv``:
    ``board_from_2026_04_01``); each ICB's footprint is kept as the place its trusts
    are in, and ``board`` says which board governs it from that date.
    """

    ods_code: np.ndarray
    name: np.ndarray
    region: np.ndarray  # index into region_names
    region_names: tuple[str, ...]
    population: np.ndarray
    board: np.ndarray  # (K,) index of the board governing each ICB from 1 April 2026

    def __len__(self) -> int:
        return len(self.ods_code)


@dataclass(frozen=True)
class Innovations:
    """The innovation catalogue: innovations are data, not agents."""

    innovation_id: np.ndarray
    name: np.ndarray
    domain: np.ndarray  # index into DOMAINS
    module_type: np.ndarray  # index into MODULE_TYPES, -1 when not a scaler module
    relevant: np.ndarray  # (n_trust_types, n_innovations) bool
    national_programme: np.ndarray
    vendor: np.ndarray  # the supplier selling it (a Vendor agent), "" when no vendor does
    vendor_product: np.ndarray  # vendor != ""
    volume_sensitive: np.ndarray
    min_unit_trusts: np.ndarray  # trusts a decision unit needs to adopt it (2: networks, hubs)
    effect_bed_days_per_month: np.ndarray
    effect_gbp_m_per_year: np.ndarray
    evidence_uncertainty: np.ndarray
    pilot_cost_gbp_m: np.ndarray
    running_cost_gbp_m_per_year: np.ndarray
    pilot_duration_months: np.ndarray
    complexity: np.ndarray
    infrastructure_need: np.ndarray
    external_benefit_share: np.ndarray
    time_to_benefit_months: np.ndarray
    adaptation_need: np.ndarray
    capital_share: np.ndarray  # share of an implementation's cost that is capital

    def __len__(self) -> int:
        return len(self.innovation_id)

    def products_by_vendor(self) -> dict[str, np.ndarray]:
        """Innovation columns of each supplier's products, suppliers in catalogue order."""
        names = dict.fromkeys(name for name in self.vendor if name)
        return {name: np.flatnonzero(self.vendor == name) for name in names}


@dataclass(frozen=True)
class StartShares:
    """Recorded use of each innovation at a start date (``start_state.csv``).

    Shares are of the trusts each innovation is relevant to; an innovation the
    record does not speak of has 0 in both.
    """

    embedded: np.ndarray  # (n_innovations,) share embedded
    piloting: np.ndarray  # (n_innovations,) share piloting or implementing


NO_DATE = -10**6  # a programme that never pays running costs: its support ended long ago


@dataclass(frozen=True)
class Programmes:
    """National programmes delivered as the NHS ran them (``programmes.csv``).

    Months are counted from April 2025 (``months_after_start``; ``shifted`` counts
    them from another start); a programme without national revenue has
    ``revenue_until`` at ``NO_DATE``.
    """

    innovation: np.ndarray  # (P,) column of the innovation each delivers
    starts: np.ndarray  # (P,) first month of the programme
    capital_until: np.ndarray  # (P,) last month sites are funded
    revenue_until: np.ndarray  # (P,) last month open sites' running costs are met nationally
    deadline: np.ndarray  # (P,) month by which the target share is due
    grant_gbp_m: np.ndarray  # (P,) central funding per site
    revenue_cover: np.ndarray  # (P,) share of a site's running cost met nationally until then
    target_share: np.ndarray  # (P,) share of relevant trusts the programme aims for
    chosen_by_icb: np.ndarray  # (P,) bool: systems bid for sites (else chosen nationally)

    def __len__(self) -> int:
        return len(self.innovation)

    def shifted(self, start: str) -> Programmes:
        """The same programmes with their months counted from ``start`` ("YYYY-MM")."""
        shift = months_after_start(START_DATE, start)
        dates = {name: getattr(self, name) + shift
                 for name in ("starts", "capital_until", "deadline")}
        dates["revenue_until"] = np.where(self.revenue_until == NO_DATE, NO_DATE,
                                          self.revenue_until + shift)
        return replace(self, **dates)

    def last_month(self) -> np.ndarray:
        """(P,) the last month each programme runs (funds sites, meets costs or chases a target)."""
        return np.maximum.reduce([self.capital_until, self.revenue_until, self.deadline])


@dataclass(frozen=True)
class EnglandData:
    """Everything the England default reads from package data."""

    trusts: Trusts
    icbs: ICBs
    innovations: Innovations
    occupancy_by_month: np.ndarray  # 12 values, index 0 = January, as shares
    start_shares: dict[str, StartShares]  # by start date ("2025-04", "2021-04")
    programmes: Programmes


def months_after_start(date: str, start: str = START_DATE) -> int:
    """Months from a run's first month ``start`` to ``date`` (both "YYYY-MM")."""
    year, month = (int(part) for part in date.split("-"))
    start_year, start_month = (int(part) for part in start.split("-"))
    return (year - start_year) * 12 + month - start_month


def read_table(name: str) -> pd.DataFrame:
    """Read one CSV shipped in ``abm/data``.

    Args:
        name: File name, e.g. ``"trusts.csv"``.

    Returns:
        The table, with strings kept as strings.
    """
    with resources.files("abm.data").joinpath(name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


@cache
def trust_count() -> int:
    """Number of open trusts in ``trusts.csv``: the limit of any count of trusts in the config."""
    return int((read_table("trusts.csv")["status"] == "open").sum())


def _icbs(table: pd.DataFrame) -> ICBs:
    region_names = tuple(sorted(table["nhs_region_name"].unique()))
    return ICBs(
        ods_code=table["icb_ods_code"].to_numpy(),
        name=table["icb_name"].to_numpy(),
        region=np.array([region_names.index(r) for r in table["nhs_region_name"]]),
        region_names=region_names,
        population=table["population_mid2022_ons"].astype(int).to_numpy(),
        board=pd.factorize(table["board_from_2026_04_01"])[0],
    )


def _trusts(table: pd.DataFrame, icbs: ICBs) -> Trusts:
    table = table[table["status"] == "open"]
    icb_index = {code: i for i, code in enumerate(icbs.ods_code)}
    types = table["trust_type_group"].to_numpy()
    specialist = table["specialist_acute_name_heuristic"].str.lower().isin(["yes", "true", "1"])
    size = np.array([SIZE_BY_TYPE[t] for t in types])
    size = np.where(specialist.to_numpy() & (types == "acute"), SPECIALIST_SIZE, size)
    icb = np.array([icb_index[c] for c in table["icb_ods_code"]])
    return Trusts(
        ods_code=table["ods_code"].to_numpy(),
        name=table["trust_name"].to_numpy(),
        trust_type=np.array([TRUST_TYPES.index(t) for t in types]),
        icb=icb,
        region=icbs.region[icb],
        # Two trusts have no EPR record in the FOI return; treated as having one (the norm).
        has_epr=(table["has_epr_2024"] != "no").to_numpy(),
        size=size,
        epr_supplier=table["primary_epr_supplier_2024"].to_numpy(),
    )


def _flag(column: pd.Series) -> np.ndarray:
    return column.str.strip().str.lower().isin(["true", "yes", "1"]).to_numpy()


def _innovations(table: pd.DataFrame) -> Innovations:
    relevant = np.zeros((len(TRUST_TYPES), len(table)), dtype=bool)
    for j, types in enumerate(table["trust_types"]):
        for t in types.split(";"):
            relevant[TRUST_TYPES.index(t.strip()), j] = True

    def num(column: str) -> np.ndarray:
        return table[column].astype(float).to_numpy()

    return Innovations(
        innovation_id=table["innovation_id"].to_numpy(),
        name=table["name"].to_numpy(),
        domain=np.array([DOMAINS.index(d) for d in table["domain"]]),
        module_type=np.array(
            [MODULE_TYPES.index(m) if m else -1 for m in table["module_type"].str.strip()]),
        relevant=relevant,
        national_programme=_flag(table["national_programme"]),
        vendor=table["vendor"].str.strip().to_numpy(),
        vendor_product=(table["vendor"].str.strip() != "").to_numpy(),
        volume_sensitive=_flag(table["volume_sensitive"]),
        min_unit_trusts=table["min_unit_trusts"].astype(int).to_numpy(),
        effect_bed_days_per_month=num("effect_bed_days_per_month"),
        effect_gbp_m_per_year=num("effect_gbp_m_per_year"),
        evidence_uncertainty=num("evidence_uncertainty"),
        pilot_cost_gbp_m=num("pilot_cost_gbp_m"),
        running_cost_gbp_m_per_year=num("running_cost_gbp_m_per_year"),
        pilot_duration_months=num("pilot_duration_months").astype(int),
        complexity=num("complexity"),
        infrastructure_need=num("infrastructure_need"),
        external_benefit_share=num("external_benefit_share"),
        time_to_benefit_months=num("time_to_benefit_months").astype(int),
        adaptation_need=num("adaptation_need"),
        capital_share=num("capital_share"),
    )


def _occupancy_by_month(table: pd.DataFrame) -> np.ndarray:
    # The source repeats July 2022 as August 2022; that row is marked and left out.
    table = table[table["note"] == ""]
    month_of_year = table["month"].str[5:7].astype(int).to_numpy()
    share = table["ga_occupancy_pct"].astype(float).to_numpy() / 100.0
    return np.array([share[month_of_year == m].mean() for m in range(1, 13)])


class DataError(ValueError):
    """A package data table breaks its own rules (named in the message)."""


def _start_shares(table: pd.DataFrame, innov: Innovations) -> dict[str, StartShares]:
    """Recorded start shares by date, checked against the catalogue.

    Raises:
        DataError: On an unknown innovation, a repeated row, a share outside [0, 1],
            embedded and piloting above 1 together, or a row for an innovation that
            needs a multi-trust unit (a lone trust cannot be using it).
    """
    ids = list(innov.innovation_id)
    shares: dict[str, StartShares] = {}
    where = "abm/data/start_state.csv"
    if table.duplicated(["innovation_id", "as_of"]).any():
        raise DataError(f"{where}: an innovation appears twice for one date")
    for as_of, rows in table.groupby("as_of", sort=True):
        embedded, piloting = np.zeros(len(ids)), np.zeros(len(ids))
        for row in rows.itertuples():
            if row.innovation_id not in ids:
                raise DataError(f"{where}: innovation_id {row.innovation_id!r} is not in "
                                "innovations.csv")
            i = ids.index(row.innovation_id)
            if innov.min_unit_trusts[i] > 1:
                raise DataError(f"{where}: {row.innovation_id} needs a unit of "
                                f"{innov.min_unit_trusts[i]} trusts; no start share is allowed")
            e, p = float(row.share_embedded), float(row.share_piloting)
            if not (0.0 <= e <= 1.0 and 0.0 <= p <= 1.0 and e + p <= 1.0 + 1e-9):
                raise DataError(f"{where}: {row.innovation_id} ({as_of}): shares {e} embedded "
                                f"and {p} piloting must lie in [0, 1] and sum to at most 1")
            embedded[i], piloting[i] = e, p
        shares[str(as_of)] = StartShares(embedded=embedded, piloting=piloting)
    return shares


def _month(value: str, where: str, column: str) -> int:
    """A "YYYY-MM" date of ``column`` as months after the start; blank is ``NO_DATE``."""
    if value == "" and column == "revenue_until":
        return NO_DATE
    try:
        year, month = (int(part) for part in value.split("-"))
    except ValueError:
        raise DataError(f"{where}: {column} {value!r} is not a date YYYY-MM") from None
    if not 1 <= month <= 12:
        raise DataError(f"{where}: {column} {value!r} is not a date YYYY-MM")
    return months_after_start(value)


def _programmes(table: pd.DataFrame, innov: Innovations) -> Programmes:
    """National programmes, checked against the catalogue.

    Raises:
        DataError: On an unknown innovation, one with no national programme in the
            catalogue, a repeated innovation, a malformed date, a share outside
            [0, 1], a negative grant, dates out of order or an unknown ``chosen_by``.
    """
    where, ids = "programmes.csv", list(innov.innovation_id)
    if table["innovation_id"].duplicated().any():
        raise DataError(f"{where}: an innovation has two programmes")
    columns: dict[str, list] = {name: [] for name in Programmes.__dataclass_fields__}
    for row in table.itertuples():
        if row.innovation_id not in ids:
            raise DataError(f"{where}: innovation_id {row.innovation_id!r} is not in "
                            "innovations.csv")
        i = ids.index(row.innovation_id)
        if not innov.national_programme[i]:
            raise DataError(f"{where}: {row.innovation_id} has no national_programme in "
                            "innovations.csv")
        dates = {c: _month(getattr(row, c), where, c)
                 for c in ("starts", "capital_until", "revenue_until", "deadline")}
        if dates["capital_until"] < dates["starts"] or dates["deadline"] < dates["starts"]:
            raise DataError(f"{where}: {row.innovation_id}: capital_until and deadline must "
                            "not come before starts")
        shares = float(row.revenue_cover_share), float(row.target_share)
        if not all(0.0 <= value <= 1.0 for value in shares):
            raise DataError(f"{where}: {row.innovation_id}: revenue_cover_share and "
                            "target_share must lie in [0, 1]")
        if float(row.grant_gbp_m_per_site) < 0.0:
            raise DataError(f"{where}: {row.innovation_id}: grant_gbp_m_per_site is negative")
        if row.chosen_by not in ("national", "icb"):
            raise DataError(f"{where}: {row.innovation_id}: chosen_by {row.chosen_by!r}; "
                            "allowed: national, icb")
        values = {"innovation": i, **dates, "grant_gbp_m": float(row.grant_gbp_m_per_site),
                  "revenue_cover": shares[0], "target_share": shares[1],
                  "chosen_by_icb": row.chosen_by == "icb"}
        for name, value in values.items():
            columns[name].append(value)
    return Programmes(**{name: np.array(values) for name, values in columns.items()})


@cache
def england() -> EnglandData:
    """Load the England default from package data (cached; arrays are read-only).

    Returns:
        Trusts, ICBs, the innovation catalogue and the monthly occupancy profile.
    """
    icbs = _icbs(read_table("icbs.csv"))
    innovations = _innovations(read_table("innovations.csv"))
    data = EnglandData(
        trusts=_trusts(read_table("trusts.csv"), icbs),
        icbs=icbs,
        innovations=innovations,
        occupancy_by_month=_occupancy_by_month(read_table("ga_occupancy_monthly.csv")),
        start_shares=_start_shares(read_table("start_state.csv"), innovations),
        programmes=_programmes(read_table("programmes.csv"), innovations),
    )
    for table in (data.trusts, data.icbs, data.innovations, *data.start_shares.values(),
                  data.programmes):
        for value in vars(table).values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
    return data
