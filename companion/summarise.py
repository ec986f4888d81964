"""Summarisation at word level: tokens, a word vocabulary, baselines, ROUGE and bootstrap intervals.

Works with the encoder-decoder of :mod:`companion.seq2seq`: :class:`WordVocab`
has the interface of :class:`companion.seq2seq.Vocab` (``encode``, ``decode``,
``len``, ids 0-3 for ``<pad>``, ``<bos>``, ``<eos>``, ``<unk>``), so
:class:`~companion.seq2seq.Seq2Seq`, :func:`~companion.seq2seq.fit_seq2seq` and
:func:`~companion.seq2seq.translate` run on words unchanged.

- :func:`tokenize` -- lower-case words and punctuation marks;
- :class:`WordVocab` -- words to ids and back, rare words to ``<unk>``;
- :func:`lead`, :func:`retrieve_targets` -- the lead-k baseline and the
  nearest-neighbour (retrieval) baseline;
- :func:`rouge_f1` -- ROUGE-1, ROUGE-2 and ROUGE-L F1 per pair (``rouge-score``);
- :func:`bootstrap_ci` -- mean and percentile bootstrap interval over test pairs;
- :func:`group_split` -- a seeded split that keeps each group on one side.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from ._validate import as_rng, check_positive_int
from .seq2seq import BOS, EOS, SPECIALS, UNK, ids_to_tokens, pad_rows

__all__ = [
    "tokenize",
    "WordVocab",
    "lead",
    "retrieve_targets",
    "ROUGE_TYPES",
    "rouge_f1",
    "bootstrap_ci",
    "group_split",
]

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[^\w\s]|_", re.UNICODE)


def tokenize(text):
    """Lower-case words (letters and digits, with inner apostrophes) and single punctuation marks.

    >>> tokenize("Fair's Affairs: 601 obs.")
    ["fair's", 'affairs', ':', '601', 'obs', '.']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _TOKEN.findall(text.lower())


class WordVocab:
    """Words to ids and back; ids 0-3 are ``<pad>``, ``<bos>``, ``<eos>``, ``<unk>``.

    A word enters the vocabulary if it occurs at least ``min_count`` times in
    ``texts``; other words become ``<unk>``. Words are ordered by falling count,
    ties alphabetically, so the vocabulary does not depend on the order of ``texts``.
    """

    def __init__(self, texts, *, min_count=1):
        min_count = check_positive_int("min_count", min_count)
        counts = Counter(w for text in texts for w in tokenize(text))
        words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        self.itos = list(SPECIALS) + words
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    def __len__(self):
        return len(self.itos)

    def encode(self, texts, *, bos=False, eos=False):
        """Padded ids ``(N, T_max)`` (int64, 0 = padding) and lengths ``(N,)``; every text needs a token."""
        rows = [[BOS] * bos + [self.stoi.get(w, UNK) for w in tokenize(text)] + [EOS] * eos for text in texts]
        if not rows or min(len(r) for r in rows) == 0:
            raise ValueError("texts must be a non-empty list of texts with at least one token each")
        return pad_rows(rows)

    def decode(self, ids):
        """The words of one sequence of ids joined by spaces, stopping at the first ``<eos>``."""
        return " ".join(ids_to_tokens(ids, self.itos))

    def coverage(self, texts):
        """Share of the tokens of ``texts`` that are in the vocabulary (not ``<unk>``)."""
        tokens = [w for text in texts for w in tokenize(text)]
        return sum(w in self.stoi for w in tokens) / max(len(tokens), 1)


# --------------------------------------------------------------- baselines
def lead(text, k):
    """The lead baseline: the first ``k`` whitespace-separated words of ``text``."""
    k = check_positive_int("k", k)
    return " ".join(text.split()[:k])


