"""Class 4: records are inputs. ``rerun`` reads a record bounded (a regular file, at most
1 MB, JSON nested at most 8 deep), checks its envelope, rebuilds the command from its fields
(never from the stored ``command`` text), parses it with the command's own options and
records the rebuilt command as what ran.
"""
from __future__ import annotations

import json
import os
import shlex

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from relhelp import assert_fails, run_main

CLEAN = (0, 1, 2, 65, 66, 73)


SPEC = """outputs: [npv_usd_bn]
inputs:
  discount_rate:
    path: valuation.discount_rate
    label: "Discount rate"
    low: 0.09
    high: 0.15
    distribution: {dist: triangular, low: 0.09, mode: 0.12, high: 0.15}
    source: "Test fixture range."
"""


@pytest.fixture()
def mc_record(mini_project):
    mini_project.write("sensitivity.yaml", SPEC)
    res = run_main("montecarlo", "--draws", "20", "--seed", "1", "-q")
    assert res.code in (0, 1), res.err
    return mini_project.outputs / "base-montecarlo.run.json"


def _tamper(project, doc_or_text, name="t.run.json"):
    path = project.outputs / name
    path.write_text(doc_or_text if isinstance(doc_or_text, str) else json.dumps(doc_or_text))
    return f"outputs/{name}"


@pytest.mark.parametrize("edit, code, words", [
    ({"seed": -5}, 2, "seed: Invalid value for '--seed': -5 is not in the range"),
    ({"seed": "x"}, 2, "seed: expected a whole number or null"),
    ({"draws": 10**12}, 2, "draws: Invalid value for '--draws'"),
    ({"draws": "abc"}, 2, "draws: Invalid value for '--draws'"),
    ({"draws": True}, 2, "draws: expected a value"),
    ({"lhs": "yes"}, 2, "lhs: expected true or false"),
    ({"metrics": [["npv_usd_bn"]]}, 2, "metrics: expected a list of texts"),
    ({"metrics": "npv_usd_bn"}, 2, "metrics: expected a list"),
    ({"overrides": "valuation.discount_rate=0.1"}, 2, "overrides: expected a list"),
    ({"overrides": [1, 2]}, 2, "overrides[0]: expected text PATH=VALUE"),
    ({"overrides": ["nonsense"]}, 2, "Invalid value for '--set'"),
    ({"probabilities": [1e400]}, 2, "is not a finite number"),
    ({"spec": 5}, 2, "spec: expected a file path"),
    ({"spec": "/etc/passwd"}, 2, "spec: /etc/passwd is outside the project"),
    ({"scenario": "/etc/passwd"}, 2, "scenario: /etc/passwd is outside the project"),
    ({"scenario": "-q"}, 66, "no scenario '-q'"),
    ({"cwd": 5}, 2, "cwd: expected text or null"),
    ({"outputs": 5}, 2, "outputs: expected a mapping"),
    ({"inputs": []}, 2, "inputs: expected a mapping"),
    ({"analysis": ["montecarlo"]}, 2, "analysis: expected text"),
    ({"finmodel_record": 2}, 2, "is not a finmodel run record"),
    ({"overrides": ["x" * 5000]}, 2, "text of 5,000 characters"),
], ids=lambda v: None)
def test_a_tampered_field_is_refused_like_the_option(mini_project, mc_record, edit, code, words):
    doc = json.loads(mc_record.read_text()) | edit
    path = _tamper(mini_project, doc)
    before = mini_project.snapshot()
    assert_fails(run_main("rerun", path, "-q"), code, before, mini_project, words=(words,))


