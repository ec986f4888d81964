"""What the HTML reader needs beyond Jupyter Book's defaults.

- The role ``{eval}`name``` shows the value a code cell recorded with
  ``companion.prose.glue(name, value, spec)``. myst-nb's own ``{eval}`` runs
  the expression in a kernel during the build (``nb_execution_mode: inline``);
  here the build reads the recorded output, so ``make test`` executes each
  notebook once (in nbval) and the page shows the same number as JupyterLab.
- The thebe configuration script is added to every page twice by
  sphinx-thebe ("Identifier 'THEBE_JS_URL' has already been declared"):
  duplicate scripts are dropped.
- A number quoted on another page, ``{glue:text}`../page.ipynb::name:s```
  (the claims ledger), keeps the text it was recorded with: myst-nb would
  parse "0.80" back into a float and print "0.8".
- The bibliography is labelled by author and year, as the citations in the
  text are (``bibtex_default_style: authoryear``), instead of numbers.
- ``static/reader.css``: wide display equations scroll inside the column,
  beside their equation number, instead of being cut under it; long inline
  formulas and code lines wrap or scroll on a phone.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from myst_nb.core.variables import RetrievalError, format_plain_text
from myst_nb.ext.glue import crossref, roles
from myst_nb.ext.glue.utils import glue_warning, retrieve_glue_data
from myst_nb.ext.utils import RoleBase
from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle

STATIC = Path(__file__).parent / "static"


class EvalRecordedRole(RoleBase):
    """``{eval}`name```: the text/plain value recorded under ``name`` in this notebook."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        name = self.text.strip()
        if not name.isidentifier():
            message = f"{{eval}}`{name}`: expected the name of a value glued in this notebook"
            return [], [glue_warning(message, self.document, self.line)]
        try:
            data = retrieve_glue_data(self.document, name)
        except RetrievalError as exc:
            return [], [glue_warning(f"{{eval}}`{name}`: {exc}", self.document, self.line)]
        text = data.data.get("text/plain")
        if text is None:
            return [], [glue_warning(f"{{eval}}`{name}`: no text/plain value", self.document, self.line)]
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            text = text[1:-1]  # a plain str glued by hand: drop its quotes
        node = nodes.inline(text, text, classes=["pasted-text"])
        self.set_source_info(node)
        return [node], []


def recorded_text(text: str, fmt_spec: str) -> str:
    """myst-nb's format_plain_text, except that spec "s" keeps the recorded text."""
    if fmt_spec in ("", "s"):
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            return text[1:-1]
        return text
    return format_plain_text(text, fmt_spec)


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of identical script tags (same file, same inline body)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        # an inline script is registered with filename None or "": the same
        key = (getattr(script, "filename", script) or None, tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


class AuthorYearLabels(BaseLabelStyle):
    """Labels such as "Hochreiter and Schmidhuber 1997", "Pascanu et al. 2013"."""

    def format_labels(self, sorted_entries):
        labels = []
        for entry in sorted_entries:
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            names = [" ".join(p.last_names) for p in people]
            if len(names) > 2:
                who = names[0] + " et al."
            else:
                who = " and ".join(names) or entry.fields.get("title", entry.key)
            labels.append(f"{who} {entry.fields.get('year', 'n.d.')}")
        # the same author and year twice ("Cho et al. 2014"): 2014a, 2014b, in sorted order
        seen = {}
        for label in labels:
            if labels.count(label) > 1:
                seen[label] = seen.get(label, 0) + 1
                yield label + "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
            else:
                yield label


class AuthorYearStyle(PlainStyle):
    """pybtex's plain style, sorted by author, labelled by author and year."""

    default_label_style = "authoryear"


def add_static(app) -> None:
    app.config.html_static_path.append(str(STATIC))


def setup(app):
    register_plugin("pybtex.style.labels", "authoryear", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    app.setup_extension("myst_nb")
    app.add_role("eval", EvalRecordedRole(), override=True)
    crossref.format_plain_text = roles.format_plain_text = recorded_text
    app.connect("builder-inited", add_static)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    app.add_css_file("reader.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
