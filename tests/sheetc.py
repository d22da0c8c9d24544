"""The scenario workbook compiled to C: every formula cell of one scenario, in dependency order,
one scenario after another (a test helper, and the fused kernel of ``benchmarks/workbook_kernel.py``).

``compile_book(spec, inputs)`` takes the ``WorkbookSpec`` that ``workbook.layout`` builds and
emits C; ``Kernel(source)(values, cells, threads)`` compiles it with gcc (OpenMP over scenarios;
cached by the source's hash) and evaluates one row of ``values`` per scenario. ``Workbook``
ties a model run to it: which cells hold the inputs, the line items, metrics and checks, and
how to compare the kernel's values with the engine's. So the workbook's formulas can be checked
against the engine on thousands of scenarios, where LibreOffice (the reference, in the other
tests) recalculates a few.

Values: a cell is a double. Text (a formula's "n/a: ..." or a label) is a quiet NaN whose
payload is the string's number, an error another payload; a blank reads as 0 in arithmetic and
is skipped by SUM, MAX, MIN, COUNT and NPV, as is text in a reference. Operator precedence is
the spreadsheet's: a prefix minus binds tighter than ``^`` (``-2^2`` is 4), ``^`` is
left-associative. NPV discounts by a running product and IRR is Newton's method from the
guess, so both agree with LibreOffice's to rounding, not bit for bit.

Supported: + - * / ^ = <> < > <= >=, IF AND OR MAX MIN SUM SUMPRODUCT (elementwise arithmetic,
comparisons and ABS over ranges of one shape) INDEX MATCH (exact) COUNT NPV IRR ISNUMBER
LEN ABS INT EXP ROW COLUMN, defined names. Anything else raises ``Unsupported`` naming the cell.
"""
from __future__ import annotations

import ctypes
import hashlib
import math
import os
import re
import subprocess
import tempfile
from collections import defaultdict, deque
from pathlib import Path
from typing import NamedTuple

import numpy as np
from openpyxl.formula.tokenizer import Token, Tokenizer

__all__ = ["Unsupported", "Ref", "compile_book", "Kernel", "unbox", "cells_differ", "compiler", "Workbook", "Compared"]

TEXT_TAG = 0x7FF8_0001_0000_0000
ERROR_TAG = 0x7FF8_0002_0000_0000


class Unsupported(ValueError):
    pass


class Ref(NamedTuple):
    sheet: str
    r0: int
    c0: int
    r1: int
    c1: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.r1 - self.r0 + 1, self.c1 - self.c0 + 1

    def cells(self):
        for r in range(self.r0, self.r1 + 1):
            for c in range(self.c0, self.c1 + 1):
                yield self.sheet, r, c


_A1 = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)$")
_REF = re.compile(r"^(?:(?:'((?:[^']|'')+)'|([A-Za-z0-9_ .]+))!)?(\$?[A-Z]{1,3}\$?\d+)(?::(\$?[A-Z]{1,3}\$?\d+))?$")


def _cell(a1: str) -> tuple[int, int]:
    m = _A1.match(a1)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def parse_ref(text: str, here: str, names: dict[str, Ref]) -> Ref:
    if text in names:
        return names[text]
    m = _REF.match(text)
    if not m:
        raise Unsupported(f"reference {text!r}")
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2) or here
    r0, c0 = _cell(m.group(3))
    r1, c1 = _cell(m.group(4)) if m.group(4) else (r0, c0)
    return Ref(sheet, min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1))


# --- parsing: tokens -> (kind, ...) tuples ------------------------------------------------------

_BINARY = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}