@pytest.mark.parametrize("text, code, words", [
    ('{"finmodel_record": 1, "scenario": "a"' + ', "x": ' + "[" * 5000 + "]" * 5000 + "}", 2,
     "nested too deeply"),
    ('{"finmodel_record": 1, "scenario": "a", "command": "finmodel run \\"unbalanced"', 66, "not JSON"),
    ("x" * (2 * 1024 * 1024), 2, "a run record is at most 1,048,576"),
    ('{"finmodel_record": 1, "scenario": "a", "seed": NaN}', 2, "seed: nan is not a finite number"),
], ids=["deep", "unbalanced-quote", "huge", "nan"])
def test_a_malformed_record_file_is_refused(mini_project, text, code, words):
    path = _tamper(mini_project, text)
    before = mini_project.snapshot()
    assert_fails(run_main("rerun", path, "-q"), code, before, mini_project, words=(words,))


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "folder"])
def test_a_record_that_is_not_a_regular_file_is_refused_unread(mini_project, kind):
    """/dev/zero and a FIFO would be endless reads: refused by stat before opening."""
    if kind == "dev-zero":
        path = "/dev/zero"
    elif kind == "fifo":
        path = str(mini_project.root / "pipe.run.json")
        os.mkfifo(path)
    else:
        path = str(mini_project.outputs)
    before = mini_project.snapshot()
    assert_fails(run_main("rerun", path), 66, before, mini_project, words=("cannot read run record",))


def test_the_stored_command_text_is_never_run_and_the_rebuilt_one_is_recorded(mini_project, mc_record):
    doc = json.loads(mc_record.read_text())
    doc["command"] = "finmodel run bull --set valuation.discount_rate=0.5 \"; rm -rf /"
    path = _tamper(mini_project, doc)
    res = run_main("rerun", path, "--name", "again", "-q")
    assert res.code in (0, 1), res.err
    again = json.loads((mini_project.outputs / "again.run.json").read_text())
    words = shlex.split(again["command"])
    assert words[:2] == ["finmodel", "montecarlo"] and "--draws=20" in words and "--seed=1" in words
    assert "bull" not in again["command"] and again["overrides"] == []
    for key in ("draws", "seed", "lhs", "metrics", "probabilities"):
        assert again[key] == doc[key], key
    # what is recorded is what ran: the rebuilt command, run by hand, records the same fields
    res = run_main(*words[1:words.index("--name=again")], "--name=again2", "-q", *words[-2:])
    assert res.code in (0, 1), res.err
    twice = json.loads((mini_project.outputs / "again2.run.json").read_text())
    assert {k: twice[k] for k in ("draws", "seed", "lhs", "spec")} == {k: again[k] for k in ("draws", "seed", "lhs", "spec")}


# --- random mutations: never exit 70, never a traceback --------------------------------------

JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**40, 9), st.integers(5_000_001, 10**40),
              st.floats(allow_nan=True, allow_infinity=True),
              st.sampled_from(["", "-q", "--", "/dev/zero", "../../etc/passwd", "a\"b", "'", "x=1",
                               "valuation.discount_rate=0.1", "npv_usd_bn", "\u202e", "\x00",
                               "valuation.discount_rate=0.08:0.16:3", "1e400", "-1"]),
              st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6)
KEYS = ["analysis", "scenario", "command", "overrides", "seed", "cwd", "outputs", "inputs",
        "spec", "metrics", "draws", "lhs", "probabilities", "x", "y", "metric", "targets",
        "varies", "bounds", "finmodel_record", "versions"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(KEYS), JSON_VALUES), min_size=1, max_size=3),
       drop=st.lists(st.sampled_from(KEYS), max_size=2))
def test_random_record_mutations_never_crash(mini_project, mc_record, edits, drop):
    doc = json.loads(mc_record.read_text())
    for key in drop:
        doc.pop(key, None)
    for key, value in edits:
        doc[key] = value
    path = _tamper(mini_project, doc)
    res = run_main("rerun", path, "-q", "-o", str(mini_project.root))
    assert res.code in CLEAN, (res.code, res.err, doc)
    assert "Traceback" not in res.err and "internal error" not in res.err, res.err


def test_recorded_inputs_outside_the_project_are_not_read(mini_project, mc_record):
    doc = json.loads(mc_record.read_text())
    doc["inputs"]["/etc/shadow"] = "0" * 64
    path = _tamper(mini_project, doc)
    res = run_main("rerun", path, "--name", "again", "-q")
    assert res.code in (0, 1), res.err
    assert "warning: /etc/shadow: outside the project, not read" in res.err
