"""The output planner: which files a command writes, checked before any work."""
from __future__ import annotations

from pathlib import Path

import pytest

from finmodel.errors import OutputError, UsageError
from finmodel.outputs import check_output_sets, plan_outputs


def test_names_of_a_run_and_an_analysis(tmp_path):
    run = plan_outputs(tmp_path, "base", ("line_items", "metrics"))
    assert [p.name for p in run.paths()] == ["base.xlsx", "base.csv", "base-metrics.csv", "base.run.json"]
    assert run.roles() == {"xlsx": str(tmp_path / "base.xlsx"), "record": str(tmp_path / "base.run.json"),
                           "csv": str(tmp_path / "base.csv"), "metrics_csv": str(tmp_path / "base-metrics.csv")}
    tornado = plan_outputs(tmp_path, "bull-tornado", ("swings", "spider"))
    assert [p.name for p in tornado] == ["bull-tornado.xlsx", "bull-tornado.csv",
                                         "bull-tornado-spider.csv", "bull-tornado.run.json"]
    assert plan_outputs(tmp_path, "base").csv == {}


def test_every_file_is_checked_before_any_work(tmp_path):
    (tmp_path / "base-metrics.csv").mkdir()
    with pytest.raises(OutputError, match="base-metrics.csv: it is a folder"):
        plan_outputs(tmp_path, "base", ("line_items", "metrics"))
    with pytest.raises(OutputError, match="does not exist"):
        plan_outputs(tmp_path / "missing", "base")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        (tmp_path / "file").write_text("")
        plan_outputs(tmp_path / "file", "base")


def test_an_output_that_is_an_input_is_refused(tmp_path):
    (tmp_path / "base.csv").write_text("id\n")
    with pytest.raises(OutputError, match="it is one of the input files"):
        plan_outputs(tmp_path, "base", ("line_items",), inputs=[tmp_path / "base.csv"])


def test_two_plans_on_one_file_are_refused(tmp_path):
    a = plan_outputs(tmp_path, "base")
    b = plan_outputs(Path(str(tmp_path) + "/."), "base")
    with pytest.raises(UsageError, match="outputs 1 and 2 would both write"):
        check_output_sets([a, b])
    check_output_sets([a, plan_outputs(tmp_path, "bull")])
