"""Known analytical limit: with the barriers off, adoption follows the Bass curve.

Homogeneous trusts (no risk aversion, full capacity, full digital maturity, ample
budgets), fully mixed peers (national weight 1), no pilot failure or fading and
one generic innovation relevant to every trust: a trust adopts when it becomes
aware, so the adopted share F(t) should follow
F(t) = (1 - exp(-(p+q)t)) / (1 + (q/p) exp(-(p+q)t)) for the configured p and q.
Tolerance: for every month of 10 years, the mean over 200 replications stays within
0.02 of the curve (monthly steps make the model lag the continuous curve by less
than that) plus three standard errors of that mean (when take-off comes is random:
with 205 trusts one replication's curve may run well ahead of or behind the mean).
"""

import dataclasses

import numpy as np
import pytest

from abm.config import parse_config
from abm.engine import Batch
from abm.inputs import england
from abm.model import NHSReformModel
from abm.population import EMBEDDED, PILOTING
from abm.runner import replication_seed

LAG = 0.02  # most the monthly model lags the continuous curve
STANDARD_ERRORS = 3.0


def barriers_off(p: float, q: float):
    return parse_config({"scenario": {
        "population": {"risk_aversion_mean": 0.0, "risk_aversion_sd": 0.0,
                       "absorptive_capacity_mean": 1.0, "absorptive_capacity_sd": 0.0,
                       "pfi_capacity_loss": 0.0, "digital_maturity_epr_mean": 1.0,
                       "digital_maturity_no_epr_mean": 1.0, "digital_maturity_sd": 0.0,
                       "transformation_budget_share": 0.1},
        "diffusion": {"external_influence_p_per_year": p, "imitation_q_per_year": q,
                      "peer_weight_icb": 0.0, "region_share_of_wider_peers": 0.0,
                      "decision_rate_per_month": 1.0, "decision_sharpness": 1000.0,
                      "embedded_discontinuation_per_year": 0.0},
        "barriers": {"infrastructure_penalty": 0.0, "pressure_capacity_loss": 0.0,
                     "pilot_load": 0.0, "hero_fade_per_month": 0.0,
                     "unfunded_fade_per_month": 0.0, "base_pilot_failure": 0.0,
                     "complexity_failure": 0.0},
        "government": {"national_awareness_p_per_year": 0.0},
        "vendors": {"marketing_p_per_year": 0.0},
        "icb": {"background_mergers_per_year": 0.0},
        "start": {"recorded": "none"},  # the Bass curve starts with no adopters
    }})


def generic_innovation_data():
    """England's trusts with one cheap, beneficial innovation relevant to all of them."""
    data = england()
    fields = {k: v[:1].copy() for k, v in vars(data.innovations).items()}
    fields["relevant"] = np.ones((data.innovations.relevant.shape[0], 1), dtype=bool)
    fields.update(
        innovation_id=np.array(["generic"]), module_type=np.array([-1]),
        national_programme=np.array([False]), vendor=np.array([""]),
        vendor_product=np.array([False]), min_unit_trusts=np.array([1]),
        effect_bed_days_per_month=np.array([100.0]), pilot_cost_gbp_m=np.array([0.1]),
        running_cost_gbp_m_per_year=np.array([0.0]), infrastructure_need=np.array([0.0]),
        external_benefit_share=np.array([0.0]), pilot_duration_months=np.array([6]),
        time_to_benefit_months=np.array([3]))
    no_programmes = dataclasses.replace(
        data.programmes, **{k: v[:0] for k, v in vars(data.programmes).items()})
    return dataclasses.replace(data, innovations=type(data.innovations)(**fields),
                               programmes=no_programmes)


def bass_curve(p: float, q: float, years: np.ndarray) -> np.ndarray:
    decay = np.exp(-(p + q) * years)
    return (1 - decay) / (1 + (q / p) * decay)


def simulated_adoption(p: float, q: float, replications: int = 200,
                       months: int = 120) -> np.ndarray:
    """(replications, months) share of trusts piloting or with the innovation embedded."""
    cfg, data = barriers_off(p, q), generic_innovation_data()
    seeds = [replication_seed(11, r) for r in range(replications)]
    counts = Batch(cfg.scenario, cfg.strategies[0], seeds, data).run(months).recorded()
    in_use = counts["state_counts"][:, :, PILOTING, 0] + counts["state_counts"][:, :, EMBEDDED, 0]
    return in_use / data.trusts.icb.size


@pytest.mark.parametrize("p, q", [(0.03, 0.38), (0.08, 0.2)])
def test_adoption_follows_the_bass_curve(p, q):
    shares = simulated_adoption(p, q)
    mean = shares.mean(axis=0)
    standard_error = shares.std(axis=0, ddof=1) / np.sqrt(len(shares))
    years = np.arange(1, shares.shape[1] + 1) / 12
    deviation = np.abs(mean - bass_curve(p, q, years))
    allowed = LAG + STANDARD_ERRORS * standard_error
    worst = int(np.argmax(deviation - allowed))
    assert (deviation <= allowed).all(), (
        f"month {worst + 1}: deviation {deviation[worst]:.3f} > {allowed[worst]:.3f}")
    assert standard_error.max() < 0.01  # enough replications for the check to bite


def test_barriers_slow_adoption_below_the_bass_curve():
    """With the default barriers back on, adoption is slower than the Bass limit."""
    cfg = parse_config({"scenario": {"start": {"recorded": "none"}}})  # no adopters at start
    data = generic_innovation_data()
    model = NHSReformModel(cfg.scenario, cfg.strategies[0], rng=replication_seed(11, 0),
                           months=60, data=data).run()
    state = model.pop.state[:, 0]
    adopted = np.mean((state == PILOTING) | (state == EMBEDDED))
    assert adopted < bass_curve(0.03, 0.38, np.array([5.0]))[0]