class _Parser:
    def __init__(self, formula: str, here: str, names: dict[str, Ref]):
        self.toks = [t for t in Tokenizer(formula).items if t.type != Token.WSPACE]
        self.i, self.here, self.names = 0, here, names

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def parse(self):
        e = self.expr(0)
        if self.peek() is not None:
            raise Unsupported(f"trailing token {self.peek().value!r}")
        return e

    def expr(self, min_prec: int):
        lhs = self.unary()
        while (t := self.peek()) is not None and t.type == Token.OP_IN and _BINARY[t.value] >= min_prec:
            op = self.take().value
            rhs = self.expr(_BINARY[op] + 1)  # left-associative, ^ included
            lhs = ("bin", op, lhs, rhs)
        return lhs

    def unary(self):
        t = self.peek()
        if t.type == Token.OP_PRE:
            self.take()
            e = self.unary()
            return ("neg", e) if t.value == "-" else e
        e = self.primary()
        if (t := self.peek()) is not None and t.type == Token.OP_POST:
            raise Unsupported("postfix %")
        return e

    def primary(self):
        t = self.take()
        if t.type == Token.OPERAND:
            if t.subtype == Token.NUMBER:
                return ("num", float(t.value))
            if t.subtype == Token.TEXT:
                return ("text", t.value[1:-1].replace('""', '"'))
            if t.subtype == Token.LOGICAL:
                return ("num", 1.0 if t.value.upper() == "TRUE" else 0.0)
            if t.subtype == Token.RANGE:
                return ("ref", parse_ref(t.value, self.here, self.names))
            raise Unsupported(f"operand {t.value!r}")
        if t.type == Token.PAREN and t.subtype == Token.OPEN:
            e = self.expr(0)
            self.take()
            return e
        if t.type == Token.FUNC and t.subtype == Token.OPEN:
            name, args = t.value[:-1].upper(), []
            if self.peek().type == Token.FUNC and self.peek().subtype == Token.CLOSE:
                self.take()
                return ("fn", name, args)
            while True:
                args.append(self.expr(0))
                t = self.take()
                if t.type == Token.FUNC and t.subtype == Token.CLOSE:
                    return ("fn", name, args)
                if t.type != Token.SEP:
                    raise Unsupported(f"token {t.value!r} in {name}")
        raise Unsupported(f"token {t.value!r}")


def _refs(e, out: list):
    if e[0] == "ref":
        out.append(e[1])
    elif e[0] == "neg":
        _refs(e[1], out)
    elif e[0] == "bin":
        _refs(e[2], out)
        _refs(e[3], out)
    elif e[0] == "fn" and e[1] not in ("ROW", "COLUMN"):  # their argument is a position, not a value
        for a in e[2]:
            _refs(a, out)
    return out


# --- code generation ----------------------------------------------------------------------------

PRELUDE = r"""
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <omp.h>
typedef union { double d; uint64_t u; } box_t;
static inline double boxed(uint64_t u) { box_t b; b.u = u; return b.d; }
static inline uint64_t bits(double d) { box_t b; b.d = d; return b.u; }
static inline double eq(double a, double b) {
    if (isnan(a) || isnan(b)) return bits(a) == bits(b) ? 1.0 : 0.0;
    return a == b ? 1.0 : 0.0;
}
static inline double mx(double a, double b) { return a >= b ? a : b; }
static inline double mn(double a, double b) { return a <= b ? a : b; }
static inline double npv_(double rate, const double *v, const int *ix, int n) {
    double acc = 0.0, d = 1.0, g = 1.0 + rate;
    for (int q = 0; q < n; q++) { double x = v[ix[q]]; if (!isnan(x)) { d *= g; acc += x / d; } }
    return acc;
}
static double irr_(const double *v, const int *ix, int n, double guess) {
    /* Newton from the guess on NPV(r) = sum x_k / (1+r)^k, k = 0..n-1 */
    double r = guess;
    for (int it = 0; it < 200; it++) {
        double f = 0.0, df = 0.0, g = 1.0 + r, d = 1.0;
        for (int q = 0; q < n; q++) { double x = v[ix[q]]; f += x / d; d *= g; df -= q * x / d; }
        double step = f / df;
        r -= step;
        if (fabs(step) <= 1e-15 * fmax(1.0, fabs(r))) return r;
    }
    return boxed(ERROR_TAG | 2);
}
"""


