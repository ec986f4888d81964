"""Numbers in the prose: computed in a code cell, shown in the text.

A code cell records a number under a name::

    glue("rmse_gru", rmse, ".3f")

and the Markdown beside it shows it with the MyST role ``{eval}`rmse_gru```.
The same role works for both kinds of reader:

- in the HTML book, the book's Sphinx extension (``book/_ext/reader.py``)
  reads the value that ``glue`` recorded in the cell's output (the output
  nbval compares in ``make test``);
- in JupyterLab with ``jupyterlab-myst``, the role evaluates ``rmse_gru`` in
  the kernel (``glue`` also binds the name in the notebook's namespace), and
  before the kernel has run it shows the value stored in the Markdown cell's
  ``user_expressions`` metadata, which :func:`store_user_expressions` writes
  from the recorded outputs.

The code decides how a number reads: :func:`show` formats it once, with a
format spec, and writes powers of ten as ``3 × 10⁻⁵`` rather than ``3e-05``.
"""

from __future__ import annotations

import keyword
import re
import sys
from pathlib import Path

__all__ = ["Shown", "show", "glue", "recorded_values", "recorded", "eval_names", "store_user_expressions"]

GLUE_MIME = "application/papermill.record/text/plain"
EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


class Shown(str):
    """A number as the prose shows it; its repr is its text, so Jupyter shows no quotes."""

    def __repr__(self) -> str:
        return str.__str__(self)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str.__str__(self))


def show(value, spec: str = "") -> Shown:
    """Format ``value`` with ``spec`` (Python's format mini-language) for the prose.

    Specs of type ``e`` or ``E`` give ``m × 10ⁿ`` (``1 × 10³⁵``, ``-2.5 × 10⁻⁷``),
    and zero gives ``0``; every other spec is ``format(value, spec)``.
    """
    if not isinstance(spec, str):
        raise TypeError(f"spec must be a format spec string such as '.3f', got {type(spec).__name__}")
    if spec[-1:] in ("e", "E"):
        text = format(float(value), spec)
        mantissa, exponent = text.lower().split("e")
        if float(mantissa) == 0.0:
            return Shown("0")
        power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
        return Shown(f"{mantissa} × {power}")
    return Shown(format(value, spec))


def glue(name: str, value, spec: str = "") -> Shown:
    """Record ``show(value, spec)`` under ``name`` for the role ``{eval}`name```.

    ``name`` must be a Python identifier: in JupyterLab the role evaluates it.
    It is bound in the notebook's namespace, and may not replace a variable
    the notebook defined itself.
    """
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"name must be a Python identifier (letters, digits, _), got {name!r}")
    text = show(value, spec)
    namespace = _notebook_namespace()
    if namespace is not None:
        old = namespace.get(name)
        if old is not None and not isinstance(old, Shown):
            raise ValueError(
                f"name {name!r} is already a variable of the notebook ({type(old).__name__}); "
                "glue the number under another name"
            )
        namespace[name] = text
    from myst_nb import glue as myst_glue

    myst_glue(name, text, display=False)
    return text


def _notebook_namespace() -> dict | None:
    """The interactive namespace of the running IPython kernel, if any."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return None if shell is None else shell.user_ns


def recorded_values(notebook: dict) -> dict[str, str]:
    """Every value ``glue`` recorded in the notebook's outputs, as the text shown."""
    values = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            data = output.get("data", {})
            if GLUE_MIME in data:
                name = output["metadata"]["scrapbook"]["name"]
                values[name] = data[GLUE_MIME]
    return values


def recorded(path, name: str) -> Shown:
    """The value another notebook recorded under ``name``, read from its saved outputs.

    For a number that one page computes and another quotes: the quoting page
    glues it again under the same name.
    """
    import nbformat

    values = recorded_values(nbformat.read(Path(path), as_version=4))
    if name not in values:
        raise KeyError(f"{path} records no value named {name!r}; it records {sorted(values)[:8]}...")
    return Shown(values[name])


def eval_names(markdown: str) -> list[str]:
    """The expressions of the ``{eval}`...``` roles in a Markdown source, in order."""
    return EVAL_ROLE.findall(markdown)


def store_user_expressions(notebook: dict) -> int:
    """Write each Markdown cell's ``user_expressions`` from the recorded values.

    Uses the layout that jupyterlab-myst reads (the Jupyter messaging
    protocol's ``user_expressions`` reply). Returns the number of cells
    changed; raises ``KeyError`` for a role whose name was never glued.
    """
    values = recorded_values(notebook)
    changed = 0
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        names = list(dict.fromkeys(eval_names(source)))
        missing = [n for n in names if n not in values]
        if missing:
            raise KeyError(f"{{eval}} role(s) {missing} name no glued value")
        stored = [
            {"expression": n, "result": {"status": "ok", "data": {"text/plain": values[n]}, "metadata": {}}}
            for n in names
        ]
        if stored != cell["metadata"].get("user_expressions", []):
            if stored:
                cell["metadata"]["user_expressions"] = stored
            else:
                cell["metadata"].pop("user_expressions")
            changed += 1
    return changed


def _main(paths: list[str]) -> None:
    """``python -m companion.prose NOTEBOOK...``: refresh the stored values."""
    import nbformat

    for path in map(Path, paths):
        notebook = nbformat.read(path, as_version=4)
        changed = store_user_expressions(notebook)
        if changed:
            nbformat.write(notebook, path)
        print(f"{path}: {changed} Markdown cell(s) updated")


if __name__ == "__main__":
    _main(sys.argv[1:])
