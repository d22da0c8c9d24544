"""Goal seek on simulated statistics (``finmodel.solve`` with ``p90(...)``, ``mean(...)``,
``prob(...)`` targets): checked against fresh Monte Carlo runs and a hand calculation.

Tolerance of the fresh-seed checks: the solved value x* is computed on one set of draws and
checked on an independent one, so the fresh estimate minus the target has two independent
errors: the fresh run's own (its standard error SE_fresh) and the solution's (the statistic
is on target at x* for the first draws, off by about SE_stat of the first set for the true
one: slope x SE of x* = SE_stat). We accept |fresh - target| <= 3 sqrt(SE_fresh^2 + SE_stat^2):
a 3-sigma band, missed by chance 0.3 % of the time for a given seed (the seeds are fixed, so
the test is deterministic). The same check at x* moved by 6 of its standard errors must fail:
the band is narrow enough to catch a wrong solution.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from finmodel import api
from finmodel.sensitivity.goalseek import FixedDraws, _batch
from finmodel.sensitivity.oneway import Variation

ROOT = Path(__file__).resolve().parents[2]
ASSUMPTIONS = ROOT / "assumptions"
GROWTH = "revenue.segments.consumer.initial_growth"  # the spec samples it as a factor (PERT 0.8..1.2)
Z95 = 1.959963984540054


def _fresh_p90(x: float, seed: int, draws: int = 10_000) -> tuple[float, float]:
    """P90 of the peak funding need and its SE from a separate ``finmodel montecarlo``."""
    mc = api.montecarlo("base", draws=draws, seed=seed, metrics=["peak_funding_need_usd_bn"],
                        overrides={GROWTH: x}, assumptions_dir=ASSUMPTIONS)
    row = mc.result.percentiles["peak_funding_need_usd_bn"]
    return row["p90"], (row["p90_hi"] - row["p90_lo"]) / (2 * Z95)


def test_a_p90_goal_seek_rerun_with_a_fresh_seed_hits_the_target():
    run = api.solve("base", "p90(peak_funding_need_usd_bn)=500", GROWTH, "0.5,6", draws=3000, seed=11,
                    assumptions_dir=ASSUMPTIONS)
    s = run.solutions[0]
    assert s.message == "ok" and s.draws == 3000 and run.seed == 11
    assert s.achieved == pytest.approx(500, abs=1e-3)  # on the fixed draws, to solver precision
    assert s.se > 0 and s.slope < 0  # more growth, less funding need
    assert s.statistic_se == pytest.approx(abs(s.slope) * s.se)  # the delta method
    p90, se_fresh = _fresh_p90(s.value, seed=987_654)
    band = 3 * math.hypot(se_fresh, s.statistic_se)
    assert abs(p90 - 500) <= band
    wrong, _ = _fresh_p90(s.value + 6 * s.se, seed=987_654)  # a solution 6 SE off is caught
    assert abs(wrong - 500) > band


def test_a_probability_goal_seek_rerun_with_a_fresh_seed_hits_the_target():
    run = api.solve("base", "prob(npv_usd_bn<0)=0.2", GROWTH, "0.5,6", draws=3000, seed=21,
                    assumptions_dir=ASSUMPTIONS)
    s = run.solutions[0]
    assert s.message == "ok" and "equivalent quantile P20(npv_usd_bn) = 0" in s.method
    assert s.achieved == pytest.approx(0.2, abs=1 / 3000)  # the share of the fixed draws
    assert s.statistic_se == pytest.approx(math.sqrt(0.2 * 0.8 / 3000), rel=0.02)
    n = 10_000

    def fresh(x: float) -> float:
        mc = api.montecarlo("base", draws=n, seed=4242, metrics=["npv_usd_bn"], probabilities=["npv_usd_bn<0"],
                            overrides={GROWTH: x}, assumptions_dir=ASSUMPTIONS)
        probs = mc.probabilities
        return float(probs.loc[probs["event"] == "npv_usd_bn<0", "p"].iloc[0])  # the spec may ask it too

    band = 3 * math.hypot(math.sqrt(0.2 * 0.8 / n), s.statistic_se)
    assert abs(fresh(s.value) - 0.2) <= band
    assert abs(fresh(s.value - 6 * s.se) - 0.2) > band  # less growth: more draws below 0


def test_a_mean_goal_seek_matches_the_hand_calculation_on_a_linear_output():
    """Consumer demand in 2026 = start x (1 + g x f) with f the spec's sampled factor, so the mean
    over the draws is start x (1 + g mean(f)) and mean = T gives g* = (T / start - 1) / mean(f);
    its delta-method SE is g* sd(f) / (sqrt(n) mean(f))."""
    start, target, n, seed = 9.15, 20.0, 1000, 7  # start_usd_bn of the consumer segment in base.yaml
    mc = api.montecarlo("base", draws=n, seed=seed, metrics=["revenue_demand.consumer@2026"], keep_draws=True,
                        assumptions_dir=ASSUMPTIONS)
    f = mc.draws[GROWTH + "*"].to_numpy()  # the same draws: one seed, one sampler
    assert np.allclose(mc.draws["revenue_demand.consumer@2026"], start * (1 + 0.8 * f))  # linear indeed
    run = api.solve("base", {"mean(revenue_demand.consumer@2026)": target}, GROWTH, (0.1, 3), draws=n,
                    seed=seed, assumptions_dir=ASSUMPTIONS)
    s = run.solutions[0]
    g = (target / start - 1) / f.mean()
    assert s.value == pytest.approx(g, rel=1e-6)
    assert s.se == pytest.approx(g * f.std(ddof=1) / (math.sqrt(n) * f.mean()), rel=1e-6)
    assert s.slope == pytest.approx(start * f.mean(), rel=1e-6)
    # against the PERT's own mean (0.8 + 4 x 1 + 1.2) / 6 = 1: within 3 of the reported SE
    assert abs(s.value - (target / start - 1) / 1.0) <= 3 * s.se


def test_an_unreachable_statistic_says_so_with_the_statistic_at_both_bounds():
    run = api.solve("base", "p90(peak_funding_need_usd_bn)=10", GROWTH, "0.5,6", draws=200, seed=1,
                    assumptions_dir=ASSUMPTIONS)
    s = run.solutions[0]
    assert not run.ok and s.value is None and s.se is None
    assert "outside the reachable range" in s.message and "at 0.5 and" in s.message


@pytest.mark.parametrize("target, words", [
    ("p101(npv_usd_bn)=0", "Q must lie strictly between 0 and 100"),
    ("prob(npv_usd_bn)=0.2", "expected METRIC<OP>VALUE"),
    ("prob(npv_usd_bn<0)=1.2", "strictly between 0 and 1"),
    ("mode(npv_usd_bn)=0", "unknown statistic 'mode'"),
    ("p90(npv_usd)=0", "unknown metric 'npv_usd'"),
])
def test_bad_statistic_targets_are_usage_errors(target, words):
    from finmodel.errors import UsageError
    with pytest.raises(UsageError, match="--target") as err:
        api.solve("base", target, GROWTH, draws=100, seed=1, assumptions_dir=ASSUMPTIONS)
    assert words in str(err.value) + "".join(str(p) for p in err.value.problems)


def test_monte_carlo_options_without_a_statistic_target_are_refused():
    from finmodel.errors import UsageError
    with pytest.raises(UsageError, match="apply to a statistic target"):
        api.solve("base", "npv_usd_bn=0", GROWTH, draws=100, assumptions_dir=ASSUMPTIONS)


def _var(path: str, scale: bool, name: str = "x") -> Variation:
    return Variation(name, name, path, 1.0, 0.5, 2.0, scale)


@pytest.mark.parametrize("sampled_scale, vary_scale, expect", [
    (False, False, lambda d, x: ({"p": d + (x - 0.12)}, {})),   # a sampled value shifted
    (True, False, lambda d, x: ({"p": x}, {"p": d})),           # the solved value times the factor
    (False, True, lambda d, x: ({"p": d}, {"p": x})),           # the sampled value times the factor
    (True, True, lambda d, x: ({}, {"p": d * x})),              # factor on factor
])
def test_an_input_the_spec_samples_keeps_its_spread_around_the_solved_value(sampled_scale, vary_scale, expect):
    class FakeDrivers:  # base_value is all _batch asks of the drivers
        def base_value(self, path):
            return 0.12
    d = np.array([0.1, 0.12, 0.15])
    draws = FixedDraws((_var("p", sampled_scale, "spec_input"),), d[:, None], 0, False)
    overrides, scales = _batch(FakeDrivers(), draws, _var("p", vary_scale), np.array([0.2, 0.3]))
    want_o, want_s = expect(np.tile(d, 2), np.repeat([0.2, 0.3], 3))
    assert overrides.keys() == want_o.keys() and scales.keys() == want_s.keys()
    for got, want in ((overrides, want_o), (scales, want_s)):
        for k in want:
            assert np.allclose(np.broadcast_to(got[k], (6,)), want[k])


def test_the_answer_does_not_depend_on_how_the_scan_is_split_into_engine_calls(monkeypatch):
    from finmodel.sensitivity import goalseek
    args = dict(vary=GROWTH, bounds="0.5,6", draws=300, seed=5, assumptions_dir=ASSUMPTIONS)
    one = api.solve("base", "p90(peak_funding_need_usd_bn)=500", **args).solutions[0]
    monkeypatch.setattr(goalseek, "MAX_ROWS", 700)  # two scan points per engine call
    split = api.solve("base", "p90(peak_funding_need_usd_bn)=500", **args).solutions[0]
    assert split.value == one.value and split.scan_outputs == one.scan_outputs and split.se == one.se