_MATH = {"ABS": "fabs", "INT": "floor", "EXP": "exp"}  # one-argument functions: their C names


class _Gen:
    def __init__(self, index, exists, texts):
        self.index, self.exists, self.texts = index, exists, texts
        self.lists: dict[tuple, int] = {}
        self.tmp = 0

    def text(self, s: str) -> str:
        if s not in self.texts:
            self.texts[s] = len(self.texts) + 1
        return f"boxed({TEXT_TAG:#x}ULL|{self.texts[s]})"

    def var(self) -> str:
        self.tmp += 1
        return f"t{self.tmp}"

    def at(self, sheet, r, c) -> str:
        return f"v[{self.index(sheet, r, c)}]"

    def cells_of(self, ref: Ref, existing: bool = True) -> tuple[str, int]:
        """The name and length of a static list of a range's cell slots (with ``existing``, only
        cells the workbook holds: blanks are skipped; without, every position, as MATCH counts)."""
        ix = tuple(self.index(*k) for k in ref.cells() if not existing or k in self.exists)
        if ix not in self.lists:
            self.lists[ix] = len(self.lists)
        return f"L{self.lists[ix]}", len(ix)

    # scalar context
    def s(self, e, here) -> str:
        k = e[0]
        if k == "num":
            return repr(e[1])
        if k == "text":
            return self.text(e[1])
        if k == "ref":
            ref = e[1]
            if ref.shape != (1, 1):
                raise Unsupported(f"a range {ref} where one value is needed")
            return self.at(ref.sheet, ref.r0, ref.c0)
        if k == "neg":
            return f"(-{self.s(e[1], here)})"
        if k == "bin":
            op, a, b = e[1], self.s(e[2], here), self.s(e[3], here)
            return self.binary(op, a, b)
        return self.fn(e[1], e[2], here)

    def binary(self, op, a, b) -> str:
        if op in "+-*/":
            return f"({a}{op}{b})"
        if op == "^":
            return f"pow({a},{b})"
        if op == "=":
            return f"eq({a},{b})"
        if op == "<>":
            return f"(1.0-eq({a},{b}))"
        if op in ("<", ">", "<=", ">="):
            return f"(({a}{op}{b})?1.0:0.0)"
        raise Unsupported(f"operator {op}")

    def fn(self, name, args, here) -> str:
        sheet, row, col = here
        if name == "IF":
            c = self.s(args[0], here)
            a = self.s(args[1], here)
            b = self.s(args[2], here) if len(args) > 2 else "0.0"
            return f"(({c})!=0.0?{a}:{b})"
        if name in ("AND", "OR"):
            parts = []
            for x in args:
                if x[0] == "ref" and x[1].shape != (1, 1):
                    lst, n = self.cells_of(x[1])
                    q, t = self.var(), self.var()
                    agg = "&&" if name == "AND" else "||"
                    init = "1" if name == "AND" else "0"
                    parts.append(f"({{int {t}={init}; for(int {q}=0;{q}<{n};{q}++){{ {t} = {t} {agg} (v[{lst}[{q}]]!=0.0); }} {t};}})")
                else:
                    parts.append(f"(({self.s(x, here)})!=0.0)")
            j = "&&" if name == "AND" else "||"
            return f"(({j.join(parts)})?1.0:0.0)"
        if name in ("MAX", "MIN", "SUM", "COUNT"):
            acc, any_ = self.var(), self.var()
            pick = {"MAX": "mx", "MIN": "mn"}.get(name)
            body = []

            def step(y: str, skip_text: bool) -> str:
                do = {"COUNT": f"{acc} += !isnan({y});", "SUM": f"{acc} += {y};"}.get(
                    name, f"{acc} = {any_} ? {pick}({acc},{y}) : {y}; {any_}=1;")
                return f"if(!isnan({y})) {{ {do} }}" if skip_text and name != "COUNT" else do

            for x in args:
                y = self.var()
                if x[0] == "ref":  # a reference's text and blanks are skipped, even of one cell
                    lst, n = self.cells_of(x[1])
                    q = self.var()
                    body.append(f"for(int {q}=0;{q}<{n};{q}++){{ double {y}=v[{lst}[{q}]]; {step(y, True)} }}")
                else:
                    body.append(f"{{ double {y}={self.s(x, here)}; {step(y, False)} }}")
            return f"({{double {acc}=0.0; int {any_}=0; (void){any_}; {' '.join(body)} {acc};}})"
        if name == "SUMPRODUCT":
            shape = None
            for x in args:
                for ref in _refs(x, []):
                    if ref.shape != (1, 1):
                        if shape not in (None, ref.shape):
                            raise Unsupported(f"SUMPRODUCT of shapes {shape} and {ref.shape} at {here}")
                        shape = ref.shape
            if shape is None:
                shape = (1, 1)
            i, j, acc = self.var(), self.var(), self.var()
            term = "*".join(f"({self.el(x, here, i, j, shape)})" for x in args)
            return (f"({{double {acc}=0.0; for(int {i}=0;{i}<{shape[0]};{i}++) for(int {j}=0;{j}<{shape[1]};{j}++) "
                    f"{acc} += {term}; {acc};}})")
        if name == "INDEX":
            ref = args[0][1] if args[0][0] == "ref" else None
            if ref is None:
                raise Unsupported(f"INDEX of an expression at {here}")
            nr, nc = ref.shape
            if len(args) == 2:
                a, b = (("1.0", self.s(args[1], here)) if nr == 1 else (self.s(args[1], here), "1.0"))
            else:
                a, b = self.s(args[1], here), self.s(args[2], here)
            p, q = self.var(), self.var()
            base = self.index(ref.sheet, ref.r0, ref.c0)
            stride = self.index(ref.sheet, ref.r0 + 1, ref.c0) - base if nr > 1 else 0
            return (f"({{int {p}=(int)({a})-1, {q}=(int)({b})-1; "
                    f"({p}>=0&&{p}<{nr}&&{q}>=0&&{q}<{nc}) ? v[{base}+{p}*{stride}+{q}] : boxed({ERROR_TAG:#x}ULL|1);}})")
        if name == "MATCH":
            if len(args) != 3 or args[2] != ("num", 0.0) or args[1][0] != "ref":
                raise Unsupported(f"MATCH other than exact at {here}")
            lst, n = self.cells_of(args[1][1], existing=False)
            x, q, res = self.var(), self.var(), self.var()
            return (f"({{double {x}={self.s(args[0], here)}, {res}=boxed({ERROR_TAG:#x}ULL|3); "
                    f"for(int {q}=0;{q}<{n};{q}++) if(eq({x},v[{lst}[{q}]])!=0.0){{ {res}={q}+1; break; }} {res};}})")
        if name == "NPV":
            rate = self.s(args[0], here)
            if len(args) != 2 or args[1][0] != "ref":
                raise Unsupported(f"NPV form at {here}")
            lst, n = self.cells_of(args[1][1])
            return f"npv_({rate},v,{lst},{n})"
        if name == "IRR":
            lst, n = self.cells_of(args[0][1])
            guess = self.s(args[1], here) if len(args) > 1 else "0.1"
            return f"irr_(v,{lst},{n},{guess})"
        if name == "ISNUMBER":
            return f"(isnan({self.s(args[0], here)})?0.0:1.0)"
        if name == "LEN":
            y = self.var()
            return (f"({{double {y}={self.s(args[0], here)}; "
                    f"((bits({y})&0xFFFFFFFF00000000ULL)=={TEXT_TAG:#x}ULL) ? (double)TEXT_LEN[bits({y})&0xFFFFFFFFULL] : boxed({ERROR_TAG:#x}ULL|4);}})")
        if name in _MATH:
            return f"{_MATH[name]}({self.s(args[0], here)})"
        if name in ("ROW", "COLUMN"):
            if not args:
                return f"{float((row if name == 'ROW' else col) + 1)!r}"
            ref = args[0][1]
            return f"{float((ref.r0 if name == 'ROW' else ref.c0) + 1)!r}"
        raise Unsupported(f"function {name} at {here}")

    # elementwise context (inside SUMPRODUCT): element (i, j) of every range of the shape
    def el(self, e, here, i, j, shape) -> str:
        k = e[0]
        if k == "ref" and e[1].shape != (1, 1):
            ref = e[1]
            base = self.index(ref.sheet, ref.r0, ref.c0)
            stride = self.index(ref.sheet, ref.r0 + 1, ref.c0) - base if shape[0] > 1 else 0
            return f"v[{base}+{i}*{stride}+{j}]"
        if k == "neg":
            return f"(-{self.el(e[1], here, i, j, shape)})"
        if k == "bin":
            return self.binary(e[1], self.el(e[2], here, i, j, shape), self.el(e[3], here, i, j, shape))
        if k == "fn" and e[1] == "ABS":
            return f"fabs({self.el(e[2][0], here, i, j, shape)})"
        if k == "fn" and any(r.shape != (1, 1) for r in _refs(e, [])) and e[1] not in (
                "MAX", "MIN", "SUM", "COUNT", "INDEX", "MATCH", "NPV", "IRR", "SUMPRODUCT", "AND", "OR"):
            raise Unsupported(f"{e[1]} over a range inside SUMPRODUCT at {here}")
        return self.s(e, here)


