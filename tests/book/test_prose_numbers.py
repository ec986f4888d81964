"""Numbers in the prose: every `{eval}` role names a value its notebook recorded.

A code cell records a number with `companion.prose.glue(name, value, spec)`;
the Markdown shows it with `{eval}`name``. The HTML build reads the recorded
output (which nbval compares), and JupyterLab shows the copy stored in the
Markdown cell's `user_expressions` until the cell is run. These checks keep
the three in step (see README, "Numbers in the prose").
"""

import ast
import copy
import re

import nbformat
import pytest
from test_notebooks import NB_IDS, NOTEBOOKS

from companion.prose import eval_names, recorded_values, store_user_expressions

GLUE_ROLE = re.compile(r"\{glue(?::\w+)?\}`([^`]*)`")


def markdown(nb):
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def assigned_names(nb):
    """Names a notebook's code binds: assignments, loop targets, imports, defs."""
    names = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=NB_IDS)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_prose_uses_eval_not_glue(notebook):
    path, nb = notebook
    left = [m for text in markdown(nb) for m in GLUE_ROLE.findall(text)]
    assert not left, f"{path.name}: JupyterLab cannot show {{glue}} roles; use {{eval}}`name`: {left[:5]}"


def test_every_eval_names_a_recorded_value(notebook):
    path, nb = notebook
    recorded = recorded_values(nb)
    missing = sorted({n for text in markdown(nb) for n in eval_names(text)} - set(recorded))
    assert not missing, f"{path.name}: {{eval}} names with no glued value: {missing}"


def test_each_name_is_recorded_once(notebook):
    path, nb = notebook
    names = [o.metadata["scrapbook"]["name"] for c in nb.cells if c.cell_type == "code"
             for o in c.get("outputs", []) if "scrapbook" in o.get("metadata", {})]
    twice = sorted({n for n in names if names.count(n) > 1})
    assert not twice, f"{path.name}: names glued more than once (which value does the prose show?): {twice}"


def test_stored_values_match_recorded_ones(notebook):
    path, nb = notebook
    stale = copy.deepcopy(nb)
    changed = store_user_expressions(stale)
    assert changed == 0, (
        f"{path.name}: {changed} Markdown cell(s) store numbers that differ from the recorded ones; "
        f"run `python -m companion.prose {path.relative_to(path.parents[2])}`"
    )


def test_recorded_names_are_not_variables(notebook):
    path, nb = notebook
    clash = sorted(set(recorded_values(nb)) & assigned_names(nb))
    assert not clash, f"{path.name}: glued names that are also variables of the notebook: {clash}"
