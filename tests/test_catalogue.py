"""The innovation catalogue and the cited data the England default is built from."""

import numpy as np
import pytest

from abm.inputs import DOMAINS, MODULE_TYPES, TRUST_TYPES, england, read_table

CATALOGUE = read_table("innovations.csv")
FACT_KEYS = set(read_table("facts.csv")["key"])
SHARES = ["evidence_uncertainty", "complexity", "infrastructure_need",
          "external_benefit_share", "adaptation_need"]


def test_catalogue_covers_every_domain_and_module_type():
    assert len(CATALOGUE) >= 24
    assert set(CATALOGUE["domain"]) == set(DOMAINS)
    modules = CATALOGUE["module_type"][CATALOGUE["module_type"] != ""]
    assert set(modules) == set(MODULE_TYPES)
    assert CATALOGUE["innovation_id"].is_unique


@pytest.mark.parametrize("column", SHARES)
def test_shares_are_in_unit_interval(column):
    values = CATALOGUE[column].astype(float)
    assert values.between(0, 1).all(), column


def test_costs_durations_and_effects_are_valid():
    assert (CATALOGUE["pilot_cost_gbp_m"].astype(float) > 0).all()
    assert (CATALOGUE["running_cost_gbp_m_per_year"].astype(float) >= 0).all()
    assert (CATALOGUE["pilot_duration_months"].astype(int) >= 1).all()
    assert (CATALOGUE["time_to_benefit_months"].astype(int) >= 0).all()
    effect = CATALOGUE["effect_bed_days_per_month"].astype(float) + \
        CATALOGUE["effect_gbp_m_per_year"].astype(float)
    assert (effect > 0).all()


def test_every_row_names_its_source_and_cited_facts_exist():
    for row in CATALOGUE.itertuples():
        assert row.source.strip(), row.innovation_id
        if row.source.startswith("facts.csv:"):
            cited = row.source.split(":", 1)[1].split(";")[0].split("(")[0]
            for key in cited.replace(",", " ").split():
                assert key in FACT_KEYS, f"{row.innovation_id} cites unknown fact {key}"


def test_trust_types_are_known():
    for types in CATALOGUE["trust_types"]:
        assert set(types.split(";")) <= set(TRUST_TYPES)


def test_england_default_matches_the_cited_counts():
    data = england()
    trusts = read_table("trusts.csv")
    assert len(data.icbs) == 42  # facts.csv: icb_count_2022
    assert len(data.icbs.region_names) == 7  # facts.csv: nhs_region_count
    assert len(data.trusts) == 205  # facts.csv: trusts_total_2025
    assert data.icbs.population.sum() == 57_106_398  # facts.csv: england_population_mid2022
    counts = np.bincount(data.trusts.trust_type, minlength=len(TRUST_TYPES))
    expected = trusts[trusts["status"] == "open"]["trust_type_group"].value_counts()
    for i, name in enumerate(TRUST_TYPES):
        assert counts[i] == expected[name]
    assert (~data.trusts.has_epr).sum() == 20  # no EPR in the FOI return (about Jan 2024)


def test_occupancy_profile_has_a_winter_peak():
    profile = england().occupancy_by_month  # index 0 = January
    assert profile.shape == (12,)
    assert 0.9 < profile.min() < profile.max() < 0.96
    assert profile[0] > profile[7]  # January above August (facts.csv winter peak, summer trough)


def test_multi_trust_innovations_are_not_scaler_modules():
    """The scaler offers modules to any trust; a network needs a unit of several trusts."""
    innov = england().innovations
    assert set(innov.min_unit_trusts) <= {1, 2}
    assert not ((innov.min_unit_trusts > 1) & (innov.module_type >= 0)).any()
