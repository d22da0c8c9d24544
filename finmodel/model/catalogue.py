"""The catalogue: one source of truth for every row, metric and check of the model.

Each entry (``model.defs``) names the engine function that computes it, binds its arguments
and gives the spreadsheet formula that computes the same thing; the definitions live in
``lineitems``, ``metrics`` and ``checks``. ``model.result.run`` evaluates the bindings with
numpy; the workbook layout renders the formulas; LibreOffice proves in the tests that both
agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .checks import CHECK_PARTS
from .defs import CheckDef, LineItem, MetricDef, Structure
from .financing import FINANCING_CHECKS, FINANCING_METRICS, FINANCING_PARTS
from .lineitems import LINE_ITEM_PARTS
from .metrics import METRIC_PARTS
from .supply import SUPPLY_CHECKS, SUPPLY_METRICS, SUPPLY_PARTS

__all__ = ["Catalogue", "build_catalogue"]


@dataclass
class Catalogue:
    """Line items (in sheet order), metrics and checks of one structure, by key."""

    line_items: dict[str, LineItem] = field(default_factory=dict)
    metrics: dict[str, MetricDef] = field(default_factory=dict)
    checks: dict[str, CheckDef] = field(default_factory=dict)

    def add(self, item: LineItem | MetricDef | CheckDef) -> None:
        table = {LineItem: self.line_items, MetricDef: self.metrics, CheckDef: self.checks}[type(item)]
        if item.key in table:
            raise ValueError(f"duplicate {type(item).__name__} {item.key}")
        table[item.key] = item

    @property
    def items(self) -> list[LineItem]:
        return list(self.line_items.values())

    def __getitem__(self, key: str) -> LineItem:
        return self.line_items[key]

    def on(self, sheet: str) -> list[LineItem]:
        return [i for i in self.line_items.values() if i.sheet == sheet]


def build_catalogue(structure: Structure) -> Catalogue:
    """Every line item, metric and check for a structure, in the order they are shown."""
    cat = Catalogue()
    for part in (LINE_ITEM_PARTS + SUPPLY_PARTS + FINANCING_PARTS + METRIC_PARTS + FINANCING_METRICS
                 + SUPPLY_METRICS + CHECK_PARTS + FINANCING_CHECKS + SUPPLY_CHECKS):
        part(cat, structure)
    return cat
