"""The orchestrator: metrics and checks from the catalogue, against hand and outside references."""
from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest


def test_metrics_match_outside_references(base_run):
    r = base_run.result
    fcf = r.line_items["fcf"][0]
    rate = float(r.drivers.values["valuation.discount_rate"][0, 0])
    # Excel-style NPV (first flow at t=1) equals numpy-financial's npv with a zero in front
    assert r.metrics["npv_explicit_usd_bn"].value[0] == pytest.approx(npf.npv(rate, [0.0, *fcf[1:]]), rel=1e-12)
    assert r.metrics["cumulative_capex_usd_bn"].value[0] == pytest.approx(r.line_items["capex_total"][0].sum())
    assert r.metrics["min_cash_usd_bn"].value[0] == pytest.approx(r.line_items["cash_closing"][0].min())
    assert r.metrics["cumulative_capacity_spend_usd_bn"].value[0] == pytest.approx(
        r.metrics["cumulative_capex_usd_bn"].value[0] + r.metrics["cumulative_cloud_usd_bn"].value[0]
        + r.line_items["expansion_rent"][0].sum())


def test_irr_equals_numpy_financial_where_it_exists(mini_run):
    m = mini_run.result.metrics["irr"]
    fcf = mini_run.result.line_items["fcf"][0, 1:]
    if m.reason[0] == 0:
        assert m.value[0] == pytest.approx(npf.irr(fcf), rel=1e-9)
    else:
        assert np.isnan(m.value[0])


def test_checks_pass_and_the_master_check_is_their_and(base_run):
    r = base_run.result
    assert set(r.checks) == set(r.catalogue.checks)
    assert bool(r.checks_pass[0]) == all(bool(v[0]) for v in r.checks.values())
    assert bool(r.checks_pass[0])


def test_the_irr_scan_and_brackets_come_with_the_result(base_run):
    r = base_run.result
    from finmodel.engine.metrics import IRR_GRID
    assert r.irr_scan.shape == IRR_GRID.shape
    assert r.irr_brackets.shape == (len(IRR_GRID) - 1,)


def test_vintage_columns_sum_to_depreciation(base_run):
    r = base_run.result
    for comp, _, _ in r.drivers.structure.components:
        np.testing.assert_allclose(r.vintages(comp).sum(axis=0), r.line_items[f"depreciation.{comp}"][0],
                                   rtol=1e-12, atol=1e-12)


def test_anchors_are_evaluated_with_the_result(base_run):
    r = base_run.result
    keys = [a.key for a in r.anchors]
    assert "revenue-2025" in keys
    rev = next(a for a in r.anchors if a.key == "revenue-2025")
    assert float(rev.model[0]) == pytest.approx(float(r.at("revenue_total", 2025)[0]))


def test_asking_for_some_outputs_evaluates_only_what_they_need_and_the_same_values(base_run):
    """``run(drivers, outputs=...)`` (what every analysis uses) gives each metric and line item
    exactly its value in the full run, and leaves out what it does not depend on."""
    from finmodel.model.result import run
    d = base_run.result.drivers.with_overrides({"valuation.discount_rate": np.array([0.09, 0.12, 0.15]),
                                         "commitments.delay_years": np.array([0.0, 1.0, 2.0])})
    full = run(d)
    for key in full.metrics:
        part = run(d, outputs=[key])
        np.testing.assert_array_equal(part.metrics[key].value, full.metrics[key].value, err_msg=key)
        np.testing.assert_array_equal(part.metrics[key].reason, full.metrics[key].reason, err_msg=key)
    npv = run(d, outputs=["npv_usd_bn", "revenue_total"])
    np.testing.assert_array_equal(npv.line_items["revenue_total"], full.line_items["revenue_total"])
    assert "unfunded_gap" not in npv.line_items and "implied_discount_rate" not in npv.metrics
    assert len(npv.line_items) < 0.6 * len(full.line_items)  # 205 of 372 in the base


