"""Guards on the book's sources: the toc points at files that exist, and every
notebook in it is committed executed, top to bottom, without errors.

nbval (run by the same `pytest`) re-executes each notebook and compares its
outputs with the stored ones; a notebook stored without outputs would pass
nbval vacuously, which is why these checks exist.
"""

from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TOC = ROOT / "_toc.yml"
BOOK = ROOT / "book"
SUFFIXES = (".ipynb", ".md", ".rst")


def toc_files(node=None):
    """Every `root:` and `file:` entry of a jb-book toc, in order."""
    if node is None:
        node = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    found = []
    if isinstance(node, dict):
        for key in ("root", "file"):
            if key in node:
                found.append(node[key])
        for value in node.values():
            if isinstance(value, (dict, list)):
                found += toc_files(value)
    elif isinstance(node, list):
        for item in node:
            found += toc_files(item)
    return found


def resolve(entry):
    """The source file of a toc entry (entries are written without suffix)."""
    path = ROOT / entry
    if path.suffix in SUFFIXES:
        return path if path.exists() else None
    for suffix in SUFFIXES:
        if path.with_suffix(suffix).exists():
            return path.with_suffix(suffix)
    return None


ENTRIES = toc_files()
NOTEBOOKS = [p for p in map(resolve, ENTRIES) if p is not None and p.suffix == ".ipynb"]
NB_IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]


def test_toc_is_not_empty():
    assert ENTRIES, f"no `root:` or `file:` entry in {TOC}"


@pytest.mark.parametrize("entry", ENTRIES)
def test_toc_entry_exists(entry):
    assert resolve(entry) is not None, f"_toc.yml lists {entry!r}, but no {entry}{{{','.join(SUFFIXES)}}} exists"


def test_every_notebook_under_book_is_in_toc():
    # nbval collects every notebook under book/: keep that set equal to the toc's.
    listed = {p.resolve() for p in NOTEBOOKS}
    orphans = sorted(
        str(p.relative_to(ROOT))
        for p in BOOK.rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts and p.resolve() not in listed
    )
    assert not orphans, f"notebooks under book/ missing from _toc.yml: {orphans}"


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NB_IDS)
def test_notebook_starts_with_h1(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells, f"{path.name} is empty"
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.lstrip().startswith("# "), (
        f"{path.name}: the first cell must be a Markdown cell starting with an H1 ('# Title'), "
        f"got a {first.cell_type} cell: {first.source[:60]!r}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NB_IDS)
def test_notebook_is_committed_executed_in_order(path):
    nb = nbformat.read(path, as_version=4)
    counts = [c.execution_count for c in _code_cells(nb)]
    assert counts, f"{path.name} has no code cell"
    missing = [i for i, n in enumerate(counts) if n is None]
    assert not missing, (
        f"{path.name}: code cells {missing} (0-based among non-empty code cells) have no execution_count; "
        "run the whole notebook and save it with its outputs"
    )
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts} are not 1, 2, 3, ...; restart the kernel and run all cells"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NB_IDS)
def test_notebook_has_no_error_output(path):
    nb = nbformat.read(path, as_version=4)
    errors = [
        (i, out.get("ename"), out.get("evalue"))
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]
    assert not errors, f"{path.name}: error outputs (cell index, name, value): {errors}"