def compile_book(spec, inputs: list[tuple[str, int, int]], needed=None) -> tuple[str, dict]:
    """C source for ``spec`` (a ``WorkbookSpec``) and its layout: ``inputs`` are the (sheet, row,
    col) cells read from each scenario's row of values, in order (every other cell keeps the
    value the workbook holds); ``needed``, if given, the cells a caller reads: only the formulas
    they depend on are evaluated. A formula that reads no input, directly or through others, is
    evaluated once per thread rather than per scenario. Returns (source, info) where info["index"] maps (sheet, row,
    col) -> the cell's slot and info["order"] lists the formula cells in evaluation order."""
    names = {}
    for dn in spec.names:
        names[dn.name] = parse_ref(dn.ref.lstrip("="), "", {})
    cells = {(sh.name, r, c): cell for sh in spec.sheets for (r, c), cell in sh.cells.items()}
    parsed, deps, reads = {}, {}, {}
    extent = defaultdict(lambda: [0, 0])
    for (sheet, r, c) in cells:
        ext = extent[sheet]
        ext[0], ext[1] = max(ext[0], r + 1), max(ext[1], c + 1)
    for key, cell in cells.items():
        if cell.formula:
            try:
                e = _Parser(cell.formula, key[0], names).parse()
            except Unsupported as err:
                raise Unsupported(f"{key[0]}!{key[1]},{key[2]} {cell.formula!r}: {err}") from None
            parsed[key] = e
            refs = _refs(e, [])
            for ref in refs:
                ext = extent[ref.sheet]
                ext[0], ext[1] = max(ext[0], ref.r1 + 2), max(ext[1], ref.c1 + 1)
            reads[key] = {k for ref in refs for k in ref.cells()}
            deps[key] = {k for k in reads[key] if k in cells and cells[k].formula}
    base, offset = {}, 0
    for sheet, (h, w) in extent.items():
        base[sheet] = (offset, w)
        offset += h * w

    def index(sheet, r, c):
        b, w = base[sheet]
        return b + r * w + c

    # dependency order (Kahn); a cycle is an error
    users, indeg = defaultdict(list), {k: len(d) for k, d in deps.items()}
    for k, d in deps.items():
        for x in d:
            users[x].append(k)
    ready = deque(sorted(k for k, n in indeg.items() if n == 0))
    order = []
    while ready:
        k = ready.popleft()
        order.append(k)
        for u in users[k]:
            indeg[u] -= 1
            if indeg[u] == 0:
                ready.append(u)
    if len(order) != len(parsed):
        raise Unsupported(f"circular references among {len(parsed) - len(order)} cells")
    if needed is not None:
        keep, todo = set(), [k for k in needed if k in parsed]
        while todo:
            k = todo.pop()
            if k not in keep:
                keep.add(k)
                todo.extend(deps[k])
        order = [k for k in order if k in keep]

    texts: dict[str, int] = {}
    gen = _Gen(index, set(cells), texts)
    consts = []
    for key, cell in cells.items():
        if cell.formula or cell.value is None:
            continue
        x = cell.value
        if isinstance(x, bool):
            consts.append(f"v[{index(*key)}]={1.0 if x else 0.0!r};")
        elif isinstance(x, (int, float)):
            consts.append(f"v[{index(*key)}]={float(x)!r};")
        else:
            consts.append(f"v[{index(*key)}]={gen.text(str(x))};")
    varying = set(inputs)
    for key in order:
        if reads[key] & varying:
            varying.add(key)
    stmts, once = [], []
    for key in order:
        try:
            (stmts if key in varying else once).append(f"v[{index(*key)}] = {gen.s(parsed[key], key)};")
        except Unsupported as err:
            raise Unsupported(f"{key[0]}!{key[1]},{key[2]} {cells[key].formula!r}: {err}") from None
    parts, size = [], 250
    for p in range(0, len(stmts), size):
        parts.append(f"static void part{p // size}(double *restrict v) {{\n" + "\n".join(stmts[p:p + size]) + "\n}")
    lists = "\n".join(f"static const int L{n}[] = {{{','.join(map(str, ix)) or '0'}}};" for ix, n in gen.lists.items())
    lens = [0] * (len(texts) + 1)
    for s, n in texts.items():
        lens[n] = len(s)
    src = "\n".join([
        f"#define ERROR_TAG {ERROR_TAG:#x}ULL",
        PRELUDE,
        f"static const int TEXT_LEN[] = {{{','.join(map(str, lens))}}};",
        lists,
        "static void init(double *v) {\n" + "\n".join(consts + once) + "\n}",
        *parts,
        f"static const int INPUTS[] = {{{','.join(str(index(*k)) for k in inputs) or '0'}}};",
        f"#define NCELLS {offset}",
        f"#define NIN {len(inputs)}",
        "int cells(void) { return NCELLS; }",
        "void kernel(long n, const double *in, const int *out_ix, int m, double *out, int threads) {",
        "  #pragma omp parallel num_threads(threads)",
        "  {",
        "    double *v = calloc(NCELLS, sizeof(double)); init(v);",
        "    #pragma omp for schedule(static)",
        "    for (long i = 0; i < n; i++) {",
        "      const double *x = in + i * NIN;",
        "      for (int k = 0; k < NIN; k++) v[INPUTS[k]] = x[k];",
        *[f"      part{p}(v);" for p in range(len(parts))],
        "      for (int k = 0; k < m; k++) out[i * m + k] = v[out_ix[k]];",
        "    }",
        "    free(v);",
        "  }",
        "}",
    ])
    return src, {"index": index, "order": order, "cells": cells, "texts": {n: s for s, n in texts.items()},
                 "statements": len(stmts) + len(once), "per_row": len(stmts)}


