"""The mark of an engine function whose every output element is the same operation on the
inputs' elements at its position (broadcast numpy arithmetic: no reduction, no recurrence, no
shape read): such a function may be given a per-scenario row (n, 1) or one row for all
(1, T) instead of its broadcast (n, T) and returns the same elements at the narrower shape
(broadcasting them afterwards gives bit for bit what the wide call gives). The evaluator
(model.result) gives narrow line items only to functions so marked.

One numpy operation is not the same on every layout: ``x ** y`` with an exponent that is one
number along the loop (a scalar, or a (n, 1) column against (n, T)) of 2, -1 or 0.5 is taken as
a square, a reciprocal or a square root, whose last bit can differ from ``pow``'s. A marked
function raises to a power with :func:`power`, which spreads such an exponent over the result
first, so that every layout takes ``pow``."""
from __future__ import annotations

import numpy as np

__all__ = ["elementwise", "is_elementwise", "power", "by_distinct_rows"]


def elementwise(fn):
    """Mark ``fn`` elementwise (see the module) and return it."""
    fn.elementwise = True
    return fn


def is_elementwise(fn) -> bool:
    """True for a marked function or a ``functools.partial`` of one."""
    return bool(getattr(getattr(fn, "func", fn), "elementwise", False))


def power(base, exponent) -> np.ndarray:
    """``base ** exponent`` the same on every layout (see the module): an exponent narrower
    than the result is written out at the result's shape first."""
    base, exponent = np.asarray(base, dtype=float), np.asarray(exponent, dtype=float)
    if exponent.shape != base.shape:  # (the same shapes: nothing to spread)
        shape = np.broadcast_shapes(base.shape, exponent.shape)
        if exponent.shape != shape:
            exponent = np.ascontiguousarray(np.broadcast_to(exponent, shape))
    return base ** exponent


# A batch shorter than this, or with more than one distinct row in this many, is computed directly.
_DISTINCT_MIN_ROWS = 64
_DISTINCT_ROWS_PER_VALUE = 8


def by_distinct_rows(fn, key, *args, **kwargs) -> np.ndarray:
    """``fn(key, *args, **kwargs)`` for a function whose output row i depends only on the key's
    row i (``args`` and ``kwargs`` one row for all, or scalars): when a batch's key has few
    distinct rows (a deal's term year takes one row per distinct delay), ``fn`` is called on
    those rows once and its rows gathered. The same numbers as the direct call: each row is the
    same function of the same row (a key row is taken as equal to its representative only when
    every element is; rows are grouped by their first column, then the whole key is compared).
    ``fn`` must compute each row alone (elementwise arithmetic or a per-row gather)."""
    if np.ndim(key) != 2 or np.shape(key)[0] <= _DISTINCT_MIN_ROWS:
        return fn(key, *args, **kwargs)  # a short batch (a single run): directly, nothing asked
    k = np.asarray(key)
    narrow = all(np.ndim(x) < 2 or np.shape(x)[0] == 1 for x in (*args, *kwargs.values()))
    if k.ndim == 2 and k.dtype == np.float64 and k.shape[0] > _DISTINCT_MIN_ROWS and k.shape[1] > 0 and narrow:
        bits = k.view(np.uint64)  # rows compared by their bits: -0.0 is not 0.0, NaN equals itself
        first, at, which = np.unique(np.ascontiguousarray(bits[:, 0]), return_index=True, return_inverse=True)
        which = which.reshape(-1)
        if first.size * _DISTINCT_ROWS_PER_VALUE <= k.shape[0] \
                and (k.shape[1] == 1 or np.array_equal(bits[at][which], bits)):
            out = np.asarray(fn(k[at], *args, **kwargs))
            if out.ndim == 2 and out.shape[0] == at.size:
                return out[which]
    return fn(key, *args, **kwargs)
