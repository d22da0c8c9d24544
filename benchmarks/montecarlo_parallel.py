"""The Monte Carlo's engine pass, threads against worker processes (concurrent.futures), and
the engine chunk size against speed and memory. Prints evaluations/s and peak memory.

Each configuration runs in a fresh process: the shipped spec's draws (``--draws``, seed 1)
are sampled, then evaluated block by block (:data:`~finmodel.sensitivity.montecarlo.BLOCK`,
the fan-chart rows kept in the first block, as ``montecarlo`` does) with:

* ``threads``: ``evaluate(..., workers=W, chunk=C)`` (what ``montecarlo`` uses);
* ``fork`` / ``forkserver``: a ``ProcessPoolExecutor`` of W workers (one BLAS thread each),
  created once; each task is one chunk's input columns (pickled, ~C x 20 x 8 bytes), the
  worker runs ``evaluate`` on it in one thread and returns its outputs (pickled back).

Peak memory is the parent's ``ru_maxrss`` plus the largest child's (RUSAGE_CHILDREN gives
the largest terminated child's): both are resident at once. With forkserver the workers are
the server's children, not ours: their memory is NOT counted (the figure is a lower bound). Results are checked equal to
the one-thread pass (bit for bit) at the smallest draw count.

    python benchmarks/montecarlo_parallel.py                         # 100k, 2 workers
    python benchmarks/montecarlo_parallel.py --draws 1000000 --mechanisms threads fork --chunks 2500
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_W: dict = {}


def _init(drivers, outputs) -> None:
    from threadpoolctl import threadpool_limits
    _W["limits"] = threadpool_limits(limits=1)
    _W["drivers"], _W["outputs"] = drivers, outputs


def _task(overrides, scales, keep_rows):
    from finmodel.sensitivity.evaluate import evaluate
    ev = evaluate(_W["drivers"], overrides, _W["outputs"], scales, keep_rows=keep_rows,
                  chunk=len(next(iter(overrides.values()))), workers=1)
    return ev.values, ev.invalid, {k: v.T.copy() for k, v in ev.rows.items()}


def child(draws: int, mechanism: str, workers: int, chunk: int) -> dict:
    import numpy as np
    from finmodel.api import _Request, spec_path
    from finmodel.sensitivity.evaluate import evaluate
    from finmodel.sensitivity.montecarlo import BAND_ITEMS, BLOCK
    from finmodel.sensitivity.sampling import Sampler
    from finmodel.sensitivity.spec import load_spec
    req = _Request.of("base", (), ROOT / "assumptions")
    sens, variations = load_spec(spec_path(None, ROOT / "assumptions"), req.drivers)
    chosen = sens.sampled(variations)
    names = [v.name for v, _ in chosen]
    outputs = list(dict.fromkeys(list(sens.outputs) + [p.output for p in sens.probabilities]
                                 + list(sens.year_distributions)))
    corr = sens.correlation_matrix(names) if sens.correlations else None
    sampler = Sampler([d for _, d in chosen], draws, 1, False, corr, sens.montecarlo_method, names=names)
    pool = None
    if mechanism != "threads":
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor
        pool = ProcessPoolExecutor(workers, mp_context=mp.get_context(mechanism), initializer=_init,
                                   initargs=(req.drivers, outputs))
    sums = {o: 0.0 for o in outputs}
    engine = 0.0
    pos = 0
    first = None
    while pos < draws:
        m = min(BLOCK, draws - pos)
        values = sampler.take(m)
        ov, sc = {}, {}
        for j, (v, _) in enumerate(chosen):
            col = np.round(values[:, j]) if v.integer else values[:, j]
            (sc if v.scale else ov)[v.path] = np.ascontiguousarray(col)
        keep = tuple(BAND_ITEMS) if pos == 0 else ()
        t = time.perf_counter()
        if pool is None:
            ev = evaluate(req.drivers, ov, outputs, sc, keep_rows=keep, workers=workers, chunk=chunk)
            vals = ev.values
        else:
            vals = {o: np.empty(m) for o in outputs}
            futures = [(s, pool.submit(_task, {k: a[s:s + chunk] for k, a in ov.items()},
                                       {k: a[s:s + chunk] for k, a in sc.items()}, keep))
                       for s in range(0, m, chunk)]
            for s, f in futures:
                got, _, _ = f.result()
                for o in outputs:
                    vals[o][s:s + chunk] = got[o]
        engine += time.perf_counter() - t
        if first is None:
            first = {o: vals[o][:1000].tolist() for o in outputs}
        for o in outputs:
            sums[o] += float(np.nansum(vals[o]))
        pos += m
    if pool is not None:
        pool.shutdown()
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"engine": engine, "peak_gb": (me + (kids if pool is not None else 0)) * 1024 / 1e9,
            "first": first, "sums": sums}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--draws", type=int, nargs="+", default=[100_000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--mechanisms", nargs="+", default=["threads", "fork", "forkserver"])
    ap.add_argument("--chunks", type=int, nargs="+", default=[2_500, 10_000, 25_000])
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        n, mech, w, c = args.child
        print("RESULT " + json.dumps(child(int(n), mech, int(w), int(c))))
        return
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    print(f"engine pass of the shipped Monte Carlo, {args.workers} workers; evaluations/s and peak GB "
          f"(min/median/max over {args.runs} runs)")
    for n in args.draws:
        configs = [(c, m) for c in args.chunks for m in args.mechanisms]
        res: dict = {k: [] for k in configs}
        for _ in range(args.runs):  # configurations interleaved run by run: load hits them alike
            for chunk, mech in configs:
                out = subprocess.run([sys.executable, __file__, "--child", str(n), mech, str(args.workers),
                                      str(chunk)], env=env, capture_output=True, text=True)
                line = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
                if not line:
                    raise SystemExit(out.stderr[-2000:])
                res[chunk, mech].append(json.loads(line[0][7:]))
        ref = res[configs[0]][0]
        for (chunk, mech), rs in res.items():
            same = all(r["first"] == ref["first"] and r["sums"] == ref["sums"] for r in rs)
            rate = sorted(n / r["engine"] for r in rs)
            peak = sorted(r["peak_gb"] for r in rs)
            print(f"{n:>9,} chunk {chunk:>6,} {mech:<14} {rate[-1]:>9,.0f} / {statistics.median(rate):>9,.0f} / "
                  f"{rate[0]:>9,.0f} eval/s (best/median/worst)  peak {peak[0]:.2f}/{statistics.median(peak):.2f}/"
                  f"{peak[-1]:.2f} GB  same results: {same}", flush=True)

if __name__ == "__main__":
    main()
