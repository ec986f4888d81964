"""No notebook asserts on a wall-clock measurement (tests/book/timing_scan.py).

The first tests show that the scan sees timings through the ways notebooks
pass them around, and does not mistake other values for timings; the last one
scans every notebook in the toc.
"""

import nbformat
import pytest
from test_notebooks import NB_IDS, NOTEBOOKS
from timing_scan import timing_asserts

CAUGHT = {
    "direct": ["import time\nt0 = time.perf_counter()\nsec = time.perf_counter() - t0\nassert sec < 1"],
    "ratio across cells": [
        "import time\nstart = time.time()\nrun()\nfast = time.time() - start",
        "slow = 2.0\nratio = slow / fast",
        "assert ratio > 1.5",
    ],
    "function returning a timing": [
        "import time\ndef best_time(fn):\n    times = []\n    for _ in range(3):\n"
        "        t = time.perf_counter()\n        fn()\n        times.append(time.perf_counter() - t)\n"
        "    return min(times)",
        "ms = {k: 1e3 * best_time(f) for k, f in fns.items()}",
        "assert ms['lstm'] > ms['rnn']",
    ],
    "stored in a container": [
        "from time import perf_counter\nbest = {}\nfor name in names:\n    s = perf_counter()\n"
        "    best[name] = min(best.get(name, 1e9), perf_counter() - s)",
        "assert best['a'] < 2 * best['b']",
    ],
    "timeit module": ["import timeit\nassert timeit.timeit('1 + 1', number=10) < 1"],
    "augmented assignment": ["import time\ntotal = 0.0\nfor f in fs:\n    s = time.monotonic()\n"
                             "    f()\n    total += time.monotonic() - s\nassert total < 5"],
    "zip keeps the timing column": [
        "import time\nsecs = [time.perf_counter() for _ in range(3)]\naccs = [0.9, 0.8, 0.7]",
        "for a, s in zip(accs, secs):\n    assert s < 1",
    ],
}

NOT_TIMINGS = {
    "accuracy beside a timing": [
        "import time\nstart = time.perf_counter()\nacc = train()\nsec = time.perf_counter() - start",
        "assert acc > 0.9",
    ],
    "reassigned": ["import time\nx = time.time()\nx = 3\nassert x == 3"],
    "zip separates columns": [
        "import time\nsecs = [time.perf_counter() for _ in range(3)]\naccs = [0.9, 0.8, 0.7]",
        "for a, s in zip(accs, secs):\n    assert a > 0.5",
    ],
    "comprehension variable shadows a timing": [
        "import time\na = time.perf_counter()",
        "means = {k: a.mean() for k, a in results.items()}\nassert means['x'] > 0",
    ],
    "function without a clock": ["def f(x):\n    return 2 * x\nassert f(1) == 2"],
    "magics are skipped": ["%matplotlib inline\nassert 1 + 1 == 2"],
}


@pytest.mark.parametrize("name", CAUGHT)
def test_scan_finds_asserts_on_timings(name):
    found = timing_asserts(CAUGHT[name])
    assert len(found) == 1, found
    assert found[0].cell == len(CAUGHT[name]) - 1


@pytest.mark.parametrize("name", NOT_TIMINGS)
def test_scan_ignores_asserts_on_other_values(name):
    assert timing_asserts(NOT_TIMINGS[name]) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NB_IDS)
def test_no_notebook_asserts_on_a_timing(path):
    nb = nbformat.read(path, as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    found = timing_asserts(cells)
    assert not found, (
        f"{path.name} asserts on wall-clock time (code cell, line, statement, timings read): "
        + "; ".join(f"{f.cell}:{f.line} {f.source} reads {f.reads}" for f in found)
        + ". Show timings, glue them, and say 'in this run'; assert only what holds on any machine."
    )
