"""Start-up time of the command line (prints figures; not a test).

Usage: python benchmarks/startup.py [--runs 7] [--importtime] [--bytecode] [--tree DIR]

Each command runs as a fresh process from the project folder, its outputs going to a temporary
folder; printed are the minimum, median and maximum wall time over ``--runs`` runs and the median
CPU time (user + system) of the process, which another busy process on the machine inflates far
less than the wall time. ``--importtime`` also prints the modules ``finmodel run`` spends most
import time in (``python -X importtime``). With ``PYTHONDONTWRITEBYTECODE`` set (as on the
reference machine) every run compiles finmodel's sources again; ``--bytecode`` measures with the
compiled bytecode cached, as an installed package has it (in a temporary
``PYTHONPYCACHEPREFIX``, so the tree stays clean). Targets (issue 16): ``finmodel --help`` <= 0.3 s and
``finmodel run`` (the base case to its workbook and run record) <= 1 s wall. ``--tree DIR``
also times another checkout (e.g. the commit before a change), its runs alternating with this
tree's, so that both see the same load.
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
    """Wall and CPU seconds of one run of ``argv`` (which must succeed), in the checkout that
    ``env``'s ``PYTHONPATH`` names (``python -m`` imports from the working folder first)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(argv, cwd=env["PYTHONPATH"], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def import_profile(argv: list[str], env: dict, top: int = 15) -> str:
    """The ``top`` modules of largest cumulative import time (outermost first in ties)."""
    done = subprocess.run([sys.executable, "-X", "importtime", *argv[1:]], cwd=env["PYTHONPATH"],
                          env=env,
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
    ap.add_argument("--tree", type=Path, help="another checkout to time alongside this one")
    args = ap.parse_args()
    trees = {"": ROOT} if args.tree is None else {"this: ": ROOT, "tree: ": args.tree.resolve()}
    with tempfile.TemporaryDirectory() as tmp:
        envs = {}
        for tag, tree in trees.items():  # each checkout's own package and bytecode
            env = dict(os.environ, PYTHONPATH=str(tree))
            if args.bytecode:
                env.pop("PYTHONDONTWRITEBYTECODE", None)
                env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / f"pycache-{len(envs)}")
            envs[tag] = env
        cmds = commands(Path(tmp))
        print(f"{args.runs} runs each; wall min / median / max, CPU median (s); bytecode "
              f"{'' if args.bytecode else 'not '}cached; load average "
              f"{os.getloadavg()[0]:.2f}" + (f"; tree = {args.tree}" if args.tree else ""))
        for label, argv in cmds.items():
            for env in envs.values():
                timed(argv, env)  # warm the file cache and the bytecode
            runs = {tag: [timed(argv, env) for _ in range(args.runs)] if len(envs) == 1 else []
                    for tag, env in envs.items()}
            if len(envs) > 1:
                for _ in range(args.runs):  # alternate, so both trees see the same load
                    for tag, env in envs.items():
                        runs[tag].append(timed(argv, env))
            for tag, times in runs.items():
                walls, cpus = zip(*times)
                print(f"{tag}{label:30s} {min(walls):6.3f} {statistics.median(walls):6.3f} "
                      f"{max(walls):6.3f}   cpu {statistics.median(cpus):6.3f}")
        if args.importtime:
            for tag, env in envs.items():
                print(f"{tag}finmodel run, largest cumulative import times:")
                print(import_profile(cmds["finmodel run"], env))


if __name__ == "__main__":
    main()
