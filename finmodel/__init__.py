"""finmodel: cash-flow model of large AI-infrastructure investment programmes.

Public API (:mod:`finmodel.api`)::

    import finmodel
    r = finmodel.run("bull", {"valuation.discount_rate": 0.10})   # ModelRun: r.metrics, r.line_items
    r.write_workbook("outputs/bull-r10.xlsx")
    t = finmodel.tornado("base", metrics=["npv_usd_bn"])           # TornadoRun: t.tables["swings"]
    g = finmodel.grid("base", "valuation.discount_rate=0.08:0.16:9",
                      "capex.servers.cost_usd_bn_per_gw=15:35:11")
    s = finmodel.solve("base", "npv_usd_bn=0", vary="revenue.segments.consumer.initial_growth")
    mc = finmodel.montecarlo("base", draws=10_000, seed=42)
    so = finmodel.sobol("base", samples=1024, seed=1)             # SobolRun: so.table(), so.leaders("funding_need")
    mo = finmodel.morris("base", all_inputs=True, seed=1)          # MorrisRun: mo.table()
    finmodel.validate("assumptions/sensitivity.yaml")             # ["...: ok (sensitivity spec: ...)"]
    d = finmodel.diff("base", "bear", ["npv_usd_bn"])             # DiffRun: d.tables["contributions"]
    imp = finmodel.import_workbook("outputs/base.xlsx")           # edited inputs -> imp.write() an overlay
"""
__version__ = "0.1.0"

_API = ("load", "validate", "run", "tornado", "grid", "solve", "montecarlo", "ModelRun", "TornadoRun",
        "GridRun", "SolveRun", "MonteCarloRun")
_API += ("diff", "compare", "import_workbook")
_API += ("sobol", "morris", "SobolRun", "MorrisRun")
__all__ = ["__version__", *_API, "write_workbook", "FinModelError"]


def write_workbook(result, path, run_info=None):
    """Write the workbook of any result of the API (``result.write_workbook``)."""
    return result.write_workbook(path, run_info)


def __getattr__(name):  # lazy, so `finmodel --version` stays fast
    if name in _API:
        from . import api
        return getattr(api, name)
    if name == "FinModelError":
        from .errors import FinModelError
        return FinModelError
    raise AttributeError(name)
