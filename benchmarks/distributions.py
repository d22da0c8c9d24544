"""Inverse CDFs: the PERT table against scipy.stats.beta, the discrete search against
scipy's rv_discrete, and what the PERT table saves in the shipped spec's sampling (prints
figures; not a test).

Usage: python benchmarks/distributions.py [--draws 1000000]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from finmodel.api import load, load_spec  # noqa: E402
from finmodel.sensitivity import distributions as dist_module  # noqa: E402
from finmodel.sensitivity.distributions import Discrete, Pert  # noqa: E402
from finmodel.sensitivity.sampling import sample  # noqa: E402


def best_of(f, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def scipy_ppf(d, u: np.ndarray) -> np.ndarray:
    """The generic inverse CDF every model inherits: its scipy frozen distribution's."""
    return dist_module._Distribution.ppf(d, u)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=1_000_000)
    n = ap.parse_args().draws
    u = np.random.default_rng(0).random(n)
    print(f"inverse CDF of {n:,} uniforms (best of 3), one input:")
    print(f"{'distribution':<44} {'table (s)':>10} {'scipy (s)':>10} {'ratio':>6} "
          f"{'max |error| / width':>20}")
    for d in (Pert(low=0.8, mode=1.0, high=1.2), Pert(low=0.0, mode=3.0, high=10.0),
              Pert(low=0.0, mode=0.1, high=1.0, lamb=50.0), Pert(low=0.0, mode=6.66e-16, high=3.0)):
        d.ppf(u[:2])  # table built and cached, as after the first chunk of a run
        mine, ref = best_of(lambda: d.ppf(u)), best_of(lambda: scipy_ppf(d, u))
        x, y = d.ppf(u), scipy_ppf(d, u)
        known = np.isfinite(y)
        err = np.abs(x[known] - y[known]).max() / (d.high - d.low)
        name = f"pert({d.low:g}, {d.mode:g}, {d.high:g}, lamb={d.lamb:g})"
        print(f"{name:<44} {mine:>10.3f} {ref:>10.3f} {ref / mine:>5.1f}x {err:>20.1e}")
    build = best_of(lambda: (dist_module._beta_logit_inverse.cache_clear(),
                             dist_module._beta_logit_inverse(2.0, 3.0)))
    print(f"building one PERT table (4,097 scipy quantiles + PCHIP): {build * 1e3:.1f} ms")

    d = Discrete(values=[0.0, 1.0, 2.0], probabilities=[0.5, 0.35, 0.15])
    mine, ref = best_of(lambda: d.ppf(u)), best_of(lambda: d.frozen().ppf(u))
    print(f"{'discrete(0, 1, 2) searchsorted / rv_discrete':<44} {mine:>10.3f} {ref:>10.3f} "
          f"{ref / mine:>5.1f}x")

    a = load("base", assumptions_dir=ROOT / "assumptions")
    spec, variations = load_spec(None, a, ROOT / "assumptions")
    chosen = [(v.name, spec.inputs[v.name].distribution) for v in variations
              if spec.inputs[v.name].distribution is not None]
    names, dists = [c[0] for c in chosen], [c[1] for c in chosen]
    corr = spec.correlation_matrix(names)
    pert_count = sum(isinstance(x, Pert) for x in dists)

    def draw():
        sample(dists, n, 1, False, corr, spec.montecarlo_method, names=names)

    with_table = best_of(draw, repeat=2)
    original = Pert.ppf
    Pert.ppf = scipy_ppf
    try:
        with_scipy = best_of(draw, repeat=2)
    finally:
        Pert.ppf = original
    print(f"shipped spec, {len(dists)} inputs ({pert_count} PERT), {n:,} draws, "
          f"{spec.montecarlo_method}: sample() {with_table:.2f} s with the PERT table, "
          f"{with_scipy:.2f} s with scipy.stats.beta.ppf")


if __name__ == "__main__":
    main()
