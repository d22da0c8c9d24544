"""Peak memory of a process and its descendants (the engine's worker processes), sampled.

``ru_maxrss`` is one process's peak; with worker processes a run's memory is the parent's plus
the workers', and a forked worker's resident pages include those it still shares with the
parent. So this samples, every ``interval`` seconds, the proportional set size (PSS: each
shared page divided among the processes sharing it) of the process and every descendant from
``/proc/PID/smaps_rollup``, and keeps the largest sum. Being sampled, the peak can be missed
by up to what changes in one interval: read it as a lower bound, next to ``ru_maxrss``.
Linux only.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(d.name))
    return kids


def tree_pss(pid: int) -> int:
    """Bytes: the PSS of ``pid`` and its descendants now (0 for those that just ended)."""
    kids, todo, total = _children(), [pid], 0
    while todo:
        p = todo.pop()
        todo.extend(kids.get(p, []))
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            pass
    return total


class PeakTree:
    """``with PeakTree(pid) as peak: ...`` then ``peak.gb``: the largest sampled tree PSS."""

    def __init__(self, pid: int | None = None, interval: float = 0.05):
        self.pid, self.interval, self.peak = pid or os.getpid(), interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_pss(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakTree":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def gb(self) -> float:
        return self.peak / 1e9