def test_a_releasing_run_lets_go_of_every_row_but_those_asked_for_and_gives_the_same_values(
        base_run, monkeypatch):
    """``run(..., outputs, release=True)`` (a Monte Carlo chunk) drops each line item once the
    last entry reading it is computed: the result holds only the line items asked for, with
    every value as in the full run. A metric that shares its name with a line item
    (``contracted_gw``) is the metric, as without ``release``."""
    import tracemalloc

    from finmodel.model.result import run
    rng = np.random.default_rng(7)
    n = 400
    d = base_run.result.drivers.with_overrides({
        "valuation.discount_rate": rng.uniform(0.06, 0.16, n),
        "commitments.delay_years": rng.integers(0, 3, n).astype(float),
        "commitments.realisation_fraction": rng.uniform(0.5, 1.0, n)})
    with np.errstate(all="ignore"):
        full = run(d)
        asked = ["npv_usd_bn", "irr", "peak_funding_need_usd_bn", "payback_year", "first_breach_year",
                 "contracted_gw", "funding_need", "fcf", "cash_closing"]  # as a Monte Carlo asks
        held = run(d, outputs=asked)
        from finmodel.model import result as result_module
        calls: list[tuple] = []
        real_call = result_module._Evaluator.call
        monkeypatch.setattr(result_module._Evaluator, "call",
                            lambda self, entry: calls.append((type(entry).__name__, entry.key))
                            or real_call(self, entry))
        tracemalloc.start()
        part = run(d, outputs=asked, release=True)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        monkeypatch.undo()
        tracemalloc.start()
        run(d, outputs=asked)
        peak_held = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert set(part.line_items) == {"funding_need", "fcf", "cash_closing"}
    # nothing let go too early: every entry computed once (a metric read through "m:" counts)
    assert len(calls) == len(set(calls)), [k for k in set(calls) if calls.count(k) > 1][:5]
    assert len(held.line_items) > 200  # without release every row computed stays
    for key in asked[:6]:
        np.testing.assert_array_equal(part.metrics[key].value, full.metrics[key].value, err_msg=key)
        np.testing.assert_array_equal(part.metrics[key].reason, full.metrics[key].reason, err_msg=key)
    for key in part.line_items:
        np.testing.assert_array_equal(part.line_items[key], full.line_items[key], err_msg=key)
    assert peak < 0.5 * peak_held  # 400 rows: ~4.5 against ~14 MB
    np.testing.assert_array_equal(part.checks_pass, full.checks_pass)  # checks recompute what they read


def test_a_releasing_run_asks_the_financing_recurrence_for_the_rows_it_reads(base_run, monkeypatch):
    """The recurrence behind the Financing rows is handed the rows a release plan reads (7 of
    ~38 for a Monte Carlo's outputs) and writes no others whole; a full run asks for every row
    (``rows=None``), and a check read after a releasing run gets its rows too."""
    from finmodel.engine import financing as fin
    from finmodel.model.result import run
    asked: list = []
    real = fin.financing_plan
    monkeypatch.setattr(fin, "financing_plan", lambda **kw: asked.append(kw["rows"]) or real(**kw))
    d = base_run.result.drivers.with_overrides({"valuation.discount_rate": np.linspace(0.06, 0.16, 70)})
    with np.errstate(all="ignore"):
        full = run(d)
        full_checks = full.checks_pass
        assert asked == [None]
        part = run(d, outputs=["npv_usd_bn", "peak_unfunded_gap_usd_bn", "cash_closing"], release=True)
        assert asked[1] == {"cash_closing", "unfunded_gap"}
        np.testing.assert_array_equal(part.line_items["cash_closing"], full.line_items["cash_closing"])
        np.testing.assert_array_equal(part.metrics["peak_unfunded_gap_usd_bn"].value,
                                      full.metrics["peak_unfunded_gap_usd_bn"].value)
        np.testing.assert_array_equal(part.checks_pass, full_checks)  # reads other rows: all of them
    assert None in asked[2:]


@pytest.mark.parametrize("varied", [
    ("commitments.realisation_fraction", "commitments.delay_years", "capex.servers.cost_usd_bn_per_gw"),
    ("financing.revolver.limit_usd_bn",)])  # the operations the same for every row: (1, T) items
