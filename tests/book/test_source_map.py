"""The source map lists every heading of the five source articles, in their own words.

The articles live in ../shared/seeds beside the repository (as on CI); without them the test is skipped.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"
HEADING = re.compile(r"^#{3}\s*(\d+\.\d+\.?\s*.*)$")


def article_headings():
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            m = HEADING.match(line.strip())
            if m:
                yield path.name[:3], m.group(1).strip()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source articles (../shared/seeds) are not beside the repository")
def test_every_article_heading_is_in_the_source_map():
    page = (ROOT / "book" / "appendix" / "source_map.md").read_text(encoding="utf-8")
    headings = list(article_headings())
    assert len(headings) >= 50, "the articles' ### headings were not found"
    missing = [f"{art}: {h}" for art, h in headings if f"| {h} |" not in page]
    assert not missing, "headings missing from book/appendix/source_map.md:\n" + "\n".join(missing)


def test_source_map_links_only_pages_in_the_toc():
    page = (ROOT / "book" / "appendix" / "source_map.md").read_text(encoding="utf-8")
    toc = set(re.findall(r"file:\s*book/(\S+)", (ROOT / "_toc.yml").read_text(encoding="utf-8")))
    linked = set(re.findall(r"\{doc\}`\.\./([^`]+)`", page))
    assert linked, "the source map links no page"
    assert linked <= toc, f"linked but not in _toc.yml: {sorted(linked - toc)}"
