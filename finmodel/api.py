"""The Python API: load a scenario, run it, write its workbook. The CLI is a thin layer on this."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterable

import pandas as pd

from .assumptions.load import Assumptions, load
from .model.drivers import Drivers, build_drivers
from .model.result import Result, run as run_engine
from .tables import checks_table, line_items_table, metrics_table

__all__ = ["ModelRun", "load", "run", "drivers_for"]


@dataclass(frozen=True)
class ModelRun:
    """A scenario and its engine result, with tidy tables."""

    assumptions: Assumptions
    result: Result

    @cached_property
    def line_items(self) -> pd.DataFrame:
        """line_item, label, unit, sheet, year, value (US$ bn, GW, fractions as labelled)."""
        return line_items_table(self.result)

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """metric, label, unit, value (NaN when n/a), text."""
        return metrics_table(self.result)

    @cached_property
    def checks(self) -> pd.DataFrame:
        return checks_table(self.result)

    @property
    def checks_pass(self) -> bool:
        return bool(self.checks["ok"].all())


def drivers_for(assumptions: Assumptions) -> Drivers:
    return build_drivers(assumptions.scenario, assumptions.deals)


def run(scenario: str | Path | Assumptions, overrides: Iterable[str] = ()) -> ModelRun:
    """Load (unless given loaded assumptions) and run one scenario.

    Examples
    --------
    >>> r = run("assumptions/base.yaml", overrides=["valuation.discount_rate=0.10"])  # doctest: +SKIP
    >>> r.metrics.set_index("metric").loc["npv_usd_bn", "value"]  # doctest: +SKIP
    """
    a = scenario if isinstance(scenario, Assumptions) else load(scenario, overrides)
    return ModelRun(a, run_engine(drivers_for(a), a.anchors))