def test_narrow_rows_given_to_elementwise_functions_change_no_bit(base_run, monkeypatch, varied):
    """The evaluator gives a line item computed narrower than (n, T) (a deal's realisation,
    (n, 1); a row the same for every scenario, (1, T)) to elementwise engine functions at that
    shape, and (n, T) to the others: every line item, metric and check is bit for bit what the
    run gives when every reader gets the (n, T) broadcast, and the result still holds (n, T)
    read-only rows."""
    from finmodel.model import result as result_module
    from finmodel.model.result import run
    rng = np.random.default_rng(16)
    ranges = {"commitments.realisation_fraction": (0.6, 1.0), "commitments.delay_years": (0, 4),
              "capex.servers.cost_usd_bn_per_gw": (20.0, 40.0), "financing.revolver.limit_usd_bn": (0.0, 80.0)}
    d = base_run.result.drivers.with_overrides(
        {k: np.floor(rng.uniform(*ranges[k], 40)) if k.endswith("delay_years") else rng.uniform(*ranges[k], 40)
         for k in varied})
    narrow = run(d)
    monkeypatch.setattr(result_module._Plan, "elementwise", lambda self, entry: False)
    wide = run(d)
    assert narrow.line_items.keys() == wide.line_items.keys()
    for key, row in narrow.line_items.items():
        assert row.shape == (40, d.periods) and not row.flags.writeable, key
        np.testing.assert_array_equal(row, wide.line_items[key], err_msg=key)
        assert (np.signbit(row) == np.signbit(wide.line_items[key])).all(), key
    for key, mt in narrow.metrics.items():
        np.testing.assert_array_equal(mt.value, wide.metrics[key].value, err_msg=key)
    for key, ok in narrow.checks.items():
        np.testing.assert_array_equal(ok, wide.checks[key], err_msg=key)


def _same_bits(a, b, key):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes(), key


def _assert_same_run(got, fresh):
    assert got.line_items.keys() == fresh.line_items.keys()
    for key, row in got.line_items.items():
        _same_bits(row, fresh.line_items[key], key)
    for key, mt in got.metrics.items():
        _same_bits(mt.value, fresh.metrics[key].value, key)
        _same_bits(mt.reason, fresh.metrics[key].reason, key)
    for key, ok in got.checks.items():
        _same_bits(ok, fresh.checks[key], key)


def test_a_small_run_takes_from_the_last_only_entries_whose_inputs_kept_their_values(base_run, monkeypatch):
    """Runs of a few rows remember their entries for the next (``result._memo``): each run in a
    sequence that varies some inputs, asks for some outputs, goes back to the scenario and
    changes an input array in place is bit for bit a run computed from nothing."""
    from finmodel.model import result as result_module
    from finmodel.model.result import run
    d0 = base_run.result.drivers
    d = d0.with_overrides({"valuation.discount_rate": d0.values["valuation.discount_rate"][:, 0].copy()})
    rng = np.random.default_rng(3)
    steps = [{"valuation.discount_rate": rng.uniform(0.08, 0.16, 1)},
             {"operations.power_price_usd_per_mwh": rng.uniform(40.0, 110.0, 1)},
             {"commitments.realisation_fraction": rng.uniform(0.6, 1.0, 3)},
             {"commitments.realisation_fraction": rng.uniform(0.6, 1.0, 3)},
             {}]
    computed: list[str] = []
    real_call = result_module._Evaluator.call
    with np.errstate(all="ignore"):
        for overrides in steps:
            drivers = d.with_overrides(overrides) if overrides else d
            monkeypatch.setattr(result_module._Evaluator, "call",
                                lambda self, entry: computed.append(entry.key) or real_call(self, entry))
            got, part = run(drivers), run(drivers, outputs=["npv_usd_bn", "fcf"], release=True)
            monkeypatch.undo()
            monkeypatch.setattr(result_module, "MEMO_ROWS", 0)
            fresh = run(drivers)
            monkeypatch.undo()
            _assert_same_run(got, fresh)
            _same_bits(part.metrics["npv_usd_bn"].value, fresh.metrics["npv_usd_bn"].value, "npv_usd_bn")
            _same_bits(part.line_items["fcf"], fresh.line_items["fcf"], "fcf")
        d.values["valuation.discount_rate"][...] = 0.125  # changed in place: seen by its value
        monkeypatch.setattr(result_module, "MEMO_ROWS", 0)
        fresh = run(d)
        monkeypatch.undo()
        computed.clear()
        monkeypatch.setattr(result_module._Evaluator, "call",
                            lambda self, entry: computed.append(entry.key) or real_call(self, entry))
        got = run(d)
        _assert_same_run(got, fresh)
    n_entries = len(got.catalogue.line_items) + len(got.catalogue.metrics) + len(got.catalogue.checks)
    assert 0 < len(computed) < 0.5 * n_entries  # only what the discount rate moves (~190 of 578)
