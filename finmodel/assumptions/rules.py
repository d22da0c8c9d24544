"""Rules between inputs, defined once and checked vectorised.

A rule reads input arrays by path (``valuation.discount_rate``; ``*`` matches one path part)
and returns, per scenario, whether the rule is broken. A rule may hold only for some things the
``*`` names (``only``: the deals whose value covers IT and facilities); callers pass what each
is (``kinds``: a deal's id -> its ``value_covers``). The same rule runs at load on one
scenario (a located error, exit 65) and on every row of a batch (the row is invalid: counted
and excluded, see ``finmodel.model.drivers``). Bounds of single inputs are declared on their
schema fields, not here.
"""
from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

import numpy as np

__all__ = ["Rule", "RULES", "broken", "Breach", "breaches"]

Values = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class Rule:
    """``bad(a, b, ...) -> (n,) bool`` on the inputs named by ``paths`` (scalars, (n, 1)).

    ``paths`` may hold one ``*`` wildcard (the same part in every path); the rule then applies
    to each match, or with ``only`` to each match whose part ``kinds`` maps to ``only`` (a
    deal's id -> its ``value_covers``: ``Structure.deal_kinds``; none given, such a rule applies
    to nothing). ``message`` is formatted with the first scenario's values by position
    (``{0}``, ``{1}``) and is located at ``paths[locate]``. ``label`` and ``holds`` are the
    rule's line on the workbook's Checks sheet: ``holds`` is the spreadsheet condition that is
    TRUE when the rule holds, on the same inputs by position (so an edit of the Inputs sheet
    that breaks the rule turns the master check FALSE).
    """

    key: str
    paths: tuple[str, ...]
    bad: Callable[..., np.ndarray]
    message: str
    label: str
    holds: str
    locate: int = 0
    only: str | None = None

    def instances(self, available: Iterable[str], kinds: Mapping[str, str] | None = None) -> list[tuple[str, ...]]:
        """The concrete path tuples this rule applies to among ``available`` inputs (with
        ``only``, those whose ``*`` part ``kinds`` maps to it)."""
        return list(self._instances(frozenset(available),
                                    frozenset((kinds or {}).items()) if self.only else frozenset()))

    @functools.lru_cache(maxsize=64)  # noqa: B019 - rules live as long as the program
    def _instances(self, available: frozenset, kinds: frozenset) -> tuple[tuple[str, ...], ...]:
        """:meth:`instances`, once per rule, set of inputs and kinds (every batch of scenarios is
        checked against the rules: sorting and matching ~200 paths took ~0.1 ms of a single run)."""
        if not any("*" in p for p in self.paths):
            return (self.paths,) if all(p in available for p in self.paths) else ()
        pattern, of = self.paths[0], dict(kinds)
        out = []
        for p in sorted(available):
            if fnmatch.fnmatchcase(p, pattern):
                star = _star_part(pattern, p)
                concrete = tuple(q.replace("*", star) for q in self.paths)
                if all(q in available for q in concrete) and (self.only is None or of.get(star) == self.only):
                    out.append(concrete)
        return tuple(out)

    def label_of(self, paths: tuple[str, ...]) -> str:
        """The Checks-sheet label of one instance (``{star}``: the part the wildcard matched)."""
        star = _star_part(self.paths[0], paths[0]) if "*" in self.paths[0] else ""
        return self.label.format(star=star)


def _star_part(pattern: str, path: str) -> str:
    parts, got = pattern.split("."), path.split(".")
    return next(g for p, g in zip(parts, got) if p == "*")


RULES = (
    Rule("gordon_growth", ("valuation.terminal_growth", "valuation.discount_rate"),
         lambda g, r: g >= r,
         "terminal_growth ({0:g}) must be below discount_rate ({1:g}) for a Gordon-growth "
         "terminal value", "Terminal growth is below the discount rate (Gordon growth)", "{0}<{1}"),
    Rule("s_curve_ceiling", ("revenue.segments.*.ceiling_usd_bn", "revenue.segments.*.start_usd_bn"),
         lambda ceiling, start: ceiling <= start,
         "ceiling_usd_bn ({0:g}) must be greater than start_usd_bn ({1:g})",
         "Revenue segment {star}: the S-curve's ceiling is above its start", "{0}>{1}"),
    # an all-in deal's IT is priced at its value per GW less the facility cost per GW, which must
    # leave something: else its servers would cost less than nothing (negative capex)
    Rule("all_in_covers_facilities", ("deals.*.value_usd_bn", "deals.*.capacity_gw",
                                      "capex.power_cooling.cost_usd_bn_per_gw",
                                      "capex.building_land.cost_usd_bn_per_gw"),
         lambda value, gw, power_cooling, building_land: (gw > 0) & (value < gw * (power_cooling + building_land)),
         "an all_in value of {0:g} US$ bn for {1:g} GW does not cover the facilities it includes at the "
         "capex costs per GW (power and cooling {2:g} + building and land {3:g} US$ bn): its IT would cost "
         "less than nothing; raise the value, lower those costs, or set value_covers to it or servers",
         "Deal {star}: its all-in value covers its facilities",
         "OR({1}<=0,{0}>={1}*({2}+{3}))", only="all_in"),
)


def _column(values: Values, path: str, n: int) -> np.ndarray:
    return np.broadcast_to(values[path], (n, np.shape(values[path])[1]))[:, 0]


def broken(values: Values, n: int, rules: Iterable[Rule] = RULES,
           kinds: Mapping[str, str] | None = None) -> np.ndarray:
    """(n,) bool: rows that break any rule."""
    bad = np.zeros(n, dtype=bool)
    for rule in rules:
        for paths in rule.instances(values.keys(), kinds):
            bad |= np.asarray(rule.bad(*(_column(values, p, n) for p in paths)), dtype=bool)
    return bad


@dataclass(frozen=True)
class Breach:
    """A rule broken by scenario 0: where to locate it and what to say."""

    rule: str
    paths: tuple[str, ...]
    located_at: str
    message: str


def breaches(values: Values, rules: Iterable[Rule] = RULES,
             kinds: Mapping[str, str] | None = None) -> list[Breach]:
    """The rules scenario 0 breaks, with messages (for located errors at load)."""
    out = []
    for rule in rules:
        for paths in rule.instances(values.keys(), kinds):
            cols = [_column(values, p, 1) for p in paths]
            if bool(np.asarray(rule.bad(*cols))[0]):
                msg = rule.message.format(*(float(c[0]) for c in cols))
                out.append(Breach(rule.key, paths, paths[rule.locate], msg))
    return out
