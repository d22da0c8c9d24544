"""The timeline of a model: its periods, their calendar years and labels.

One place to change when a later timeline is not annual: every view (sheets, tables, charts)
and every metric that needs "the year of a period" asks the timeline.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Timeline"]


@dataclass(frozen=True)
class Timeline:
    """Periods 1..T; ``years[t]`` is the calendar year period t+1 ends in.

    The first period is the last actual one (calibrated, not valued); the others are the
    forecast. ``period_years`` is the length of a period [years].
    """

    years: tuple[int, ...]
    period_years: float = 1.0

    @classmethod
    def annual(cls, first_year: int, last_year: int) -> "Timeline":
        return cls(tuple(range(int(first_year), int(last_year) + 1)))

    @property
    def T(self) -> int:
        return len(self.years)

    @property
    def first_year(self) -> int:
        return self.years[0]

    @property
    def last_year(self) -> int:
        return self.years[-1]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(str(y) for y in self.years)

    @property
    def array(self) -> np.ndarray:
        """Calendar years as an int array (T,)."""
        return np.asarray(self.years, dtype=int)

    def index(self, year: int) -> int:
        """Column of a calendar year; ValueError outside the timeline."""
        try:
            return self.years.index(int(year))
        except ValueError:
            raise ValueError(f"year {year} is outside the timeline {self.first_year}-{self.last_year}") from None

    def __contains__(self, year: object) -> bool:
        return isinstance(year, (int, np.integer)) and int(year) in self.years
