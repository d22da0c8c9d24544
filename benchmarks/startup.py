"""Start-up time of the command line (prints figures; not a test).

Usage: python benchmarks/startup.py [--runs 7] [--importtime] [--bytecode]

Each command runs as a fresh process from the project folder, its outputs going to a temporary
folder; printed are the minimum, median and maximum wall time over ``--runs`` runs and the median
CPU time (user + system) of the process, which another busy process on the machine inflates far
less than the wall time. ``--importtime`` also prints the modules ``finmodel run`` spends most
import time in (``python -X importtime``). With ``PYTHONDONTWRITEBYTECODE`` set (as on the
reference machine) every run compiles finmodel's sources again; ``--bytecode`` measures with the
compiled bytecode cached, as an installed package has it (in a temporary
``PYTHONPYCACHEPREFIX``, so the tree stays clean). Targets (issue 16): ``finmodel --help`` <= 0.3 s and
``finmodel run`` (the base case to its workbook and run record) <= 1 s wall.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FINMODEL = [sys.executable, "-m", "finmodel"]


def commands(outdir: Path) -> dict[str, list[str]]:
    return {
        'python -c "import finmodel"': [sys.executable, "-c", "import finmodel"],
        "finmodel --help": FINMODEL + ["--help"],
        "finmodel validate": FINMODEL + ["validate"],
        "finmodel run": FINMODEL + ["run", "-o", str(outdir)],
    }


def timed(argv: list[str], env: dict) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``argv`` (which must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def import_profile(argv: list[str], env: dict, top: int = 15) -> str:
    """The ``top`` modules of largest cumulative import time (outermost first in ties)."""
    done = subprocess.run([sys.executable, "-X", "importtime", *argv[1:]], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cumulative, name = line.split("|")
            rows.append((int(cumulative), name.rstrip()))
    rows.sort(reverse=True)
    return "\n".join(f"  {us / 1e6:6.3f} s {name}" for us, name in rows[:top])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--importtime", action="store_true")
    ap.add_argument("--bytecode", action="store_true", help="cache compiled bytecode")
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # this checkout, not an installed finmodel
    with tempfile.TemporaryDirectory() as tmp:
        if args.bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        cmds = commands(Path(tmp))
        print(f"{args.runs} runs each; wall min / median / max, CPU median (s); bytecode "
              f"{'not ' if env.get('PYTHONDONTWRITEBYTECODE') else ''}cached; load average "
              f"{os.getloadavg()[0]:.2f}")
        for label, argv in cmds.items():
            timed(argv, env)  # warm the file cache and the bytecode
            walls, cpus = zip(*(timed(argv, env) for _ in range(args.runs)))
            print(f"{label:30s} {min(walls):6.3f} {statistics.median(walls):6.3f} "
                  f"{max(walls):6.3f}   cpu {statistics.median(cpus):6.3f}")
        if args.importtime:
            print("finmodel run, largest cumulative import times:")
            print(import_profile(cmds["finmodel run"], env))


if __name__ == "__main__":
    main()
