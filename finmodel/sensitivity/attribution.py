"""Why two scenarios differ: the change in each output attributed to the inputs that differ.

Sample -> evaluate -> analyse, like every analysis here: the coalitions of input groups
(:func:`coalition_masks`, :func:`permutation_paths`) become one batch of override rows on
scenario A's drivers (:func:`coalition_overrides`), evaluated in one vectorised engine pass
(:func:`~finmodel.sensitivity.evaluate.evaluate`), then analysed by the pure functions
:func:`shapley_exact`, :func:`shapley_sampled` and :func:`sequential`.

The game: the players are groups of inputs (one input, or an Inputs-sheet block such as
"Capex: Servers and accelerators"); the value of a coalition S is the output with the inputs
of S at B's values and every other input at A's. v(empty) is A, v(all) is B. The Shapley value
of group i is the average, over every order of switching the groups from A to B, of the change
when i is switched::

    phi_i = sum over S not containing i of |S|! (k - |S| - 1)! / k! * (v(S + i) - v(S))

The phi_i sum to v(B) - v(A) exactly (efficiency), they do not depend on any order, an input
that changes nothing gets 0 and, for an additive output, phi_i is the input's own effect.
Exact for up to :data:`EXACT_MAX_GROUPS` groups (2^k rows); beyond, the mean over random
orders (antithetic pairs: each order and its reverse), with its standard error; each order's
changes telescope to v(B) - v(A), so the estimate sums to the total exactly as well.

The sequential (one-at-a-time) attribution switches the groups in the order given (the
Inputs-sheet order) and charges each with the change it makes: it also sums to the total, but
an interaction is charged to whichever input comes later.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..model.drivers import Drivers
from .evaluate import evaluate

__all__ = ["EXACT_MAX_GROUPS", "Difference", "Group", "Attribution", "input_differences",
           "structure_problems", "group_inputs", "coalition_masks", "permutation_paths",
           "coalition_overrides", "shapley_exact", "shapley_sampled", "sequential", "attribute"]

#: Most groups attributed exactly (2^12 = 4,096 engine rows); more are sampled.
EXACT_MAX_GROUPS = 12


@dataclass(frozen=True)
class Difference:
    """One input value that differs between scenarios (A and B in a diff; every scenario of
    a comparison).

    key: the input path, or ``PATH.YEAR`` for one year of a per-year input (the ``--set``
    form); ``path`` the input itself; values: each scenario's value [unit] (None where the
    input does not exist, e.g. a deal one scenario leaves out); bases: each scenario's basis
    (fact / estimate / judgement); informational: no formula reads it (shown, never
    attributed)."""

    key: str
    path: str
    label: str
    block: str
    unit: str
    values: tuple[float | None, ...]
    bases: tuple[str | None, ...]
    informational: bool

    @property
    def a(self) -> float | None:
        return self.values[0]

    @property
    def b(self) -> float | None:
        return self.values[-1]

    @property
    def basis_a(self) -> str | None:
        return self.bases[0]

    @property
    def basis_b(self) -> str | None:
        return self.bases[-1]


@dataclass(frozen=True)
class Group:
    """A player of the game: a name (an input path or a block) and the input paths it holds."""

    name: str
    paths: tuple[str, ...]


def input_differences(*drivers: Drivers) -> list[Difference]:
    """Every input value that differs between the scenarios, in Inputs-sheet order (the
    first's field order, then inputs only later ones hold).

    A per-year input whose years each hold one value in every scenario is one row (its path);
    otherwise one row per year where they differ (``PATH.YEAR``).
    """
    fields: dict[str, object] = {}
    for d in drivers:
        for f in d.fields:
            fields.setdefault(f.path, f)
    out = []
    for path, f in fields.items():
        rows = [np.asarray(d.values[path], float)[0] if path in d.values else None for d in drivers]
        present = [r for r in rows if r is not None]
        if len(present) == len(rows) and all(np.array_equal(present[0], r) for r in present[1:]):
            continue
        bases = tuple(d.field(path).basis if path in d.values else None for d in drivers)
        common = dict(path=path, label=f.label, block=f.section, unit=f.unit, bases=bases,
                      informational=f.informational)
        if not f.series or all(np.all(r == r[0]) for r in present):
            out.append(Difference(path, values=tuple(None if r is None else float(r[0]) for r in rows), **common))
            continue
        years = [int(y) for y in drivers[0].years]
        for j, y in enumerate(years):
            column = [None if r is None or j >= len(r) else float(r[j]) for r in rows]
            if len(set(column)) > 1:
                out.append(Difference(f"{path}.{y}", values=tuple(column), **common))
    return out


_STRUCTURE_WORDS = {"segments": "revenue segments", "costs": "operating cost modes",
                    "components": "capex components", "deals": "included deals (or a deal's kind, "
                    "ramp, status, financing or per-deal slip/realisation switch)",
                    "rationing": "the rationing rule", "terminal_method": "the terminal value method",
                    "rounds": "equity rounds", "tranches": "debt tranches", "warrants": "warrants",
                    "inputs": "the inputs or their bounds", "suppliers": "suppliers"}


def structure_problems(a: Drivers, b: Drivers) -> list[tuple[str, str]]:
    """(what, message) for each way A and B differ in structure (what one batch must share:
    the timeline, included deals, segments, ...). Empty when one batch can hold both."""
    problems = []
    if list(a.years) != list(b.years):
        problems.append(("timeline", f"the timelines differ: {a.years[0]}-{a.years[-1]} "
                                     f"against {b.years[0]}-{b.years[-1]}"))
    for f in dataclasses.fields(a.structure):  # every field: one that is added is compared too
        name = f.name
        words = _STRUCTURE_WORDS.get(name, name.replace("_", " "))
        x, y = getattr(a.structure, name), getattr(b.structure, name)
        if x == y:
            continue
        if isinstance(x, tuple):
            kx, ky = [_key(e) for e in x], [_key(e) for e in y]
            only_a = [k for k in kx if k not in ky]
            only_b = [k for k in ky if k not in kx]
            parts = ([f"only in A: {', '.join(only_a)}"] if only_a else []) + \
                    ([f"only in B: {', '.join(only_b)}"] if only_b else [])
            detail = "; ".join(parts) or "same names, different settings: " + ", ".join(
                k for k, ex, ey in zip(kx, x, y) if ex != ey)
            problems.append((name, f"{words} differ ({detail})"))
        else:
            problems.append((name, f"{words} differs ({x} against {y})"))
    return problems


def _key(element) -> str:
    return str(element[0] if isinstance(element, tuple) else element)


def group_inputs(diffs: Sequence[Difference], by: str) -> list[Group]:
    """The players: one per input (``by="input"``) or per Inputs-sheet block (``"block"``), in
    Inputs-sheet order; informational inputs are left out (no formula reads them)."""
    groups: dict[str, list[str]] = {}
    for d in diffs:
        if d.informational:
            continue
        name = d.path if by == "input" else d.block
        members = groups.setdefault(name, [])
        if d.path not in members:
            members.append(d.path)
    return [Group(name, tuple(paths)) for name, paths in groups.items()]


# --- sample --------------------------------------------------------------------------------------

def coalition_masks(k: int) -> np.ndarray:
    """Every coalition of k players: (2^k, k) bool; row s holds player i when bit i of s is set."""
    s = np.arange(2 ** k)[:, None]
    return (s >> np.arange(k)) & 1 == 1


def permutation_paths(k: int, pairs: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``2 * pairs`` random orders (each followed by its reverse) and the coalitions along them.

    Returns orders (P, k) and masks (P, k + 1, k): masks[p, j] holds the first j players of
    order p (j = 0 is A, j = k is B).
    """
    first = np.argsort(rng.random((pairs, k)), axis=1)
    orders = np.empty((2 * pairs, k), dtype=int)
    orders[0::2], orders[1::2] = first, first[:, ::-1]
    rank = np.argsort(orders, axis=1)                   # rank[p, i]: position of player i
    masks = rank[:, None, :] < np.arange(k + 1)[None, :, None]
    return orders, masks


def coalition_overrides(a: Drivers, b: Drivers, groups: Sequence[Group],
                        masks: np.ndarray) -> dict[str, np.ndarray]:
    """Override rows for ``a.with_overrides``: row r takes B's values for the groups in masks[r]."""
    out = {}
    for g, group in enumerate(groups):
        take_b = masks[:, g][:, None]
        for path in group.paths:
            va, vb = np.asarray(a.values[path], float), np.asarray(b.values[path], float)
            rows = np.where(take_b, vb, va)              # (n, T) or (n, 1)
            out[path] = rows if a.field(path).series else rows[:, 0]
    return out


# --- analyse (pure: values of coalitions in, contributions out) --------------------------------

def shapley_exact(values: np.ndarray) -> np.ndarray:
    """Exact Shapley values from the value of every coalition.

    Parameters
    ----------
    values : (m, 2^k) the value of coalition s (bit i set: player i at B) for m outputs.

    Returns
    -------
    (m, k): phi[:, i] = sum over S without i of |S|! (k-|S|-1)! / k! (v(S + i) - v(S)).
    """
    values = np.atleast_2d(values)
    k = int(round(math.log2(values.shape[1])))
    masks = coalition_masks(k)
    size = masks.sum(axis=1)
    weight = np.array([math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k)
                       if s < k else 0.0 for s in range(k + 1)])
    phi = np.empty((values.shape[0], k))
    for i in range(k):
        without = ~masks[:, i]
        s = np.flatnonzero(without)
        phi[:, i] = (values[:, s | (1 << i)] - values[:, s]) @ weight[size[s]]
    return phi


