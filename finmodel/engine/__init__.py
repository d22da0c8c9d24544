"""The engine: pure numpy functions over arrays shaped (scenario, period); no I/O.

Arrays are float64 with shape ``(n, T)`` for per-period quantities and ``(n, 1)`` for
scalars (broadcasting ``(1, ...)`` is fine). Nothing here imports the rest of finmodel:
``finmodel.model`` binds these functions to inputs and to each other. A function marked
``@elementwise`` (``engine.elementwise``) may be given its rows at their own narrower shape
((n, 1), (1, T)) and returns the same elements (the evaluator does so; the others get (n, T)).
"""
