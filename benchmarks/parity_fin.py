"""Parity of every line item, metric (value and reason text) and check between two checkouts
(issue 16: the financing, IRR and check speed-ups must not change results).

Usage:
  python benchmarks/parity_fin.py dump --tree PATH --out FILE.npz   # evaluate a 3,000-row batch
  python benchmarks/parity_fin.py compare A.npz B.npz               # bitwise / relative differences

The batch varies benchmarks/speed.py's INPUTS plus financing inputs (rates, tranche sizes and
years, the revolver, the sweep, the gap rate), seed fixed, so both trees see the same draws.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

N = 3_000
FIN = "financing"
EXTRA = {
    f"{FIN}.cash_interest_rate": (0.0, 0.06),
    f"{FIN}.unfunded_gap_rate": (0.0, 0.15),
    f"{FIN}.sweep_fraction": (0.0, 1.0),
    f"{FIN}.opening_cash_usd_bn": (0.0, 30.0),
    f"{FIN}.revolver.limit_usd_bn": (0.0, 20.0),
    f"{FIN}.revolver.rate": (0.03, 0.12),
    "tax.rate_fraction": (0.15, 0.3),
    "valuation.terminal_growth": (0.01, 0.04),
}


def inputs(paths) -> dict[str, np.ndarray]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from speed import INPUTS
    rng = np.random.default_rng(16)
    ranges = dict(INPUTS) | EXTRA
    out = {k: rng.uniform(lo, hi, N) for k, (lo, hi) in ranges.items()}
    for p in paths:  # every tranche: size, rate, tenor (whole years) and draw year
        if p.endswith(".amount_usd_bn"):
            out[p] = rng.uniform(0.0, 80.0, N)
        elif p.endswith(".rate") and ".tranches." in p:
            out[p] = rng.uniform(0.04, 0.14, N)
        elif p.endswith(".tenor_years") and ".tranches." in p:
            out[p] = rng.integers(3, 12, N).astype(float)
        elif p.endswith(".draw_year") and ".tranches." in p:
            out[p] = rng.integers(2026, 2034, N).astype(float)
    return out


def engine_irr() -> dict[str, np.ndarray]:
    """The IRR engine on flows with 0 to 5 sign changes (the model's batch values almost every
    IRR): each row's value, reason text and root-count check."""
    from finmodel.engine.irr import irr, irr_roots_fit
    rng = np.random.default_rng(160)
    out = {}
    for changes in range(6):
        f = rng.normal(0.0, 1.0, (N // 6, 15)) * rng.uniform(0.1, 100.0, (N // 6, 1))
        f[:, 0] = -np.abs(f[:, 0]) * 5
        if changes < 5:  # at most ``changes`` runs of one sign after the first year
            cuts = np.sort(rng.integers(1, 15, (N // 6, changes)), axis=1)
            sign = np.ones((N // 6, 15))
            for j in range(changes):
                sign[np.arange(15)[None, :] >= cuts[:, j:j + 1]] *= -1
            f[:, 1:] = np.abs(f[:, 1:]) * -sign[:, 1:]
        f[rng.random(f.shape) < 0.05] = 0.0
        mt = irr(f)
        out[f"e:irr.{changes}"] = mt.value
        out[f"e:irr_reason.{changes}"] = np.array([str(mt.text(i) or "") for i in range(len(f))])
        out[f"e:irr_fit.{changes}"] = irr_roots_fit(f, 1e-9)
    return out


def dump(tree: Path, out: Path) -> None:
    sys.path.insert(0, str(tree))
    from finmodel.api import drivers_for, load
    from finmodel.model.result import run
    base = drivers_for(load(tree / "assumptions/base.yaml"))
    paths = [p for p in base.values if p.startswith(f"{FIN}.tranches.")]
    ov = inputs(paths)
    print(f"{len(ov)} inputs varied: {sorted(ov)}")
    r = run(base.with_overrides(ov))
    arrays = {f"li:{k}": np.asarray(v) for k, v in r.line_items.items()}
    for k, mt in r.metrics.items():
        arrays[f"m:{k}"] = np.asarray(mt.value)
        arrays[f"r:{k}"] = np.array([str(mt.text(i) or "") for i in range(N)])
    arrays |= {f"c:{k}": np.asarray(v) for k, v in r.checks.items()}
    arrays |= engine_irr()
    np.savez_compressed(out, **arrays)
    print(f"{tree}: {len(arrays)} arrays -> {out}")


def compare(a: Path, b: Path) -> int:
    A, B = np.load(a), np.load(b)
    if set(A.files) != set(B.files):
        print("different entries:", sorted(set(A.files) ^ set(B.files)))
        return 1
    bad, inexact = 0, []
    for k in sorted(A.files):
        x, y = A[k], B[k]
        if x.dtype.kind in "US" or x.dtype == bool:
            if not np.array_equal(x, y):
                bad += 1
                print(f"DIFFERENT {k}: {np.sum(x != y)} rows")
            continue
        if np.array_equal(x, y, equal_nan=True):
            continue
        same_nan = np.array_equal(np.isnan(x), np.isnan(y))
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.nanmax(np.abs(x - y) / np.maximum(np.abs(x), np.abs(y)).clip(1e-300)) if same_nan else np.inf
        inexact.append((k, rel))
        if not rel <= 1e-12:
            bad += 1
    for k, rel in sorted(inexact, key=lambda kv: -kv[1]):
        print(f"{'NOT EQUAL' if not rel <= 1e-12 else 'within 1e-12'} {k}: max relative difference {rel:.2e}")
    print(f"{len(A.files)} arrays: {len(A.files) - len(inexact) - bad} bit for bit, "
          f"{len([1 for _, r in inexact if r <= 1e-12])} within 1e-12, {bad} different")
    return 1 if bad else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--tree", type=Path, required=True)
    d.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = ap.parse_args()
    if args.cmd == "dump":
        dump(args.tree.resolve(), args.out)
    else:
        sys.exit(compare(args.a, args.b))


if __name__ == "__main__":
    main()
