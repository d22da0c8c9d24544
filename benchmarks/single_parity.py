"""Parity of single runs between two checkouts: every line item, metric (value and reason)
and check of runs of one to eight rows, compared bit for bit.

Usage: python benchmarks/single_parity.py --tree /work/main

A run of a few rows takes from the last one what its changed inputs do not move
(``model.result._memo``), so the runs come in sequences that exercise it: each shipped
scenario plain, then 24 runs with random overrides of 1-4 of parity.py's inputs (n = 1, 3 or
8; every fifth run asks for NPV, IRR and FCF only, releasing rows), the scenario plain again,
and after an input array is changed in place. Each tree runs in its own subprocess; exits 1
if any output differs in a bit (or the outputs differ).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

CHILD = r'''
import sys, numpy as np
sys.path.insert(0, sys.argv[3])
from parity import INPUTS, outputs, use_tree
use_tree(sys.argv[1])
from pathlib import Path
from finmodel.api import drivers_for, load
from finmodel.model.result import run
root = Path(sys.argv[1])
out = {}
def dump(tag, r, full=True):
    out.update(outputs(r, tag, None if full else ("fcf", "npv_usd_bn", "irr")))
    if full:
        out[tag + "pass"] = np.asarray(r.checks_pass)
keys = sorted(INPUTS)
with np.errstate(all="ignore"):
    for scen in ["base.yaml"] + sorted(p.name for p in (root / "assumptions/scenarios").glob("*.yaml")):
        path = root / "assumptions" / (scen if scen == "base.yaml" else "scenarios/" + scen)
        d = drivers_for(load(path))
        rng = np.random.default_rng(5)
        dump(f"{scen}|plain|", run(d))
        for i in range(24):
            n = (1, 1, 1, 3, 8, 1)[i % 6]
            pick = rng.choice(len(keys), rng.integers(1, 5), replace=False)
            ov = {keys[j]: rng.uniform(*INPUTS[keys[j]], n) for j in pick if keys[j] in d.values}
            if i % 5 == 2:
                dump(f"{scen}|{i}|o|", run(d.with_overrides(ov), outputs=["npv_usd_bn", "irr", "fcf"], release=True), False)
            else:
                dump(f"{scen}|{i}|", run(d.with_overrides(ov)))
        dump(f"{scen}|plain2|", run(d))
        p = "valuation.discount_rate"
        d.values[p][...] = d.values[p] * 1.1  # changed in place
        dump(f"{scen}|inplace|", run(d))
np.savez(sys.argv[2], **out)
'''

def child(tree: Path, path: Path) -> None:
    subprocess.run([sys.executable, "-c", CHILD, str(tree.resolve()), str(path), str(HERE)], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", type=Path, required=True, help="the checkout to compare with")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp, "this.npz"), Path(tmp, "other.npz")
        child(HERE.parent, a)
        child(args.tree.resolve(), b)
        A, B = np.load(a), np.load(b)
        if sorted(A.files) != sorted(B.files):
            print(f"the outputs differ: {sorted(set(A.files) ^ set(B.files))[:10]}")
            sys.exit(1)
        bad = [k for k in A.files if A[k].shape != B[k].shape or A[k].tobytes() != B[k].tobytes()]
        print(f"{len(A.files)} outputs of single runs: {len(A.files) - len(bad)} equal bit for bit, "
              f"{len(bad)} differ{': ' + ', '.join(bad[:10]) if bad else ''}")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