def shapley_sampled(path_values: np.ndarray, orders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shapley values estimated from random orders, with their standard errors.

    Parameters
    ----------
    path_values : (m, P, k + 1) the output along each order (j groups switched to B).
    orders : (P, k) the orders, in antithetic pairs (order 2q + 1 is order 2q reversed).

    Returns
    -------
    phi, se : (m, k) the mean change when each group is switched, and its standard error
        (between antithetic pairs; 0 when there is a single pair).
    """
    m, P, _ = path_values.shape
    k = orders.shape[1]
    steps = np.diff(path_values, axis=2)                 # (m, P, k): change at step j
    marginal = np.empty_like(steps)
    marginal[:, np.arange(P)[:, None], orders] = steps   # by player
    pairs = marginal.reshape(m, P // 2, 2, k).mean(axis=2)
    phi = pairs.mean(axis=1)
    se = pairs.std(axis=1, ddof=1) / math.sqrt(P // 2) if P // 2 > 1 else np.zeros((m, k))
    return phi, se


def sequential(prefix_values: np.ndarray) -> np.ndarray:
    """One-at-a-time attribution: (m, k + 1) values with the first j groups at B -> (m, k)
    changes, each group charged with the change when it is switched (order-dependent)."""
    return np.diff(np.atleast_2d(prefix_values), axis=1)


# --- the whole analysis --------------------------------------------------------------------------

@dataclass(frozen=True)
class Attribution:
    """The change in each output from A to B, attributed to groups of inputs.

    a, b: (m,) each output in A and in B [unit of the output]; shapley, sequential: (m, k)
    [unit of the output], each row summing to b - a; se: (m, k) the standard error of sampled
    Shapley values (zeros when exact); NaN rows for an output that is n/a in some coalition
    (``missing[o]`` says in how many). rows: engine rows evaluated; invalid: of those, rows
    whose mix of A and B inputs breaks a bound or a rule between inputs (the engine computes
    them all the same; a note says so).
    """

    outputs: tuple[str, ...]
    groups: tuple[Group, ...]
    a: np.ndarray
    b: np.ndarray
    shapley: np.ndarray
    se: np.ndarray
    sequential: np.ndarray
    method: str                 # "exact" or "sampled"
    rows: int
    invalid: int
    missing: dict
    permutations: int = 0
    seed: int | None = None

    @property
    def total(self) -> np.ndarray:
        return self.b - self.a


def attribute(a: Drivers, b: Drivers, groups: Sequence[Group], outputs: Sequence[str],
              permutations: int = 2000, seed: int = 0,
              progress: Callable[[int], None] | None = None) -> Attribution:
    """Attribute ``outputs`` of B - A to ``groups`` (Shapley, exact or sampled; sequential).

    All coalitions (and the sequential path) are one batch on A's drivers. Raises ValueError
    when A and B differ in structure (:func:`structure_problems`: the caller reports them).
    """
    if structure_problems(a, b):
        raise ValueError("A and B differ in structure")
    groups, outputs = tuple(groups), tuple(outputs)
    k = len(groups)
    prefix = np.tril(np.ones((k + 1, k), dtype=bool), -1)  # row j: the first j groups at B
    if k <= EXACT_MAX_GROUPS:
        method, masks = "exact", coalition_masks(k)
        orders = None
    else:
        method = "sampled"
        orders, path_masks = permutation_paths(k, max(permutations // 2, 2), np.random.default_rng(seed))
        masks = path_masks.reshape(-1, k)
    rows = np.concatenate([masks, prefix])
    overrides = coalition_overrides(a, b, groups, rows)
    if not overrides:  # nothing differs: A's own value of one input, so the batch has its rows
        path = next(f.path for f in a.fields)
        overrides = {path: np.repeat(np.asarray(a.values[path], float), len(rows), axis=0)}
        overrides = {path: v if a.field(path).series else v[:, 0] for path, v in overrides.items()}
    ev = evaluate(a, overrides, outputs, mask_invalid=False, progress=progress)
    values = np.stack([ev.values[o] for o in outputs])       # (m, n)
    body, seq_rows = values[:, :len(masks)], values[:, len(masks):]
    if method == "exact":
        phi, se = shapley_exact(body), np.zeros((len(outputs), k))
    else:
        phi, se = shapley_sampled(body.reshape(len(outputs), len(orders), k + 1), orders)
    missing = {o: int(np.isnan(values[i]).sum()) for i, o in enumerate(outputs) if np.isnan(values[i]).any()}
    return Attribution(outputs, groups, seq_rows[:, 0], seq_rows[:, -1], phi, se, sequential(seq_rows),
                       method, int(values.shape[1]), int(ev.invalid.sum()), missing,
                       len(orders) if orders is not None else 0, seed if orders is not None else None)
