"""Analysis arguments: text forms parse to values and back (what run records store)."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from finmodel.arguments import MAX_MAGNITUDE, Axis, Bounds, Event, Goal, Op, Stat, Vary

finite = st.floats(min_value=-MAX_MAGNITUDE, max_value=MAX_MAGNITUDE, allow_nan=False, width=64)
paths = st.from_regex(r"[a-z_][a-z0-9_]{0,8}(\.[a-z0-9_\-]{1,8}){0,3}", fullmatch=True)


@given(paths, finite, finite, st.integers(2, 200), st.booleans())
def test_axis_round_trips(path, lo, hi, n, scale):
    if lo == hi:
        return
    axis = Axis(path, lo, hi, n, scale)
    assert Axis.parse(str(axis)) == axis
    assert Axis.parse(str(axis).replace(":", ",")) == axis


@given(st.from_regex(r"[a-z_][a-z0-9_.]{0,12}(@20[0-9]{2})?", fullmatch=True), finite)
def test_goal_round_trips(output, value):
    goal = Goal(output, value)
    assert Goal.parse(str(goal)) == goal


outputs = st.from_regex(r"[a-z_][a-z0-9_.]{0,12}(@20[0-9]{2})?", fullmatch=True)


@given(outputs, finite, st.floats(min_value=0, max_value=100, exclude_min=True, exclude_max=True))
def test_statistic_goals_round_trip(output, value, q):
    for goal in (Goal(output, value, Stat.MEAN), Goal(output, value, Stat.PERCENTILE, q=q)):
        assert Goal.parse(str(goal)) == goal


@given(outputs, st.sampled_from(list(Op)), finite,
       st.floats(min_value=0, max_value=1, exclude_min=True, exclude_max=True))
def test_probability_goals_round_trip(output, op, threshold, p):
    goal = Goal(output, p, Stat.PROBABILITY, event=Event(output, op, threshold))
    assert Goal.parse(str(goal)) == goal


def test_statistic_goal_texts():
    g = Goal.parse(" prob( npv_usd_bn <= -5 ) = 0.25")
    assert (g.output, g.value, g.stat, g.event) == ("npv_usd_bn", 0.25, Stat.PROBABILITY,
                                                     Event("npv_usd_bn", Op.LE, -5.0))
    assert str(g) == "prob(npv_usd_bn<=-5)=0.25" and g.name == "prob(npv_usd_bn<=-5)"
    assert str(Goal.parse("p97.5(revenue_total@2030)=200")) == "p97.5(revenue_total@2030)=200"


@pytest.mark.parametrize("text, words", [
    ("p101(npv_usd_bn)=0", "strictly between 0 and 100"),
    ("p0(npv_usd_bn)=0", "strictly between 0 and 100"),
    ("prob(npv_usd_bn)=0.2", "expected METRIC<OP>VALUE"),
    ("prob(npv_usd_bn<0)=1", "strictly between 0 and 1"),
    ("mode(npv_usd_bn)=0", "unknown statistic 'mode'"),
    ("mean(npv usd)=0", "is not a metric name"),
    ("p90(npv_usd_bn)=x", "is not a number"),
])
def test_bad_statistic_goals_say_what_is_wrong(text, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        Goal.parse(text)


@given(finite, finite)
def test_bounds_round_trip(lo, hi):
    if not lo < hi:
        with pytest.raises(ValueError, match="LO < HI"):
            Bounds(lo, hi)
        return
    b = Bounds(lo, hi)
    assert Bounds.parse(str(b)) == b == Bounds.parse((lo, hi)) == Bounds.parse(str(b).replace(",", ":"))


@given(paths, st.booleans())
def test_vary_round_trips(path, scale):
    assert Vary.parse(str(Vary(path, scale))) == Vary(path, scale)


def test_objects_pass_through_parse():
    a = Axis("a.b", 0.0, 1.0, 3)
    assert Axis.parse(a) is a and Goal.parse(Goal("irr", 0.1)) == Goal("irr", 0.1)


def test_integer_texts_stay_short():
    assert str(Axis.parse("capex.servers.life_years=3:6:4")) == "capex.servers.life_years=3:6:4"
    assert str(Bounds.parse("5,40")) == "5,40"


@pytest.mark.parametrize("text", ["x=1e13", "x=-1e13"])
def test_a_number_beyond_the_bound_is_refused(text):
    with pytest.raises(ValueError, match=r"within \+-1e\+12"):
        Goal.parse(text)
