"""Exercises: at least three per page, graded by level in chapters 1-5.

The preface promises that every exercise title of chapters 1 to 5 starts
with its level (★ understanding, ★★ experiment or derivation, ★★★ build),
and that every one of these chapters has at least one ★★★ "Build:"
exercise whose solution contains code that runs with the notebook.
"""

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = re.compile(r"^```\{exercise\}[ \t]*(.*)\n:label:[ \t]*(\S+)", re.M)
LEVEL = re.compile(r"^(★{1,3})(?!★) ")


def toc_parts():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    for part in toc["parts"]:
        m = re.match(r"(\d+)\.", part["caption"])
        files = [ch["file"] for ch in part["chapters"]]
        yield (int(m.group(1)) if m else None), files


def notebook_cells(file):
    path = ROOT / f"{file}.ipynb"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def exercises(cells):
    """(title, label, solution has a code cell) for every exercise of a page."""
    found = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        for title, label in EXERCISE.findall("".join(cell["source"])):
            found.append((title.strip(), label, solution_has_code(cells, i, label)))
    return found


def solution_has_code(cells, start, label):
    """True if a solution-start for label is followed by a code cell before its solution-end."""
    opened = False
    for cell in cells[start:]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            if re.search(r"```\{solution-start\}[ \t]*" + re.escape(label) + r"\s", text):
                opened = True
                if "```{solution-end}" in text.split(label, 1)[1]:
                    return False
            elif opened and "```{solution-end}" in text:
                return False
        elif opened:
            return True
    return False


PAGES = [(n, f) for n, files in toc_parts() for f in files if notebook_cells(f) is not None]
GRADED = {n: [f for m, f in PAGES if m == n] for n in range(1, 6)}


@pytest.mark.parametrize("file", [f for _, f in PAGES if "appendix" not in f])
def test_page_has_at_least_three_exercises(file):
    found = exercises(notebook_cells(file))
    assert len(found) >= 3, f"{file}: {len(found)} exercises, expected at least 3"


@pytest.mark.parametrize("file", [f for n in GRADED for f in GRADED[n]])
def test_exercise_titles_start_with_their_level(file):
    bad = [label for title, label, _ in exercises(notebook_cells(file)) if not LEVEL.match(title)]
    assert not bad, f"{file}: exercises without a level (★, ★★ or ★★★ then a space) in their title: {bad}"
    ticks = [label for title, label, _ in exercises(notebook_cells(file)) if "`" in title]
    assert not ticks, f"{file}: backticks in an exercise title break sphinx-exercise's solutions: {ticks}"
    build = [label for title, label, _ in exercises(notebook_cells(file))
             if title.startswith("★★★") and not title[4:].startswith("Build:")]
    assert not build, f"{file}: ★★★ exercises whose title does not continue with 'Build:': {build}"


@pytest.mark.parametrize("chapter", sorted(GRADED))
def test_every_chapter_has_a_build_exercise_with_running_code(chapter):
    assert GRADED[chapter], f"chapter {chapter} has no notebook in _toc.yml"
    builds = [(f, label, has_code) for f in GRADED[chapter]
              for title, label, has_code in exercises(notebook_cells(f)) if title.startswith("★★★")]
    assert builds, f"chapter {chapter}: no ★★★ Build exercise"
    assert any(has_code for *_, has_code in builds), (
        f"chapter {chapter}: no ★★★ exercise has a code cell in its solution: {builds}")


def test_the_parser_finds_levels_and_code():
    md = {"cell_type": "markdown", "source": ["```{exercise} ★★★ Build: a cell\n:label: ex-a\nText.\n```\n\n"
                                              "```{solution-start} ex-a\n:class: dropdown\n```\nWords."]}
    code = {"cell_type": "code", "source": ["x = 1"]}
    end = {"cell_type": "markdown", "source": ["```{solution-end}\n```"]}
    assert exercises([md, code, end]) == [("★★★ Build: a cell", "ex-a", True)]
    assert exercises([md, end, code]) == [("★★★ Build: a cell", "ex-a", False)]
    assert not LEVEL.match("★★★★ too many") and not LEVEL.match("Build: none")
