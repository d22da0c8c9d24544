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

__all__ = ["elementwise", "is_elementwise", "power"]


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
    shape = np.broadcast_shapes(base.shape, exponent.shape)
    if exponent.shape != shape:
        exponent = np.ascontiguousarray(np.broadcast_to(exponent, shape))
    return base ** exponent