def retrieve_targets(train_sources, train_targets, sources):
    """The retrieval baseline: the target of the most similar training source.

    Similarity: cosine of TF-IDF vectors of words (scikit-learn, English stop
    words removed). The output is always a real, fluent summary -- of another text.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(train_sources) != len(train_targets) or len(train_sources) == 0:
        raise ValueError(
            f"train_sources and train_targets must be non-empty and of the same length, "
            f"got {len(train_sources)} and {len(train_targets)}"
        )
    vectorizer = TfidfVectorizer(tokenizer=tokenize, token_pattern=None, stop_words="english", sublinear_tf=True)
    A = vectorizer.fit_transform(train_sources)  # (n_train, words), rows of norm 1
    B = vectorizer.transform(sources)  # (n, words)
    nearest = np.asarray((B @ A.T).argmax(axis=1)).ravel()
    return [train_targets[i] for i in nearest]


# ----------------------------------------------------------------- metrics
_SCORER = None


def rouge_f1(predictions, references):
    """ROUGE-1, ROUGE-2 and ROUGE-L F1 of each prediction against its reference: ``(n, 3)``.

    Computed by Google's ``rouge-score`` 0.1.2 (a widely used reimplementation of
    Lin 2004) with the Porter stemmer; it lower-cases and keeps
    only letters and digits, so ``<unk>`` counts as the word "unk".
    """
    global _SCORER
    if len(predictions) != len(references) or len(references) == 0:
        raise ValueError(
            f"predictions and references must be non-empty lists of the same length, "
            f"got {len(predictions)} and {len(references)}"
        )
    if _SCORER is None:
        from rouge_score import rouge_scorer

        _SCORER = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    rows = []
    for p, r in zip(predictions, references):
        s = _SCORER.score(r, p)  # score(target, prediction)
        rows.append([s[t].fmeasure for t in ROUGE_TYPES])
    return np.array(rows)


def bootstrap_ci(values, rng, *, n_boot=1000, level=0.95):
    """Mean over pairs and its percentile bootstrap interval, resampling pairs with replacement.

    ``values`` is ``(n,)`` or ``(n, k)`` (one column per metric). For a paired
    comparison pass the per-pair *differences* of two systems. Returns
    ``(mean, low, high)``, each a float or a ``(k,)`` array.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim not in (1, 2) or values.shape[0] < 2:
        raise ValueError(f"values must be (n,) or (n, k) with n >= 2, got shape {values.shape}")
    n_boot = check_positive_int("n_boot", n_boot)
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    rng = as_rng(rng)
    idx = rng.integers(0, values.shape[0], size=(n_boot, values.shape[0]))  # (B, n)
    means = values[idx].mean(axis=1)  # (B,) or (B, k)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return values.mean(axis=0), low, high


def group_split(groups, rng, fractions=(0.8, 0.1, 0.1)):
    """Index arrays (train, valid, test) from a seeded split in which each group lands on one side.

    ``groups`` holds one hashable key per item (for example its normalised
    summary): items with the same key are never split across sides, so a
    test item cannot be answered by looking up its twin in training. The
    groups, not the items, are dealt out in the given fractions.
    """
    fractions = np.asarray(fractions, dtype=float)
    if fractions.ndim != 1 or len(fractions) < 1 or (fractions <= 0).any() or abs(fractions.sum() - 1) > 1e-9:
        raise ValueError(f"fractions must be positive numbers summing to 1, got {fractions.tolist()}")
    keys = list(dict.fromkeys(groups))  # first-seen order
    if len(keys) < len(fractions):
        raise ValueError(f"groups must hold at least {len(fractions)} distinct keys, got {len(keys)}")
    order = as_rng(rng).permutation(len(keys))
    bounds = np.round(np.cumsum(fractions) * len(keys)).astype(int)
    side = np.empty(len(keys), dtype=int)
    start = 0
    for s, stop in enumerate(bounds):
        side[order[start:stop]] = s
        start = stop
    where = {key: side[i] for i, key in enumerate(keys)}
    which = np.array([where[g] for g in groups])
    return tuple(np.flatnonzero(which == s) for s in range(len(fractions)))
