"""Run records of the commands over several scenarios (``compare``, ``diff``) and their replay
by ``rerun``.

Such a record is a run record (:func:`finmodel.record.record_json`) whose ``scenario`` and
``overrides`` are the first scenario's, plus ``scenarios``: every scenario as it was loaded,
``{"scenario": path, "overrides": [...]}`` (a ``NAME[PATH=VALUE]`` variant or a record given
as an argument is stored resolved), and the command's own arguments (``diff``: metrics, by,
permutations, seed). ``rerun`` loads each scenario again and calls the same API function.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Sequence


from ..errors import UsageError

__all__ = ["SIDE_ANALYSES", "write_with_record", "replay"]

SIDE_ANALYSES = ("compare", "diff")
DIFF_RECORD = ("metrics", "by", "permutations", "seed")  # diff's arguments in its record


def _sides(loaded) -> list[dict]:
    return [{"scenario": str(a.path), "overrides": list(a.overrides)} for a in loaded]


def write_with_record(result, plan, loaded: Sequence, analysis: str, quiet: bool,
                      extra: Mapping | None = None, command: list[str] | None = None) -> int:
    """Write ``result``'s workbook and CSV tables (:func:`.registry.write_one`) and its run
    record, the same record the About sheet shows; returns the exit code."""
    from ..record import record_json
    from .registry import write_one
    info = result.run_info(command)
    doc = {"overrides": list(loaded[0].overrides), "scenarios": _sides(loaded), **(extra or {}),
           "outputs": plan.roles()}
    return write_one(result, plan, quiet, info, record_json(info, loaded[0].path, analysis, doc))


def diff_record(result, permutations: int) -> dict:
    """A diff's arguments as recorded: the groups it used (``by`` resolved), the requested
    number of random orders (unused when exact) and the seed (None when exact)."""
    args = result.arguments
    return {k: args[k] for k in DIFF_RECORD} | {"permutations": permutations}


def replay(doc: Mapping, locate: Callable[[str], Path], outdir: Path, name: str | None,
           quiet: bool, command: list[str] | None = None) -> int:
    """Repeat a recorded ``compare`` or ``diff``: never over the original outputs (the name
    gets ``-rerun``, ``-rerun-2``, ... when its files exist)."""
    from .. import api
    from ..assumptions.load import load
    from ..comparison import CompareRun, DiffRun
    from ..outputs import plan_outputs
    from .registry import _free_stem, progress_for
    analysis = doc["analysis"]
    sides = doc.get("scenarios")
    if not isinstance(sides, list) or len(sides) < 2 or not all(
            isinstance(s, dict) and isinstance(s.get("scenario"), str)
            and isinstance(s.get("overrides", []), list) for s in sides):
        raise UsageError(f"the run record of a {analysis} lacks its 'scenarios' (each a scenario and "
                         "its overrides)")
    if analysis == "diff":
        missing = [k for k in DIFF_RECORD if k not in doc]
        if len(sides) != 2 or missing:
            raise UsageError(f"the run record of a diff lacks {', '.join(map(repr, missing)) or 'its two scenarios'}")
    loaded = [load(locate(s["scenario"]), tuple(str(o) for o in s.get("overrides", []))) for s in sides]
    csv_ = "csv" in (doc.get("outputs") or {})
    if analysis == "compare":
        result = api.compare(loaded, progress=progress_for(quiet))
        tables, extra = CompareRun.tables_of if csv_ else (), {}
    else:
        result = api.diff(loaded[0], loaded[1], list(doc["metrics"]), by=doc["by"],
                          permutations=doc["permutations"], seed=doc["seed"] or 0,
                          progress=progress_for(quiet))
        tables, extra = DiffRun.tables_of if csv_ else (), diff_record(result, doc["permutations"])
    stem = name or _free_stem(outdir, result.stem, tables)
    plan = plan_outputs(outdir, stem, tables, tuple(p for a in loaded for p in a.files))
    return write_with_record(result, plan, loaded, analysis, quiet, extra, command)
