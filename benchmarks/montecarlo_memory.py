"""Wall time and peak memory of ``finmodel montecarlo`` at several draw counts.

Each run is a fresh process (``python -m finmodel montecarlo --draws N --seed 1 -q``) in a
temporary copy of the shipped assumptions; its peak memory is the largest proportional set
size of the process and its engine worker processes together, sampled every 50 ms
(``treemem.PeakTree``: pages the forked workers share with it counted once), its wall time
measured around it. Prints min/median/max of each over the runs, and the largest
``ru_maxrss`` of the process alone (``os.wait4``). This machine is shared: give several runs.

    python benchmarks/montecarlo_memory.py                 # 100k and 1M, 3 runs each
    python benchmarks/montecarlo_memory.py 10000000 --runs 1
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from treemem import PeakTree  # noqa: E402


def one_run(draws: int, folder: Path, extra: list[str]) -> tuple[float, float, float]:
    """(wall seconds, peak PSS of the process tree, peak RSS of the process, in GB) of one
    Monte Carlo of ``draws`` draws."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "finmodel", "montecarlo", "--draws", str(draws), "--seed", "1", "-q",
           "-o", str(folder / "out"), *extra]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=folder, env=env)
    with PeakTree(proc.pid) as peak:
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {code}")
    return wall, peak.gb, usage.ru_maxrss * 1024 / 1e9  # ru_maxrss is in KiB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("draws", nargs="*", type=int, default=[100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=3)
    args, extra = ap.parse_known_args()  # anything else: more montecarlo options (e.g. --lhs)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copytree(ROOT / "assumptions", folder / "assumptions")
        (folder / "out").mkdir()
        print(f"{'draws':>12} {'runs':>4}  {'wall s min/median/max':>24}  {'peak GB min/median/max':>24}"
              f"  {'process alone GB':>16}")
        for n in args.draws:
            walls, peaks, alone = zip(*(one_run(n, folder, extra) for _ in range(args.runs)))
            fmt = lambda xs, d: "/".join(f"{x:.{d}f}" for x in (min(xs), statistics.median(xs), max(xs)))
            print(f"{n:>12,} {args.runs:>4}  {fmt(walls, 1):>24}  {fmt(peaks, 2):>24}  {max(alone):>16.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
