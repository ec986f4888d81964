"""Measure how far every hidden assert of the book is from failing, under several conditions.

Not a test: a tool for the author of a notebook (``make audit``). It executes
every notebook in the toc with each ``assert`` replaced by a call that records
the values on both sides of each comparison and never raises, so one run shows
every assert, including those after a failing one. Conditions:

- ``idle``: as ``make test`` runs them;
- ``busy``: while another process keeps one core busy;
- ``threads1``: ``OMP_NUM_THREADS=1`` and ``torch.set_num_threads(1)``;
- ``seed1000``, ``seed2000``: every integer seed given to NumPy, torch,
  Python's ``random`` or ``companion`` shifted by 1000 or 2000 (any
  ``seedK`` works, for a closer look at one notebook), except the seed of
  a split of real data (``load_digit_sequences``), which is part of the data.

Usage::

    python tests/book/audit_asserts.py run CONDITION [NOTEBOOK ...]   # writes _build/audit/CONDITION.jsonl
    python tests/book/audit_asserts.py report [N]                      # the N tightest asserts over all conditions

The gap of ``a < b`` is ``b - a`` (negative: the assert failed). The report
ranks comparisons by their gap divided by how much the gap moved across the
conditions: below 1, the conditions alone moved the value by more than its
distance to the bound. Equalities and asserts without a comparison
(``assert same``) are listed only when they fail.
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "_build" / "audit"
sys.path.insert(0, str(HERE))

from test_notebooks import NOTEBOOKS  # noqa: E402
from timing_scan import strip_magics  # noqa: E402

CONDITIONS = ("idle", "busy", "threads1", "seed1000", "seed2000")
OPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}

PRELUDE = r'''
import json as _json, numbers as _numbers
_AUDIT_FILE, _AUDIT_NB = {out!r}, {nb!r}

def __audit__(cell, line, text, test, comparisons):
    try:
        ok = bool(test())
    except Exception as e:  # the original assert would have raised too
        ok = "error: " + repr(e)
    pairs = []
    for pair in comparisons:
        try:
            left, op, right = pair()
            pairs.append([float(left), op, float(right)])
        except Exception:
            pass  # not two numbers (arrays, strings, short-circuited parts)
    with open(_AUDIT_FILE, "a") as f:
        f.write(_json.dumps(dict(nb=_AUDIT_NB, cell=cell, line=line, text=text, ok=ok, pairs=pairs)) + "\n")

_OFFSET = {offset}
if _OFFSET:
    import random as _random
    import numpy as _np
    import torch as _torch

    def _shift(seed):
        return seed + _OFFSET if isinstance(seed, _numbers.Integral) and not isinstance(seed, bool) else seed

    _rng, _np_seed, _torch_seed, _py_seed = _np.random.default_rng, _np.random.seed, _torch.manual_seed, _random.seed
    _np.random.default_rng = lambda seed=None: _rng(_shift(seed))
    # A split of real data is part of the data, not of the training's
    # randomness: claims "on the chapter's split" keep their split.
    import companion.data as _data
    _load_digits = _data.load_digit_sequences

    def _same_split(rng, **kw):
        return _load_digits(_rng(rng) if isinstance(rng, _numbers.Integral) else rng, **kw)

    _data.load_digit_sequences = _same_split
    _np.random.seed = lambda seed=None: _np_seed(_shift(seed))
    _torch.manual_seed = lambda seed: _torch_seed(_shift(seed))
    _random.seed = lambda a=None, version=2: _py_seed(_shift(a), version)
if {one_thread}:
    import torch as _torch
    _torch.set_num_threads(1)
    _torch.set_num_threads = lambda n: None  # the notebook's own setting is overridden
'''


def comparisons(test: ast.expr, text: str) -> list[str]:
    """Source of lambdas returning (left, op, right) for each comparison in an and-chain."""
    parts = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
    found = []
    for part in parts:
        if not isinstance(part, ast.Compare):
            continue
        operands = [part.left, *part.comparators]
        for op, a, b in zip(part.ops, operands, operands[1:]):
            if type(op) in OPS:
                sa, sb = ast.get_source_segment(text, a), ast.get_source_segment(text, b)
                found.append(f"lambda: (({sa}), {OPS[type(op)]!r}, ({sb}))")
    return found


def instrument(source: str, cell: int) -> str:
    """The cell's source with every assert replaced by a call to ``__audit__`` (same line count)."""
    text = strip_magics(source)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return source
    lines = source.splitlines()
    for node in sorted((n for n in ast.walk(tree) if isinstance(n, ast.Assert)), key=lambda n: -n.lineno):
        test = ast.get_source_segment(text, node.test)
        indent = lines[node.lineno - 1][: node.col_offset]
        one_line = " ".join(ast.get_source_segment(text, node).split())
        call = (f"{indent}__audit__({cell}, {node.lineno}, {one_line!r}, lambda: ({test}), "
                f"[{', '.join(comparisons(node.test, text))}])")
        span = node.end_lineno - node.lineno + 1
        new = call.splitlines()
        lines[node.lineno - 1: node.end_lineno] = new + [indent + "pass"] * (span - len(new))
    return "\n".join(lines)


