"""Shared fixtures: the small test scenario and the shipped assumptions."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "data" / "mini" / "scenario.yaml"
BASE = ROOT / "assumptions" / "base.yaml"


@pytest.fixture(scope="session")
def mini():
    from finmodel.api import load
    return load(MINI)


@pytest.fixture(scope="session")
def mini_run(mini):
    from finmodel.api import run
    return run(mini)


@pytest.fixture(scope="session")
def base():
    from finmodel.api import load
    return load(BASE)


@pytest.fixture(scope="session")
def base_run(base):
    from finmodel.api import run
    return run(base)
