"""Every number a Monte Carlo reports, bit for bit, in two checkouts (default: this one and
/work/wt-base): each tree runs ``finmodel.api.montecarlo`` at a fixed seed in its own
subprocess and prints a digest of every value (floats as ``float.hex``, arrays by their
bytes) of the result: percentiles and their intervals, means, kept values, histograms,
bands and their intervals, input summary, correlations, probabilities, year tables and the
stable-at-N series. Differences are listed by path; exit status 1 when any.

    python benchmarks/mc_sameness.py --draws 200000 --seed 7 [--lhs] [--tree A --tree B]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

CHILD = r'''
import dataclasses, hashlib, json, math, sys
from pathlib import Path
sys.path.insert(0, sys.argv[5])  # this tree's package, before the installed (editable) one
import numpy as np, pandas as pd
import finmodel, finmodel.api as api
if Path(finmodel.__file__).resolve().parents[1] != Path(sys.argv[5]).resolve():
    sys.exit(f"imported {finmodel.__file__}, not the tree {sys.argv[5]}")
draws, seed, lhs, assumptions = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4]
run = api.montecarlo("base", draws, seed, lhs=lhs, assumptions_dir=assumptions)
mc = run.result if hasattr(run, "result") else run.mc
out, vals = {}, {}  # digests; numbers of float values and arrays up to 300,000 (to measure a difference)
def put(path, v):
    if isinstance(v, pd.DataFrame):
        put(path + ".index", np.asarray([str(x) for x in v.index]))
        put(path + ".columns", np.asarray([str(x) for x in v.columns]))
        for c in v.columns:
            put(f"{path}[{c}]", v[c].to_numpy())
    elif isinstance(v, np.ndarray):
        a = np.ascontiguousarray(v)
        digest = hashlib.sha256(a.tobytes() if a.dtype != object else repr(a.tolist()).encode()).hexdigest()
        out[path] = f"{a.dtype}{a.shape}:{digest[:16]}"
        if a.dtype.kind == "f" and a.size <= 300_000:
            vals[path] = a.ravel().tolist()
    elif isinstance(v, dict):
        for k, x in v.items():
            put(f"{path}.{k}", x)
    elif isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            put(f"{path}[{i}]", x)
    elif isinstance(v, (float, np.floating)):
        out[path] = float(v).hex()
        vals[path] = [float(v)]
    else:
        out[path] = repr(v)
for f in dataclasses.fields(mc):
    put(f.name, getattr(mc, f.name))
print("DIGEST " + json.dumps({"digests": out, "values": vals}))
'''


def digest(tree: Path, draws: int, seed: int, lhs: bool) -> dict:
    # the child runs in the tree and puts it first on its path (with ``-c`` the working folder
    # comes first, so a PYTHONPATH alone would import this checkout's package in both runs)
    cmd = [sys.executable, "-c", CHILD, str(draws), str(seed), "1" if lhs else "0", str(ROOT / "assumptions"),
           str(tree)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=tree)
    line = [x for x in res.stdout.splitlines() if x.startswith("DIGEST ")]
    if not line:
        raise SystemExit(f"{tree}: run failed ({res.returncode}):\n{res.stderr[-3000:]}")
    return json.loads(line[-1][7:])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--draws", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--lhs", action="store_true")
    ap.add_argument("--tree", type=Path, action="append", help="two checkouts (default /work/wt-base and this one)")
    args = ap.parse_args()
    a, b = args.tree or [Path("/work/wt-base"), ROOT]
    ra, rb = digest(a, args.draws, args.seed, args.lhs), digest(b, args.draws, args.seed, args.lhs)
    da, db = ra["digests"], rb["digests"]
    diff = sorted(k for k in set(da) | set(db) if da.get(k) != db.get(k))
    for k in diff[:50]:
        print(f"DIFFERS {k}: {da.get(k)} | {db.get(k)}")
    print(f"{len(da)} values compared, {len(diff)} differ ({args.draws:,} draws, seed {args.seed}, lhs {args.lhs})")
    if diff:  # how far apart the numbers that differ are (relative to the larger magnitude)
        worst, where, unmeasured = 0.0, None, 0
        for k in diff:
            x, y = ra["values"].get(k), rb["values"].get(k)
            if x is None or y is None or len(x) != len(y):
                unmeasured += 1
                print(f"  not measured: {k}")
                continue
            x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
            same = (x == y) | (np.isnan(x) & np.isnan(y))
            if np.any(np.isnan(x) != np.isnan(y)):
                unmeasured += 1
                continue
            rel = np.where(same, 0.0, np.abs(x - y) / np.maximum(np.maximum(np.abs(x), np.abs(y)), 1e-300))
            if rel.max() > worst:
                worst, where = float(rel.max()), k
        print(f"largest relative difference {worst:.3g} (at {where}); {unmeasured} differing values not numeric "
              "or not comparable (digests only, or n/a in one run)")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
