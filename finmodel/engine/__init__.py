"""The engine: pure numpy functions over arrays shaped (scenario, period); no I/O.

Arrays are float64 with shape ``(n, T)`` for per-period quantities and ``(n, 1)`` for
scalars (broadcasting ``(1, ...)`` is fine). ``model.run`` evaluates the line-item
catalogue (``finmodel.lineitems``) on a :class:`finmodel.drivers.Drivers` and returns a
:class:`finmodel.engine.model.Result`.
"""
