"""``montecarlo --save-draws FILE``: every draw's sampled inputs and outputs, one row per draw,
as Parquet (pyarrow) or CSV; the same table as the API's ``keep_draws=True``."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finmodel import api

ARGS = ("montecarlo", "--draws", "300", "--seed", "5", "--metric", "npv_usd_bn", "--metric", "irr")


def test_save_draws_as_parquet_holds_every_draw(project, invoke):
    pytest.importorskip("pyarrow")
    result = invoke(*ARGS, "--save-draws", "outputs/draws.parquet")
    assert result.exit_code == 0, result.output
    assert "outputs/draws.parquet" in result.output  # listed with what was written
    d = pd.read_parquet(project / "outputs" / "draws.parquet")
    mc = api.montecarlo("base", draws=300, seed=5, metrics=["npv_usd_bn", "irr"], keep_draws=True)
    pd.testing.assert_frame_equal(d, mc.draws)
    assert len(d) == 300 and list(d.columns[:3]) == ["scenario", "draw", "valid"]
    assert {"valuation.discount_rate", "npv_usd_bn", "irr"} <= set(d.columns)
    assert any(c.endswith("*") for c in d.columns)  # a factor on a whole per-year input
    # the draws are the ones summarised: their mean NPV is the reported mean
    row = mc.tables["percentiles"].set_index("output").loc["npv_usd_bn"]
    npv = d.loc[d["valid"], "npv_usd_bn"]
    assert npv.mean() == pytest.approx(row["mean"], rel=1e-12)
    assert d["valuation.discount_rate"].between(0.09, 0.15).all()


def test_save_draws_as_csv(project, invoke):
    assert invoke(*ARGS, "--save-draws", "outputs/draws.csv", "-q").exit_code == 0
    d = pd.read_csv(project / "outputs" / "draws.csv")
    assert len(d) == 300 and np.isfinite(d["npv_usd_bn"]).any()


def test_rerun_writes_the_draws_again(project, invoke):
    assert invoke(*ARGS, "--save-draws", "outputs/draws.csv", "-q").exit_code == 0
    (project / "again").mkdir()
    assert invoke("rerun", "outputs/base-montecarlo.run.json", "-o", "again", "-q").exit_code == 0
    assert (project / "again" / "draws.csv").read_bytes() == (project / "outputs" / "draws.csv").read_bytes()


@pytest.mark.parametrize("target, words", [("outputs/draws.txt", "expected a file name ending in .parquet or .csv"),
                                           ("nowhere/draws.csv", "nowhere")])
def test_a_bad_draws_file_fails_before_any_work(project, main_cli, target, words):
    code, _, err = main_cli(*ARGS, "--save-draws", target)
    assert code == 73 and words in err and "Traceback" not in err
    assert list((project / "outputs").iterdir()) == []


def test_draws_not_kept_say_how_to_keep_them(project):
    from finmodel.errors import UsageError
    with pytest.raises(UsageError, match="keep_draws=True"):
        api.montecarlo("base", draws=50, seed=1).draws
