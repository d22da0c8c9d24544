"""Chunked evaluation on threads and in forked worker processes: same numbers for any number
of workers, chunk size and mechanism; errors, interrupts and a dying worker stop it cleanly."""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from pathlib import Path

import numpy as np
import pytest

from finmodel.api import drivers_for
from finmodel.sensitivity import evaluate as evaluate_module
from finmodel.errors import WorkerDied
from finmodel.sensitivity import processes
from finmodel.sensitivity.evaluate import engine_workers, evaluate
from finmodel.sensitivity.threads import for_each
from relhelp import kill_worker_at

forks = pytest.mark.skipif(not processes.available(), reason="no fork on this platform")
MECHANISMS = [False, pytest.param(True, marks=forks)]

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


@pytest.mark.parametrize("forked", MECHANISMS, ids=["threads", "processes"])
def test_workers_and_chunks_do_not_change_any_number(drivers, forked):
    ov = overrides(1_003)
    one = evaluate(drivers, ov, OUTPUTS, keep_rows=KEEP, workers=1)  # one chunk, this thread
    assert one.invalid.any()
    for workers, chunk in ((1, 100), (2, 100), (3, 37), (8, 1_003)):
        ev = evaluate(drivers, ov, OUTPUTS, keep_rows=KEEP, chunk=chunk, workers=workers, processes=forked)
        for o in OUTPUTS:
            np.testing.assert_array_equal(ev.values[o], one.values[o])
        for k in KEEP:
            np.testing.assert_array_equal(ev.rows[k], one.rows[k])
        np.testing.assert_array_equal(ev.invalid, one.invalid)


