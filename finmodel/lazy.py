"""Libraries imported on first use, so the command line starts fast.

pandas takes ~0.25 s to import, a third of ``finmodel run``, which needs no DataFrame unless
``--csv`` asks for tables. The modules that build tables bind ``pd = lazy_module("pandas")``
and use ``pd.DataFrame`` as before: pandas is imported on the first attribute looked up,
not when the module is imported. Nothing is put in ``sys.modules`` before that, so other code
that asks whether pandas is loaded gets the true answer.
"""
from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["lazy_module"]


class _LazyModule:
    """Stands for the module ``name``; the first attribute looked up imports it."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str):
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy_module(name: str) -> ModuleType:
    """The module ``name``, imported when one of its attributes is first used.

    Examples
    --------
    >>> pd = lazy_module("pandas")     # nothing imported yet
    >>> pd.DataFrame({"a": [1]}).shape  # pandas imported here
    (1, 1)
    """
    return _LazyModule(name)  # type: ignore[return-value]
