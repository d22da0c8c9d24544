"""What numba takes to compile one fused function the size of the whole model (issue 16; prints figures).

Usage: python benchmarks/numba_compile.py [STATEMENTS ...]   (default: 1000 3000)
Needs numba (``pip install numba``), which finmodel itself does not use.

Issue 16 accepts a compiled kernel (e.g. numba) for N = 1 in <= 0.5 ms if its compilation is
cached. A single run spends ~3 ms in the evaluator alone (``single.py``: every entry's function
stubbed), so only one fused function for the whole model gets there, as the workbook kernel's
C does (``workbook_kernel.py``: 9,471 formula cells, 24-30 us a call, gcc -O2 20-80 s). This
script times numba on a stand-in of that size: a function of STATEMENTS scalar statements over
locals, each an arithmetic of two earlier values (one in ten a conditional), reading a 201-input
vector, the shape of the workbook's cells (the kernel's own cells would need a Python back end
for ``tests/sheetc.py``). It prints, for each size, the first call's wall time (type inference
and LLVM; what a cache would save after the first run of each model structure), the peak
resident memory of the compiling process and the time of a call once compiled. Each size runs
in a fresh process. Not a test: no assertions.

What it showed (2026-12-06, numba 0.68.1, 2 cores): 1,000 statements 4.2 s, 3,000 28.3 s, 9,471
(the workbook's cell count) 424 s with 4.8 GB resident; a compiled call 0.27-0.32 us. The time
grows faster than the size, so a kernel of the whole model would cost minutes and gigabytes the
first time each model structure (deals, tranches, components) is run.
"""
from __future__ import annotations

import random
import resource
import subprocess
import sys
import time

INPUTS = 201  # the scenario workbook's inputs


def source(statements: int, seed: int = 1) -> str:
    rnd = random.Random(seed)
    lines = ["def kernel(x, out):"]
    for i in range(statements):
        if i < INPUTS:
            lines.append(f"    c{i} = x[{i}]")
            continue
        a, b = rnd.randrange(i), rnd.randrange(i)
        op = rnd.choice("+-*")
        if rnd.random() < 0.1:
            lines.append(f"    c{i} = c{a} if c{b} > 0.5 else c{a} {op} 1.0")
        else:
            lines.append(f"    c{i} = c{a} {op} c{b} * 0.5")
    lines.append(f"    out[0] = c{statements - 1}")
    return "\n".join(lines)


def one(statements: int) -> None:
    import numba
    import numpy as np
    ns: dict = {}
    exec(compile(source(statements), f"<kernel {statements}>", "exec"), ns)
    x, out = np.random.default_rng(0).random(INPUTS), np.zeros(1)
    t = time.perf_counter()
    f = numba.njit(ns["kernel"])
    f(x, out)
    compile_s = time.perf_counter() - t
    t = time.perf_counter()
    for _ in range(1000):
        f(x, out)
    call_us = (time.perf_counter() - t) / 1000 * 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"{statements:>8,} statements: compile {compile_s:7.1f} s, peak {peak:5.2f} GB, "
          f"a call {call_us:.2f} us (numba {numba.__version__})", flush=True)


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] == "--one":
        one(int(args[1]))
        return
    for n in [int(a) for a in args] or [1000, 3000]:
        subprocess.run([sys.executable, __file__, "--one", str(n)], check=False)


if __name__ == "__main__":
    main()
