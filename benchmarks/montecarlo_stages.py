"""Per-stage wall time of ``finmodel montecarlo`` (best of several runs, each a fresh process).

Each run is a fresh interpreter that imports the command-line path (stage ``imports``: the
CLI and every module the Monte Carlo command uses), then runs ``finmodel montecarlo --draws N
--seed 1 -q -o OUT`` in-process with timers wrapped around the functions of each stage:

* ``assumptions``: the scenario's YAML read and validated (``api._Request.of``);
* ``spec``: the sensitivity spec read (``spec.load_spec``);
* ``sampling``: ``Sampler.take`` less the correlation below;
* ``correlation``: Iman-Conover / Gaussian copula, their marginals included (``sampling`` is then
  the uniforms and, without correlations, the marginals);
* ``engine``: ``evaluate`` (the engine on every draw, chunked and threaded);
* ``bands``: per-year fan-chart bands;
* ``statistics``: headline percentiles, histograms, stable-at-N series, achieved correlations;
* ``reductions``: the rest of ``montecarlo()`` (kept outputs, counts, streaming moments);
* ``workbook``: the XlsxWriter workbook; ``record``: the run record (git, versions);
* ``other``: the rest of the process (CSV/text output, interpreter exit not included).

Prints min / median / max of each stage over the runs, of the total, and of memory: ``peak
GB`` is the largest proportional set size of the run's process and its engine worker
processes together, sampled every 50 ms from outside (``treemem.PeakTree``: shared pages
counted once); ``parent GB`` the peak resident memory (``ru_maxrss``) of the process alone.

    python benchmarks/montecarlo_stages.py                   # 100k and 1M, 3 runs each
    python benchmarks/montecarlo_stages.py 1000000 --runs 5 --tree /work/wt-base
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from treemem import PeakTree  # noqa: E402

STAGES = ("imports", "assumptions", "spec", "sampling", "correlation", "engine", "reductions", "bands",
          "statistics", "workbook", "record", "other", "total", "peak GB", "parent GB")

CHILD = r'''
import json, sys, threading, time
t0 = time.perf_counter()
import finmodel.cli, finmodel.api, finmodel.runs
import finmodel.sensitivity.montecarlo as mc, finmodel.sensitivity.sampling as sp
import finmodel.sensitivity.spec as spec_mod, finmodel.workbook.writer as writer, finmodel.record as record
import pandas, scipy.special  # what the command imports anyway (scipy.stats is not: a tree
# that needs it imports it inside the run, where "other" or its stage counts it)
t_imports = time.perf_counter() - t0
spent = {}
active = {}  # stage -> [calls running, when the first began]: a stage's time is the wall time
lock = threading.Lock()  # during which any of its calls runs (calls on threads overlap)

def wrap(owner, name, stage):
    fn = owner[name] if isinstance(owner, dict) else getattr(owner, name)
    def timed(*a, **k):
        with lock:
            run = active.setdefault(stage, [0, 0.0])
            if run[0] == 0:
                run[1] = time.perf_counter()
            run[0] += 1
        try:
            return fn(*a, **k)
        finally:
            with lock:
                run[0] -= 1
                if run[0] == 0:
                    spent[stage] = spent.get(stage, 0.0) + time.perf_counter() - run[1]
    if isinstance(owner, dict):
        owner[name] = timed
    else:
        setattr(owner, name, timed)

wrap(finmodel.api._Request, "of", "assumptions")
wrap(spec_mod, "load_spec", "spec")
wrap(sp.Sampler, "take", "sampling+correlation")
for key in list(getattr(sp, "CORRELATORS", {})):  # the methods are called through this registry
    wrap(sp.CORRELATORS, key, "correlation")
wrap(mc, "evaluate", "engine")
wrap(mc, "_bands", "bands")
for f in ("histogram", "_convergence", "_correlations", "_intervals"):
    if hasattr(mc, f):
        wrap(mc, f, "statistics")
wrap(mc, "montecarlo", "montecarlo")
wrap(writer, "write_workbook", "workbook")
for f in ("run_info", "record_json"):
    wrap(record, f, "record")
from finmodel.cli import main
s = time.perf_counter()
try:
    main(sys.argv[1:])
except SystemExit:
    pass
run = time.perf_counter() - s
spent["imports"] = t_imports
spent["sampling"] = spent.pop("sampling+correlation", 0.0) - spent.get("correlation", 0.0)
inner = sum(spent.get(k, 0.0) for k in ("sampling", "correlation", "engine", "bands", "statistics"))
spent["reductions"] = spent.pop("montecarlo") - inner
spent["other"] = run - sum(v for k, v in spent.items() if k != "imports")
spent["total"] = time.perf_counter() - t0
import resource
spent["parent GB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9
print("STAGES " + json.dumps(spent))
'''


def one_run(tree: Path, draws: int, folder: Path, extra: list[str]) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    cmd = [sys.executable, "-c", CHILD, "montecarlo", "--draws", str(draws), "--seed", "1", "-q",
           "-o", str(folder / "out"), *extra]
    proc = subprocess.Popen(cmd, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with PeakTree(proc.pid) as peak:
        stdout, stderr = proc.communicate()
    line = [x for x in stdout.splitlines() if x.startswith("STAGES ")]
    if not line:
        raise SystemExit(f"run failed ({proc.returncode}):\n{stderr[-2000:]}")
    return {**json.loads(line[-1][7:]), "peak GB": peak.gb}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("draws", nargs="*", type=int, default=[100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tree", type=Path, action="append",
                    help="a checkout to measure (repeatable; default this one)")
    args, extra = ap.parse_known_args()
    trees = args.tree or [ROOT]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copytree(ROOT / "assumptions", folder / "assumptions")
        (folder / "out").mkdir()
        for n in args.draws:
            # interleave the trees run by run, so load on this shared machine hits them alike
            runs = {t: [] for t in trees}
            for _ in range(args.runs):
                for t in trees:
                    runs[t].append(one_run(t, n, folder, extra))
            for t in trees:
                print(f"\n{n:,} draws, {args.runs} runs, tree {t}")
                print(f"{'stage [s]':<12} {'min':>8} {'median':>8} {'max':>8}")
                for st in STAGES:
                    xs = [r.get(st, 0.0) for r in runs[t]]
                    print(f"{st:<12} {min(xs):8.2f} {statistics.median(xs):8.2f} {max(xs):8.2f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