def run(condition: str, notebooks: list[Path]) -> None:
    import nbclient
    import nbformat

    if condition not in CONDITIONS and not re.fullmatch(r"seed\d+", condition):
        raise SystemExit(f"condition must be one of {CONDITIONS} or seedK, got {condition!r}")
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / f"{condition}.jsonl"
    if not sys.argv[3:]:
        out.unlink(missing_ok=True)
    env = dict(os.environ)
    if condition == "threads1":
        env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if condition == "busy" else None
    offset = int(condition[4:]) if condition.startswith("seed") else 0
    try:
        for path in notebooks:
            nb = nbformat.read(path, as_version=4)
            code = [c for c in nb.cells if c.cell_type == "code"]
            for i, c in enumerate(code):
                c.source = instrument(c.source, i)
            rel = str(path.relative_to(ROOT))
            prelude = PRELUDE.format(out=str(out), nb=rel, offset=offset, one_thread=condition == "threads1")
            nb.cells.insert(0, nbformat.v4.new_code_cell(prelude))
            start = time.perf_counter()
            client = nbclient.NotebookClient(nb, timeout=1200, kernel_name="python3", allow_errors=True,
                                             resources={"metadata": {"path": str(path.parent)}})
            old = dict(os.environ)
            os.environ.update(env)
            try:
                client.execute()
            finally:
                os.environ.clear()
                os.environ.update(old)
            errors = [o.get("ename") for c in nb.cells if c.cell_type == "code"
                      for o in c.get("outputs", []) if o.get("output_type") == "error"]
            print(f"{condition:9s} {rel:48s} {time.perf_counter() - start:6.1f} s"
                  + (f"  cell errors: {errors}" if errors else ""), flush=True)
    finally:
        if busy:
            busy.kill()


def gap(left: float, op: str, right: float, log: bool) -> float | None:
    """How far ``left op right`` is from failing (negative: it failed).

    In decades (log10) when ``log``, for quantities that vary by factors
    (gradient norms, errors), else in the units of the two sides.
    """
    if op in ("==", "!=") or not (math.isfinite(left) and math.isfinite(right)):
        return None
    if log:
        left, right = math.log10(left), math.log10(right)
    return right - left if op in ("<", "<=") else left - right


def report(n: int = 10) -> None:
    """Print failures, then the n comparisons closest to failing relative to their spread over conditions.

    For each comparison: the gap in the worst condition, the spread of the gap
    over the conditions (its noise), and their ratio. A ratio below 1 means
    that the conditions alone moved the value by more than its distance to
    the bound. Comparisons whose gap does not change across conditions are
    exact (bounds that hold by construction, deterministic counts) and are
    listed apart, by relative gap.
    """
    rows = {}  # (nb, cell, line, pair index, text) -> {condition: (left, op, right, gap)}
    failed = []
    present = [c for c in CONDITIONS if (OUT / f"{c}.jsonl").exists()]
    present += sorted(p.stem for p in OUT.glob("seed*.jsonl") if p.stem not in CONDITIONS)
    for condition in present:
        for line in (OUT / f"{condition}.jsonl").read_text().splitlines():
            r = json.loads(line)
            if r["ok"] is not True:
                failed.append((condition, r["nb"], r["cell"], r["line"], r["text"], r["ok"]))
            for k, pair in enumerate(r["pairs"]):
                rows.setdefault((r["nb"], r["cell"], r["line"], k, r["text"]), {})[condition] = pair
    # a comparison is measured in decades when both sides are positive in
    # every condition and span more than a factor of 10 across them
    for key, per in rows.items():
        values = [v for left, _, right in per.values() for v in (left, right)]
        positive = all(v > 0 and math.isfinite(v) for v in values)
        log = positive and max(values) / min(values) > 10
        per.update({c: (left, op, right, gap(left, op, right, log)) for c, (left, op, right) in per.items()})
    rows = {k: {c: v for c, v in per.items() if v[3] is not None} for k, per in rows.items()}
    rows = {k: per for k, per in rows.items() if per}
    print(f"{len(rows)} comparisons recorded; conditions: {', '.join(present)}")
    print(f"\nFailed or raised ({len(set(failed))}):")
    for f in sorted(set(failed)):
        print("  ", *f)

    def summary(per):
        worst = min(per, key=lambda c: per[c][3])
        gaps = [v[3] for v in per.values()]
        spread = max(gaps) - min(gaps)
        left, op, right, g = per[worst]
        relative = g / max(abs(left), abs(right)) if max(abs(left), abs(right)) > 0 else 1.0
        return worst, left, op, right, g, spread, relative

    def moves(v):
        return len(v) > 1 and summary(v)[5] > 1e-12 * (1 + abs(summary(v)[4]))

    noisy = [(k, summary(v)) for k, v in rows.items() if moves(v)]
    exact = [(k, summary(v)) for k, v in rows.items() if (k, summary(v)) not in noisy]
    noisy.sort(key=lambda kv: kv[1][4] / kv[1][5])
    exact.sort(key=lambda kv: kv[1][6])
    header = ("| notebook | assert | value (worst condition) | bound | gap | spread over conditions | gap / spread |\n"
              "|---|---|---|---|---|---|---|")
    print(f"\nThe {n} tightest comparisons that move with the conditions (smallest gap / spread):")
    print(header)
    for (nb, cell, line, k, text), (worst, left, op, right, g, spread, rel) in noisy[:n]:
        print(f"| {nb.replace('book/', '')} | `{text}` | {left:.4g} ({worst}) | {op} {right:.4g} | "
              f"{g:.3g} | {spread:.3g} | {g / spread:.2f} |")
    print(f"\nThe {n} tightest comparisons that do not move (smallest relative gap):")
    print("| notebook | assert | value | bound | relative gap |\n|---|---|---|---|---|")
    for (nb, cell, line, k, text), (worst, left, op, right, g, spread, rel) in exact[:n]:
        print(f"| {nb.replace('book/', '')} | `{text}` | {left:.4g} | {op} {right:.4g} | {rel:.2g} |")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "run":
        chosen = [ROOT / p for p in sys.argv[3:]] or NOTEBOOKS
        run(sys.argv[2], chosen)
    elif len(sys.argv) >= 2 and sys.argv[1] == "report":
        report(int(sys.argv[2]) if len(sys.argv) > 2 else 10)
    else:
        raise SystemExit(__doc__)
