"""The book builds with warnings as errors, and its math renders offline.

Notebooks are not executed here: nbval executes them in the same `make test`,
and the build uses the outputs committed with them. Execution is switched off
through a derived copy of _config.yml passed with --config; the source folder
stays the repository root, so relative paths (references.bib, _toc.yml) still
resolve. Deselect with `pytest -m "not book"`.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
CDN = re.compile(r"""(?:src|href)=["'](?:https?:)?//[^"']*(?:mathjax|jsdelivr|cdnjs|unpkg|googleapis|polyfill)""", re.I)


@pytest.mark.book
def test_book_builds_without_warnings(built_book):
    proc, html = built_book
    log = ANSI.sub("", proc.stdout + proc.stderr)
    problems = [line for line in log.splitlines() if re.search(r"\b(WARNING|ERROR|CRITICAL|SEVERE)\b", line)]
    if proc.returncode != 0 or problems:
        pytest.fail(
            f"jupyter-book build -W -n --keep-going exited with {proc.returncode}; "
            f"{len(problems)} warning(s) or error(s):\n" + "\n".join(problems or log.splitlines()[-40:]),
            pytrace=False,
        )
    assert (html / "index.html").exists()


@pytest.mark.book
def test_math_is_served_locally(built_book):
    proc, html = built_book
    if proc.returncode != 0:
        pytest.skip("the build failed; see test_book_builds_without_warnings")
    assert (html / "_static" / "mathjax" / "tex-chtml.js").exists(), "MathJax is not shipped in _static/mathjax"
    pages = sorted(html.rglob("*.html"))
    assert pages
    remote = {str(p.relative_to(html)): CDN.findall(p.read_text(encoding="utf-8")) for p in pages}
    remote = {k: v for k, v in remote.items() if v}
    assert not remote, f"pages load scripts or styles from a CDN: {remote}"
    notation = (html / "book" / "notation.html").read_text(encoding="utf-8")
    assert re.search(r"""<script[^>]+src="[./]*_static/mathjax/tex-chtml\.js""", notation), (
        "notation.html does not load the local MathJax"
    )
