"""finmodel: cash-flow model of large AI-infrastructure investment programmes.

Public API::

    import finmodel
    a = finmodel.load("assumptions/base.yaml", overrides=["valuation.discount_rate=0.10"])
    r = finmodel.run(a)                 # ModelRun: r.line_items, r.metrics (pandas), r.result
    finmodel.write_workbook(r, "outputs/base.xlsx")
"""
__version__ = "0.1.0"

__all__ = ["__version__", "load", "run", "write_workbook", "ModelRun", "FinModelError"]


def __getattr__(name):  # lazy, so `finmodel --version` stays fast
    if name in ("load", "run", "ModelRun"):
        from . import api
        return getattr(api, name)
    if name == "write_workbook":
        from .workbook.output import write_scenario_workbook
        return write_scenario_workbook
    if name == "FinModelError":
        from .errors import FinModelError
        return FinModelError
    raise AttributeError(name)
