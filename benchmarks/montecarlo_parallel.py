"""The Monte Carlo's engine pass on threads against worker processes, by chunk size.
Prints evaluations/s and peak memory.

Each configuration runs in a fresh process: the shipped spec's draws (``--draws``, seed 1)
are sampled, then evaluated block by block (:data:`~finmodel.sensitivity.montecarlo.BLOCK`,
the fan-chart rows kept in the first block, as ``montecarlo`` does) with W workers:

* ``processes``: forked worker processes (``concurrent.futures.ProcessPoolExecutor``) created
  once for every block (``evaluate.engine_workers``, what ``montecarlo`` does where the
  platform forks); each chunk's inputs go to a worker pickled, its outputs come back;
* ``per-call``: the same, but forked anew for each block's ``evaluate`` call (what a single
  large ``evaluate`` does);
* ``threads``: ``evaluate(..., processes=False)``, chunks on threads of this process (what
  ``montecarlo`` does where there is no fork).

Peak memory is the largest proportional set size of the process and its workers together,
sampled every 50 ms (``treemem.PeakTree``). Results are checked equal (bit for bit) across
the configurations.

    python benchmarks/montecarlo_parallel.py                         # 100k, 2 workers
    python benchmarks/montecarlo_parallel.py --draws 1000000 --mechanisms threads processes --chunks 5000
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from treemem import PeakTree  # noqa: E402

MECHANISMS = ("processes", "per-call", "threads")


def child(draws: int, mechanism: str, workers: int, chunk: int) -> dict:
    import numpy as np
    from finmodel.api import _Request, spec_path
    from finmodel.sensitivity.evaluate import engine_workers, evaluate
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
    sums = {o: 0.0 for o in outputs}
    engine = 0.0
    pos = 0
    first = None
    forked = mechanism != "threads"
    shared = (engine_workers(req.drivers, draws, workers, processes=True, chunk=chunk) if mechanism == "processes"
              else nullcontext())
    with shared as pool:
        while pos < draws:
            m = min(BLOCK, draws - pos)
            values = sampler.take(m)
            ov, sc = {}, {}
            for j, (v, _) in enumerate(chosen):
                col = np.round(values[:, j]) if v.integer else values[:, j]
                (sc if v.scale else ov)[v.path] = col
            keep = tuple(BAND_ITEMS) if pos == 0 else ()
            t = time.perf_counter()
            ev = evaluate(req.drivers, ov, outputs, sc, keep_rows=keep, workers=workers, chunk=chunk,
                          processes=forked, pool=pool)
            engine += time.perf_counter() - t
            if first is None:
                first = {o: ev.values[o][:1000].tolist() for o in outputs}
            for o in outputs:
                sums[o] += float(np.nansum(ev.values[o]))
            pos += m
    return {"engine": engine, "first": first, "sums": sums}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--draws", type=int, nargs="+", default=[100_000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--mechanisms", nargs="+", default=list(MECHANISMS), choices=MECHANISMS)
    ap.add_argument("--chunks", type=int, nargs="+", default=[5_000, 10_000])
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        n, mech, w, c = args.child
        print("RESULT " + json.dumps(child(int(n), mech, int(w), int(c))))
        return
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    print(f"engine pass of the shipped Monte Carlo, {args.workers} workers; evaluations/s and peak GB "
          f"(best/median/worst over {args.runs} runs)")
    for n in args.draws:
        configs = [(c, m) for c in args.chunks for m in args.mechanisms]
        res: dict = {k: [] for k in configs}
        for _ in range(args.runs):  # configurations interleaved run by run: load hits them alike
            for chunk, mech in configs:
                proc = subprocess.Popen([sys.executable, __file__, "--child", str(n), mech, str(args.workers),
                                         str(chunk)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
                with PeakTree(proc.pid) as peak:
                    stdout, stderr = proc.communicate()
                line = [x for x in stdout.splitlines() if x.startswith("RESULT ")]
                if not line:
                    raise SystemExit(stderr[-2000:])
                res[chunk, mech].append({**json.loads(line[0][7:]), "peak_gb": peak.gb})
        ref = res[configs[0]][0]
        for (chunk, mech), rs in res.items():
            same = all(r["first"] == ref["first"] and r["sums"] == ref["sums"] for r in rs)
            rate = sorted(n / r["engine"] for r in rs)
            peak = sorted(r["peak_gb"] for r in rs)
            print(f"{n:>9,} chunk {chunk:>6,} {mech:<10} {rate[-1]:>9,.0f} / {statistics.median(rate):>9,.0f} / "
                  f"{rate[0]:>9,.0f} eval/s  peak {peak[0]:.2f}/{statistics.median(peak):.2f}/"
                  f"{peak[-1]:.2f} GB  same results: {same}", flush=True)


if __name__ == "__main__":
    main()
