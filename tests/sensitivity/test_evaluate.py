"""Chunked evaluation on threads: same numbers for any number of threads and chunk size;
errors and interrupts stop it cleanly."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from finmodel.api import drivers_for
from finmodel.sensitivity import evaluate as evaluate_module
from finmodel.sensitivity.evaluate import evaluate
from finmodel.sensitivity.threads import for_each

OUTPUTS = ["npv_usd_bn", "irr", "payback_year", "revenue_total@2030"]
KEEP = ("revenue_total", "fcf", "cash_closing")


def overrides(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    rate = rng.uniform(0.05, 0.2, n)
    rate[::17] = 0.01  # below terminal growth: invalid rows
    return {"valuation.discount_rate": rate,
            "operations.power_price_usd_per_mwh": rng.uniform(30.0, 150.0, n),
            "commitments.delay_years": rng.integers(0, 3, n).astype(float)}


@pytest.fixture(scope="module")
def drivers(mini):
    return drivers_for(mini)


def _engine_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive()
            and t.name.startswith("ThreadPoolExecutor")]


def test_threads_and_chunks_do_not_change_any_number(drivers):
    ov = overrides(1_003)
    one = evaluate(drivers, ov, OUTPUTS, keep_rows=KEEP, workers=1)  # one chunk, this thread
    assert one.invalid.any()
    for workers, chunk in ((1, 100), (2, 100), (3, 37), (8, 1_003)):
        ev = evaluate(drivers, ov, OUTPUTS, keep_rows=KEEP, chunk=chunk, workers=workers)
        for o in OUTPUTS:
            np.testing.assert_array_equal(ev.values[o], one.values[o])
        for k in KEEP:
            np.testing.assert_array_equal(ev.rows[k], one.rows[k])
        np.testing.assert_array_equal(ev.invalid, one.invalid)


def test_progress_counts_every_row_in_the_calling_thread(drivers):
    seen = []
    evaluate(drivers, overrides(250), ["npv_usd_bn"], chunk=60, workers=3,
             progress=lambda k: seen.append((k, threading.current_thread())))
    assert sum(k for k, _ in seen) == 250 and len(seen) == 5
    assert {t for _, t in seen} == {threading.current_thread()}


def test_an_interrupt_cancels_the_remaining_chunks_and_leaves_no_thread(drivers, monkeypatch):
    calls = []
    real = evaluate_module._run_chunk

    def counted(*args):
        calls.append(args[-1])
        return real(*args)

    def interrupt(k):
        raise KeyboardInterrupt

    monkeypatch.setattr(evaluate_module, "_run_chunk", counted)
    with pytest.raises(KeyboardInterrupt):
        evaluate(drivers, overrides(2_000), ["npv_usd_bn"], chunk=20, workers=2, progress=interrupt)
    assert len(calls) < 100  # 100 chunks; those not started were cancelled
    assert not _engine_threads()


def test_an_engine_error_propagates(drivers, monkeypatch):
    real = evaluate_module._run_chunk

    def failing(*args):
        if args[-1].start == 40:
            raise FloatingPointError("chunk at row 40")
        return real(*args)

    monkeypatch.setattr(evaluate_module, "_run_chunk", failing)
    with pytest.raises(FloatingPointError, match="row 40"):
        evaluate(drivers, overrides(200), ["npv_usd_bn"], chunk=20, workers=2)
    assert not _engine_threads()


def test_for_each_runs_every_item_once_and_one_item_in_the_calling_thread():
    seen = []
    for_each(lambda i: seen.append(i) or i, range(50), 4, done=lambda r: None)
    assert sorted(seen) == list(range(50))
    where = []
    for_each(lambda i: where.append(threading.current_thread()), [0], 4)
    assert where == [threading.current_thread()]
