"""The mark of an engine function whose every output element is the same operation on the
inputs' elements at its position (broadcast numpy arithmetic: no reduction, no recurrence, no
shape read): such a function may be given a per-scenario row (n, 1) or one row for all
(1, T) instead of its broadcast (n, T) and returns the same elements at the narrower shape
(broadcasting them afterwards gives bit for bit what the wide call gives). The evaluator
(model.result) gives narrow line items only to functions so marked."""
from __future__ import annotations

__all__ = ["elementwise", "is_elementwise"]


def elementwise(fn):
    """Mark ``fn`` elementwise (see the module) and return it."""
    fn.elementwise = True
    return fn


def is_elementwise(fn) -> bool:
    """True for a marked function or a ``functools.partial`` of one."""
    return bool(getattr(getattr(fn, "func", fn), "elementwise", False))
