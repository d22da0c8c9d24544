"""Parity of the engine between two checkouts (issue 16): every line item, metric (value and
reason) and check of a random batch (speed.py's inputs, the deals' delay and realisation, the
servers' and networking's lives, the supply chain's origin, tariffs and supplier weights, a
cloud deal's capacity, the financing: rates, cash, revolver, sweep, tax and every debt tranche), and the IRR engine on flows with 0-5 sign changes, compared bit for bit.

Usage: python benchmarks/parity.py --tree /work/wt-base [--n 3000]

Each tree is evaluated in its own subprocess (so the two packages never share a process); the
results are saved to .npz files and compared here. Prints the number of outputs, those equal
bit for bit, and the largest relative difference of the others; exits 1 if any output differs
by more than 1e-12 relative (or a reason, check or NaN pattern differs).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

INPUTS = {  # speed.py's inputs, the deals' delay and realisation, the financing, the supply chain
    "valuation.discount_rate": (0.08, 0.16),
    "capex.servers.cost_usd_bn_per_gw": (20.0, 40.0),
    "operations.power_price_usd_per_mwh": (40.0, 110.0),
    "revenue.segments.consumer.initial_growth": (0.8, 1.6),
    "commitments.realisation_fraction": (0.6, 1.0),
    "financing.cash_interest_rate": (0.0, 0.06),
    "financing.unfunded_gap_rate": (0.0, 0.15),
    "financing.sweep_fraction": (0.0, 1.0),
    "financing.opening_cash_usd_bn": (0.0, 30.0),
    "financing.revolver.limit_usd_bn": (0.0, 20.0),
    "financing.revolver.rate": (0.03, 0.12),
    "tax.rate_fraction": (0.15, 0.3),
    "valuation.terminal_growth": (0.01, 0.04),
    "capex.servers.life_years": (2.5, 7.0),  # whole-year parts 2..7: rows retire and refresh apart
    "capex.networking.life_years": (3.0, 8.0),
    # the supply chain's origin, tariff and supplier weights (rows given narrow to their readers)
    "supply_chain.bom.servers.accelerators.us_made_fraction": (0.0, 0.6),
    "supply_chain.bom.servers.accelerators.tariff_rate": (0.0, 0.3),
    "supply_chain.bom.servers.accelerators.suppliers.nvidia.share_fraction": (0.3, 1.0),
    "supply_chain.bom.networking.cabling.us_premium_fraction": (0.0, 0.25),
    "deals.oracle-cloud.capacity_gw": (2.0, 6.0),
}
INTEGER_INPUTS = {"commitments.delay_years": (0, 4)}  # whole years

HERE = Path(__file__).resolve().parent


def use_tree(tree: str) -> None:
    """In a child process: import finmodel from ``tree`` (before the installed one), or exit."""
    sys.path.insert(0, tree)
    import finmodel
    if Path(finmodel.__file__).resolve().parents[1] != Path(tree).resolve():
        sys.exit(f"imported {finmodel.__file__}, not the tree {tree}")


def outputs(r, tag: str = "", only: tuple[str, ...] | None = None) -> dict:
    """What parity compares of a ``Result``: every line item (``li:``), metric value and reason
    (``mv:``, ``mr:``) and check (``ck:``); with ``only``, those line items and metrics alone."""
    out = {}
    for k, v in r.line_items.items():
        if only is None or k in only:
            out[f"{tag}li:{k}"] = np.asarray(v)
    for k, mt in r.metrics.items():
        if only is None or k in only:
            out[f"{tag}mv:{k}"] = np.asarray(mt.value)
            out[f"{tag}mr:{k}"] = np.asarray([mt.text(i) or "" for i in range(r.n)])
    if only is None:
        for k, v in r.checks.items():
            out[f"{tag}ck:{k}"] = np.asarray(v)
    return out


CHILD = r"""
import sys, numpy as np
sys.path.insert(0, sys.argv[5])
from parity import outputs, tranches, use_tree
use_tree(sys.argv[1])
from pathlib import Path
from finmodel.api import drivers_for, load
from finmodel.model.result import run
root = Path(sys.argv[1]); n = int(sys.argv[3])
ov = dict(np.load(sys.argv[4]))
base = drivers_for(load(root / "assumptions/base.yaml"))
ov.update(tranches(base, n))
r = run(base.with_overrides(ov))
out = outputs(r)
out["invalid"] = np.asarray(r.drivers.invalid)
# the IRR engine on flows with 0 to 5 sign changes (the model's batch values almost every IRR)
from finmodel.engine.irr import irr, irr_roots_fit
rng = np.random.default_rng(160)
for changes in range(6):
    f = rng.normal(0.0, 1.0, (n // 6, 15)) * rng.uniform(0.1, 100.0, (n // 6, 1))
    f[:, 0] = -np.abs(f[:, 0]) * 5
    if changes < 5:  # at most ``changes`` runs of one sign after the first year
        cuts = np.sort(rng.integers(1, 15, (n // 6, changes)), axis=1)
        sign = np.ones((n // 6, 15))
        for j in range(changes):
            sign[np.arange(15)[None, :] >= cuts[:, j:j + 1]] *= -1
        f[:, 1:] = np.abs(f[:, 1:]) * -sign[:, 1:]
    f[rng.random(f.shape) < 0.05] = 0.0
    mt = irr(f)
    out[f"irr:{changes}"] = mt.value
    out[f"irr_reason:{changes}"] = np.asarray([mt.text(i) or "" for i in range(len(f))])
    out[f"irr_fit:{changes}"] = irr_roots_fit(f, 1e-9)
np.savez(sys.argv[2], **out)
"""


def batch(n: int) -> dict[str, np.ndarray]:
    """The random inputs of ``n`` rows (``tranches`` adds the debt)."""
    rng = np.random.default_rng(16)
    ov = {k: rng.uniform(lo, hi, n) for k, (lo, hi) in INPUTS.items()}
    ov.update({k: rng.integers(lo, hi + 1, n).astype(float) for k, (lo, hi) in INTEGER_INPUTS.items()})
    return ov


def tranches(base, n: int) -> dict[str, np.ndarray]:
    """Every debt tranche of ``base`` (a ``Drivers``) varied: size, rate, tenor and draw year."""
    rng, ov = np.random.default_rng(161), {}
    for p in sorted(k for k in base.values if k.startswith("financing.tranches.")):
        if p.endswith(".amount_usd_bn"):
            ov[p] = rng.uniform(0.0, 80.0, n)
        elif p.endswith(".rate"):
            ov[p] = rng.uniform(0.04, 0.14, n)
        elif p.endswith(".tenor_years"):
            ov[p] = rng.integers(3, 12, n).astype(float)
        elif p.endswith(".draw_year"):
            ov[p] = rng.integers(2026, 2034, n).astype(float)
    return ov


def evaluate(tree: str, n: int, inputs: Path, tmp: Path) -> dict:
    path = tmp / (Path(tree).name + ".npz")
    subprocess.run([sys.executable, "-c", CHILD, str(Path(tree).resolve()), str(path), str(n), str(inputs),
                    str(HERE)], check=True)
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--tree", required=True, help="the checkout to compare against")
    p.add_argument("--this", default=str(Path(__file__).resolve().parents[1]))
    p.add_argument("--n", type=int, default=3000)
    a = p.parse_args()
    ov = batch(a.n)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        np.savez(tmp / "inputs.npz", **ov)
        old = evaluate(a.tree, a.n, tmp / "inputs.npz", tmp)
        new = evaluate(a.this, a.n, tmp / "inputs.npz", tmp)
    bad = sorted(set(old) ^ set(new))
    exact, worst = 0, []
    for k in sorted(set(old) & set(new)):
        x, y = old[k], new[k]
        if x.shape != y.shape:
            bad.append(f"{k}: shape {x.shape} vs {y.shape}")
        elif x.dtype.kind in "USb":
            if np.array_equal(x, y):
                exact += 1
            else:
                bad.append(f"{k}: differs")
        elif np.array_equal(x, y, equal_nan=True):
            exact += 1
        elif not np.array_equal(np.isnan(x), np.isnan(y)):
            bad.append(f"{k}: NaN pattern differs")
        else:
            ok = ~np.isnan(x)
            rel = float(np.max(np.abs(x[ok] - y[ok]) / np.maximum(np.abs(x[ok]), 1e-300)))
            worst.append((rel, k))
            if rel > 1e-12:
                bad.append(f"{k}: relative difference {rel:.3g}")
    total = len(set(old) | set(new))
    print(f"{total} outputs of {a.n} rows: {exact} equal bit for bit, {len(worst)} within rounding, "
          f"{len(bad)} differ")
    for rel, k in sorted(worst, reverse=True)[:10]:
        print(f"  {k}: {rel:.3g} relative")
    for b in bad[:20]:
        print("  DIFFERS", b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
