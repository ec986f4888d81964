"""companion.prose: numbers formatted once, recorded, and stored for JupyterLab."""

import nbformat
import pytest
from IPython.core.formatters import PlainTextFormatter

from companion.prose import Shown, eval_names, recorded, recorded_values, show, store_user_expressions


@pytest.mark.parametrize(
    "value, spec, text",
    [
        (0.12345, ".3f", "0.123"),
        (3.2e-7, ".0e", "3 × 10⁻⁷"),
        (-2.5e-7, ".1e", "-2.5 × 10⁻⁷"),
        (1e35, ".0e", "1 × 10³⁵"),
        (0.0, ".0e", "0"),
        (8123.0, ".0e", "8 × 10³"),
        (0.25, ".0%", "25%"),
        (12345, ",", "12,345"),
        (0.0123, "+.3f", "+0.012"),
        ("GRU", "", "GRU"),
    ],
)
def test_show_formats_once(value, spec, text):
    assert show(value, spec) == text


def test_shown_has_no_quotes_in_jupyter():
    assert repr(Shown("0.12")) == "0.12"
    assert PlainTextFormatter()(Shown("0.12")) == "0.12"  # what glue records as text/plain


def test_show_rejects_a_spec_that_is_not_a_string():
    with pytest.raises(TypeError, match="spec"):
        show(1.0, 3)


def test_glue_rejects_names_the_role_cannot_evaluate():
    from companion.prose import glue

    for name in ("rmse-gru", "1st", "class", ""):
        with pytest.raises(ValueError, match="name must be a Python identifier"):
            glue(name, 1.0)


def test_glue_refuses_to_replace_a_variable(monkeypatch):
    import companion.prose as prose

    namespace = {"rmse": 0.5}
    monkeypatch.setattr(prose, "_notebook_namespace", lambda: namespace)
    with pytest.raises(ValueError, match="already a variable"):
        prose.glue("rmse", 0.25, ".2f")
    assert prose.glue("rmse_text", 0.25, ".2f") == "0.25"
    assert namespace["rmse_text"] == "0.25"
    assert prose.glue("rmse_text", 0.5, ".2f") == "0.50"  # a glued name may be glued again


def notebook_with(values, markdown):
    nb = nbformat.v4.new_notebook()
    outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"application/papermill.record/text/plain": text},
            metadata={"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}},
        )
        for name, text in values.items()
    ]
    code = nbformat.v4.new_code_cell("glue(...)", outputs=outputs)
    nb.cells = [code] + [nbformat.v4.new_markdown_cell(m) for m in markdown]
    return nb


def test_store_user_expressions_writes_what_jupyterlab_myst_reads():
    nb = notebook_with({"a": "0.12", "b": "3 × 10⁻⁷"}, ["{eval}`a` and {eval}`b`, again {eval}`a`", "no roles"])
    assert store_user_expressions(nb) == 1
    stored = nb.cells[1].metadata["user_expressions"]
    assert stored == [
        {"expression": "a", "result": {"status": "ok", "data": {"text/plain": "0.12"}, "metadata": {}}},
        {"expression": "b", "result": {"status": "ok", "data": {"text/plain": "3 × 10⁻⁷"}, "metadata": {}}},
    ]
    assert "user_expressions" not in nb.cells[2].metadata
    assert store_user_expressions(nb) == 0  # idempotent
    nb.cells[0].outputs[0].data["application/papermill.record/text/plain"] = "0.13"
    assert store_user_expressions(nb) == 1  # a new value refreshes the copy


def test_store_user_expressions_names_a_missing_value():
    nb = notebook_with({"a": "1"}, ["{eval}`a` {eval}`nope`"])
    with pytest.raises(KeyError, match="nope"):
        store_user_expressions(nb)


def test_recorded_reads_another_notebook(tmp_path):
    path = tmp_path / "other.ipynb"
    nbformat.write(notebook_with({"acc": "0.97"}, []), path)
    assert recorded(path, "acc") == "0.97" and isinstance(recorded(path, "acc"), Shown)
    assert recorded_values(nbformat.read(path, as_version=4)) == {"acc": "0.97"}
    with pytest.raises(KeyError, match="records no value named 'loss'"):
        recorded(path, "loss")


def test_eval_names_in_order():
    assert eval_names("x {eval}`a` y {eval}`b_2` {glue:text}`c`") == ["a", "b_2"]