class Kernel:
    """The compiled C of ``compile_book``: gcc -O2 with OpenMP, cached by the source's hash."""

    def __init__(self, src: str, cache: Path | None = None, flags: tuple[str, ...] = ("-O2", "-march=native")):
        cache = cache or Path(tempfile.gettempdir()) / "finmodel-sheetc"
        cache.mkdir(parents=True, exist_ok=True)
        tag = hashlib.sha256((src + " ".join(flags)).encode()).hexdigest()[:16]
        so = cache / f"k{tag}.so"
        if not so.exists():  # each process writes its own files (test workers may race), then renames
            c, tmp = cache / f"k{tag}.{os.getpid()}.c", cache / f"k{tag}.{os.getpid()}.so"
            c.write_text(src)
            subprocess.run(["gcc", *flags, "-ffp-contract=off", "-fopenmp", "-shared", "-fPIC", "-o", str(tmp), str(c),
                            "-lm"], check=True)
            c.unlink()
            tmp.replace(so)
        self.so = so
        self.lib = ctypes.CDLL(str(so))
        self.lib.kernel.restype = None
        self.lib.kernel.argtypes = [ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
                                    ctypes.c_void_p, ctypes.c_int]

    def __call__(self, values: np.ndarray, out_ix: np.ndarray, threads: int = 1) -> np.ndarray:
        values = np.ascontiguousarray(values, dtype=np.float64)
        out_ix = np.ascontiguousarray(out_ix, dtype=np.int32)
        out = np.empty((values.shape[0], len(out_ix)))
        self.lib.kernel(values.shape[0], values.ctypes.data, out_ix.ctypes.data, len(out_ix), out.ctypes.data, threads)
        return out


