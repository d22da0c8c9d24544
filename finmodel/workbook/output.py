"""Scenario workbook output: layout + write (the glue the CLI and API call)."""
from __future__ import annotations

from pathlib import Path

from .layout import RunInfo, layout_workbook
from .writer import write_workbook

__all__ = ["write_scenario_workbook"]


def write_scenario_workbook(model_run, path: str | Path, run: RunInfo | None = None) -> Path:
    """Lay out and atomically write the workbook of a :class:`finmodel.api.ModelRun`."""
    if run is None:
        from ..record import run_info
        run = run_info(model_run.assumptions)
    spec = layout_workbook(model_run.result, model_run.assumptions, run)
    return write_workbook(spec, Path(path))