@pytest.mark.parametrize("forked", MECHANISMS, ids=["threads", "processes"])
def test_progress_counts_every_row_in_the_calling_thread(drivers, forked):
    seen = []
    evaluate(drivers, overrides(250), ["npv_usd_bn"], chunk=60, workers=3, processes=forked,
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
        evaluate(drivers, overrides(2_000), ["npv_usd_bn"], chunk=20, workers=2, progress=interrupt,
                 processes=False)
    assert len(calls) < 100  # 100 chunks; those not started were cancelled
    assert not _engine_threads()


@forks
def test_an_interrupt_in_the_caller_ends_the_worker_processes(drivers):
    done = []

    def interrupt(k):
        done.append(k)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        evaluate(drivers, overrides(4_000), ["npv_usd_bn"], chunk=20, workers=2, progress=interrupt,
                 processes=True)
    assert len(done) == 1
    assert not multiprocessing.active_children()  # joined ones are reaped


@pytest.mark.parametrize("forked", MECHANISMS, ids=["threads", "processes"])
def test_an_engine_error_propagates(drivers, monkeypatch, forked):
    real = evaluate_module._run_chunk

    def failing(*args):  # a worker process inherits it at the fork
        if args[-1].sl.start == 40:
            raise FloatingPointError("chunk at row 40")
        return real(*args)

    monkeypatch.setattr(evaluate_module, "_run_chunk", failing)
    with pytest.raises(FloatingPointError, match="row 40"):
        evaluate(drivers, overrides(200), ["npv_usd_bn"], chunk=20, workers=2, processes=forked)
    assert not _engine_threads()
    assert not multiprocessing.active_children()  # joined ones are reaped


class _Odd(Exception):
    """An error that pickles but cannot be rebuilt from its args (its __init__ takes two)."""

    def __init__(self, a, b):
        super().__init__(f"{a} {b}")


@forks
def test_an_error_that_cannot_come_back_whole_comes_back_as_its_traceback(drivers, monkeypatch):
    """Not a worker that died (exit 71): the error's type, message and where it was raised."""
    real = evaluate_module._run_chunk

    def odd(*args):
        if args[-1].sl.start == 40:
            raise _Odd("chunk at", "row 40")
        return real(*args)

    monkeypatch.setattr(evaluate_module, "_run_chunk", odd)
    with pytest.raises(RuntimeError, match=r"(?s)in odd.*_Odd: chunk at row 40"):
        evaluate(drivers, overrides(200), ["npv_usd_bn"], chunk=20, workers=2, processes=True)
    assert not multiprocessing.active_children()  # joined ones are reaped


@forks
def test_a_worker_process_that_dies_is_reported_not_waited_for(drivers, monkeypatch):
    kill_worker_at(monkeypatch, 40)
    with pytest.raises(WorkerDied, match="killed, or out of memory"):
        evaluate(drivers, overrides(200), ["npv_usd_bn"], chunk=20, workers=2, processes=True)
    assert not multiprocessing.active_children()  # joined ones are reaped


@forks
def test_worker_processes_serve_many_calls_and_only_their_own_drivers(drivers, mini):
    ov = overrides(300)
    one = evaluate(drivers, ov, OUTPUTS, workers=1)
    with engine_workers(drivers, 600, workers=2, processes=True, chunk=50) as pool:
        assert isinstance(pool, processes.Workers)
        first = evaluate(drivers, {k: v[:150] for k, v in ov.items()}, OUTPUTS, chunk=50, pool=pool)
        second = evaluate(drivers, {k: v[150:] for k, v in ov.items()}, OUTPUTS, chunk=50, pool=pool)
        with pytest.raises(ValueError, match="other drivers"):
            evaluate(drivers_for(mini), ov, OUTPUTS, chunk=50, pool=pool)
    for o in OUTPUTS:
        np.testing.assert_array_equal(np.concatenate([first.values[o], second.values[o]]), one.values[o])
    assert not multiprocessing.active_children()  # joined ones are reaped


def test_processes_from_many_rows_threads_below(drivers, monkeypatch):
    monkeypatch.setattr(evaluate_module, "processes_available", lambda: True)
    n = evaluate_module.PROCESS_MIN_ROWS
    assert evaluate_module._plan(n, 2, None, None) == (2, evaluate_module.CHUNK, True)
    assert evaluate_module._plan(n - 1, 2, None, None) == (2, evaluate_module.THREAD_CHUNK, False)
    assert evaluate_module._plan(n - 1, 2, True, None)[2]
    release = threading.Event()
    other = threading.Thread(target=release.wait)  # the caller's own thread (a notebook's, say)
    other.start()
    try:  # a lock it held at the fork would stay held in the workers: threads by default
        assert evaluate_module._plan(n, 2, None, None) == (2, evaluate_module.THREAD_CHUNK, False)
        assert evaluate_module._plan(n, 2, True, None)[2]
    finally:
        release.set()
        other.join()
    monkeypatch.setattr(evaluate_module, "processes_available", lambda: False)  # Windows, macOS
    assert evaluate_module._plan(n, 2, True, None) == (2, evaluate_module.THREAD_CHUNK, False)


_ORPHAN = """
import multiprocessing, os, sys, time, types
from finmodel.sensitivity import processes
if sys.argv[1] == "thread":  # the watch thread of a platform without PR_SET_PDEATHSIG
    processes.sys = types.SimpleNamespace(platform="freebsd")

def work(seconds):
    time.sleep(seconds)
    return os.getpid()

pool = processes.Workers(work, 2)
pool.for_each([0.0, 0.0])
print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
pool.for_each([60.0, 60.0])
"""


@forks
@pytest.mark.parametrize("how", ["prctl", "thread"])
def test_workers_end_with_the_process_that_forked_them(how):
    """A SIGKILL (or the out-of-memory killer) gives the caller no chance to stop its workers:
    they end on their own rather than wait for work forever."""
    import subprocess
    import sys
    import time
    root = Path(__file__).resolve().parents[2]  # this checkout's finmodel, whatever is installed
    proc = subprocess.Popen([sys.executable, "-c", _ORPHAN, how], stdout=subprocess.PIPE, text=True, cwd=root,
                            env=dict(os.environ, PYTHONPATH=str(root)))
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert len(pids) == 2
    time.sleep(0.3)
    proc.kill()
    proc.wait()

    def alive(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + 10
    while any(map(alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [p for p in pids if alive(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert not left


def _in_a_daemon(queue) -> None:
    queue.put(processes.available())


@forks
def test_inside_a_daemonic_process_the_workers_are_threads():
    """A multiprocessing pool's worker (daemonic) may not have children: evaluate uses threads."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_in_a_daemon, args=(queue,), daemon=True)
    child.start()
    assert queue.get(timeout=60) is False
    child.join()


def test_one_worker_or_no_fork_takes_no_worker_processes(drivers):
    with engine_workers(drivers, 10_000, workers=1, processes=True) as pool:
        assert pool is None
    with engine_workers(drivers, 100, workers=4, processes=True, chunk=100) as pool:
        assert pool is None  # one chunk
    with engine_workers(drivers, 100_000, workers=2, processes=False) as pool:
        assert pool is None


def test_for_each_runs_every_item_once_and_one_item_in_the_calling_thread():
    seen = []
    for_each(lambda i: seen.append(i) or i, range(50), 4, done=lambda r: None)
    assert sorted(seen) == list(range(50))
    where = []
    for_each(lambda i: where.append(threading.current_thread()), [0], 4)
    assert where == [threading.current_thread()]