def unbox(x: np.ndarray, texts: dict[int, str]) -> np.ndarray:
    """Kernel values as Python objects: numbers as floats, text as its string, errors as "#ERR"."""
    u = x.view(np.uint64)
    out = x.astype(object)
    for idx in zip(*np.nonzero(np.isnan(x))):
        tag = int(u[idx]) & 0xFFFFFFFF00000000
        out[idx] = texts.get(int(u[idx]) & 0xFFFFFFFF, "?") if tag == TEXT_TAG else "#ERR"
    return out


def cells_differ(info: dict, got: np.ndarray) -> list[str]:
    """The formula cells of ``info["order"]`` whose kernel value (``got``, in that order) is not
    the value the engine wrote in the cell: a number beyond 1e-9 relative (and absolute), text
    not equal (a metric's cached "n/a" carries no reason: any "n/a..." text meets it)."""
    out = []
    for cell, g in zip(info["order"], unbox(got, info["texts"])):
        want = info["cells"][cell].value
        want = float(want) if isinstance(want, (bool, int)) else want
        if isinstance(want, float) and isinstance(g, float):
            ok = math.isclose(g, want, rel_tol=1e-9, abs_tol=1e-9)
        else:
            ok = g == want or (want == "n/a" and isinstance(g, str) and g.startswith("n/a"))
        if not ok:
            out.append(f"{cell} {info['cells'][cell].formula[:80]}: engine {want!r}, workbook {g!r}")
    return out


