"""Every code example of the articles runs in the book as written.

Chapter 5 promises that each article's Python block appears in a notebook
cell unchanged, except that ``import tensorflow as tf`` is replaced (Keras 3
is imported separately). This test finds every fenced Python block of the
articles in ../shared/seeds (beside the repository, as on CI; skipped
without them) and checks that its lines, after the import line, appear in
order and unchanged, as consecutive lines of one code cell of a chapter 5
notebook. Lines are compared without trailing spaces.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"
PRACTICE = ROOT / "book" / "practice"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def article_blocks():
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for k, block in enumerate(BLOCK.findall(text)):
            lines = [line.rstrip() for line in block.splitlines()]
            if lines and lines[0] == "import tensorflow as tf":
                lines = lines[1:]
            while lines and not lines[0]:
                lines = lines[1:]
            while lines and not lines[-1]:
                lines = lines[:-1]
            yield f"{path.name[:3]}-{k}", lines


def code_cells():
    for path in sorted(PRACTICE.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                source = "".join(cell["source"])
                yield [line.rstrip() for line in source.splitlines()]


def contains(cell, block):
    n = len(block)
    return any(cell[i:i + n] == block for i in range(len(cell) - n + 1))


BLOCKS = dict(article_blocks()) if SEEDS.is_dir() else {}


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source articles (../shared/seeds) are not beside the repository")
def test_articles_have_code_blocks():
    assert len(BLOCKS) >= 6, sorted(BLOCKS)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source articles (../shared/seeds) are not beside the repository")
@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_article_block_runs_unchanged_in_a_notebook(name):
    block = BLOCKS[name]
    assert block, f"article block {name} is empty"
    cells = list(code_cells())
    assert any(contains(cell, block) for cell in cells), (
        f"article block {name} is not in any book/practice notebook "
        "unchanged:\n" + "\n".join(block))
