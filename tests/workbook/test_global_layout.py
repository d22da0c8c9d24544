"""The global sensitivity layouts' pure parts."""
from __future__ import annotations

import pandas as pd

from finmodel.workbook.globalsa import stable_at


def _conv(rows):
    return pd.DataFrame(rows, columns=["n", "factor", "S1_conf", "ST_conf"])


def test_stable_at_is_the_first_n_from_which_every_interval_stays_narrow():
    conv = _conv([(32, "a", 0.20, 0.10), (32, "b", 0.04, 0.03),
                  (64, "a", 0.04, 0.03), (64, "b", 0.06, 0.02),   # b's S1 still wide
                  (128, "a", 0.03, 0.02), (128, "b", 0.05, 0.01),  # 0.05 is within +-0.05
                  (256, "a", 0.02, 0.01), (256, "b", 0.03, 0.01)])
    assert stable_at(conv, ["a", "b"]) == 128
    assert stable_at(conv, ["a"]) == 64
    wide_again = pd.concat([conv, _conv([(512, "a", 0.07, 0.01), (512, "b", 0.01, 0.01)])])
    assert stable_at(wide_again, ["a", "b"]) is None  # wide at the largest N: not stable yet