def compiler() -> str | None:
    """The C compiler the kernels need (gcc on PATH), or None."""
    import shutil
    return shutil.which("gcc")


class Compared(NamedTuple):
    """Kernel against engine, by kind of output: {"li"|"m"|"ck": (equal, compared)}; the
    outputs that differ, each with one example; the largest difference of the numbers both give,
    relative to the larger magnitude where it is above 1 (US$ 1 bn, 1 GW, 100 %), else absolute."""
    counts: dict
    differ: list
    worst: float


class Workbook:
    """A run's scenario workbook (``workbook.layout.laid_out``) and where its outputs live.

    ``result`` is a run whose scenario 0 the workbook shows; its other inputs are the cells'
    values, and a kernel reads the cells of the inputs it is given from each row."""

    def __init__(self, result, assumptions):
        from finmodel.workbook import layout
        self.layout = layout
        self.book = layout.laid_out(result, assumptions)
        self.spec = self.book.spec
        self.catalogue = result.catalogue
        self.T = result.drivers.periods

    def width(self, path: str) -> int:
        f = self.book.inputs[path][1]
        return int(np.size(f.value)) if f.series else 1

    def input_cells(self, paths) -> list[tuple[str, int, int]]:
        out = []
        for p in paths:
            row, f = self.book.inputs[p]
            cols = range(self.width(p)) if f.series else [None]
            out += [("Inputs",) + self.layout.input_cell(row, t) for t in cols]
        return out

    def input_values(self, drivers, paths) -> np.ndarray:
        """(n, cells) the inputs' values for every row of ``drivers``, as ``input_cells`` orders them."""
        cols = []
        for p in paths:
            x = np.asarray(drivers.values[p], dtype=float)
            cols.append(np.broadcast_to(x.reshape(x.shape[0], -1), (drivers.n, self.width(p))))
        return np.concatenate(cols, axis=1) if cols else np.empty((drivers.n, 0))

    def engine_cells(self) -> list[tuple[str, int, int]]:
        """The cells the layout fills with the engine's values rather than formulas: for each IRR
        flow, the root count and lowest root used when the flows change sign 2+ times, and the note."""
        from finmodel.model.result import IRR_FLOWS
        return [self.book.cells[f"scan:{flow}:{name}"] for flow in IRR_FLOWS for name in ("stored", "first", "note")]

    def engine_values(self, result, texts: dict[int, str]) -> np.ndarray:
        """(n, 6) those cells' values for every row of ``result`` (a note as text: "" or another)."""
        from finmodel.engine import irr, metrics
        from finmodel.model.result import IRR_FLOWS
        empty = next(i for i, s in texts.items() if s == "")
        other = next(i for i, s in texts.items() if s)
        cols = []
        for flow in IRR_FLOWS:
            rc = irr.root_count(metrics.forecast(np.asarray(result.line_items[flow])))
            note = np.array([TEXT_TAG | (other if t else empty) for t in rc.note], dtype=np.uint64)
            cols += [np.asarray(rc.exact, float), np.asarray(rc.first, float), note.view(np.float64)]
        return np.stack(cols, axis=1)

    def outputs(self, line_items: bool = True, metrics=None, checks: bool = True) -> dict[str, list]:
        """Output name -> its cells: ``li:KEY`` (one per period), ``m:KEY``, ``ck:KEY``."""
        out = {}
        if line_items:
            for key in self.catalogue.line_items:
                sheet, row = self.book.rows[key]
                out[f"li:{key}"] = [(sheet, row, self.layout.FIRST_COL + t) for t in range(self.T)]
        for key in (self.catalogue.metrics if metrics is None else metrics):
            out[f"m:{key}"] = [self.book.cells[f"m:{key}"]]
        if checks:
            for key in self.catalogue.checks:
                out[f"ck:{key}"] = [self.book.cells[f"check:{key}"]]
        return out

    def compare(self, result, got: np.ndarray, outs: dict[str, list], rows: np.ndarray,
                rtol: float = 1e-9) -> Compared:
        """The kernel's values ``got`` (n, cells of ``outs`` in order) against ``result``'s on
        ``rows``: numbers within ``rtol`` relative (and 1e-9 absolute), a NaN against a NaN or
        text (an "n/a" metric) equal."""
        counts, differ, at, worst = {"li": [0, 0], "m": [0, 0], "ck": [0, 0]}, [], 0, 0.0
        n = got.shape[0]
        for name, cells in outs.items():
            kind, key = name.split(":", 1)
            x = got[rows, at:at + len(cells)]
            at += len(cells)
            if kind == "li":
                want = np.broadcast_to(np.asarray(result.line_items[key], float), (n, self.T))[rows]
            elif kind == "m":
                want = np.asarray(result.metrics[key].value, float).reshape(-1, 1)[rows]
            else:
                want = np.asarray(result.checks[key], float).reshape(-1, 1)[rows]
            ok = (np.isnan(want) & np.isnan(x)) | np.isclose(x, want, rtol=rtol, atol=1e-9)
            both = np.isfinite(want) & np.isfinite(x)
            if both.any():
                gap = np.abs(x[both] - want[both]) / np.maximum(np.maximum(np.abs(x[both]), np.abs(want[both])), 1.0)
                worst = max(worst, float(gap.max()))
            counts[kind][0] += int(ok.sum())
            counts[kind][1] += ok.size
            if not ok.all():
                i, j = np.argwhere(~ok)[0]
                differ.append(f"{name}: {int((~ok).sum())} values, e.g. row {int(np.flatnonzero(rows)[i])} "
                              f"column {j}: engine {want[i, j]!r}, workbook {x[i, j]!r}")
        return Compared({k: tuple(v) for k, v in counts.items()}, differ, worst)
