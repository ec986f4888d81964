"""Text classification: tokens, a vocabulary, padded batches and an embedding + recurrent classifier.

Notation (shared with the book): N batch, T time steps (tokens; T_i the true length
of sequence i), E embedding size, H hidden size (per direction), V vocabulary size,
C classes, dirs = 2 if bidirectional else 1.

The pipeline of the sentiment page, one function per step::

    tokens = [tokenize_en(s) for s in texts]            # or tokenize_zh
    vocab = Vocabulary.build(tokens, min_count=2)       # <pad> = 0, <unk> = 1
    ids, lengths = pad_batch([vocab.encode(t) for t in tokens])   # (N, T), (N,)
    logits = RNNTextClassifier(len(vocab), 32, 32)(ids, lengths)   # (N, C)

Padding goes at the end of each row (right padding), so the lengths can also be
read back from the ids (:func:`lengths_from_padding`): a classifier can then be
trained with ``companion.train.fit`` on the padded matrix alone.

Also here: :func:`wilson_interval` for an accuracy measured on n test items, and
:func:`paired_bootstrap` for the difference of two classifiers' accuracies on the
same items.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._validate import as_rng, check_one_of, check_positive_int

__all__ = [
    "PAD",
    "UNK",
    "tokenize_en",
    "tokenize_zh",
    "Vocabulary",
    "pad_batch",
    "lengths_from_padding",
    "RNNTextClassifier",
    "wilson_interval",
    "paired_bootstrap",
    "BucketBatchSampler",
]

PAD, UNK = "<pad>", "<unk>"

_NEGATED = re.compile(r"(\w)n't\b")  # "don't" -> "do n't", as the Penn Treebank splits it
_EN_TOKEN = re.compile(r"n't|'(?:s|re|ve|ll|d|m)\b|''|[a-z0-9]+|[^\sa-z0-9]")


def tokenize_en(text: str) -> list[str]:
    """Lower-cased English tokens: words, "n't" and "'s"-like clitics, single punctuation marks.

    >>> tokenize_en("It isn't bad, it's GOOD!")
    ['it', 'is', "n't", 'bad', ',', 'it', "'s", 'good', '!']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _EN_TOKEN.findall(_NEGATED.sub(r"\1 n't", text.lower()))


def tokenize_zh(text: str, *, unit: str = "word") -> list[str]:
    """Chinese tokens: jieba words (``unit="word"``) or single characters (``unit="char"``); no whitespace.

    jieba segments with the dictionary it ships (offline). Call
    ``jieba.setLogLevel(logging.WARNING)`` once beforehand to silence its start-up messages.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    check_one_of("unit", unit, ("word", "char"))
    if unit == "char":
        return [c for c in text if not c.isspace()]
    import jieba

    return [w for w in jieba.lcut(text) if w.strip()]


class Vocabulary:
    """Token <-> id. Id 0 is ``<pad>`` (padding), id 1 ``<unk>`` (any token not in the vocabulary).

    Build it from the *training* tokens only: a word seen only in test data must map to
    ``<unk>``, as it would for a new sentence.
    """

    def __init__(self, itos):
        itos = list(itos)
        if itos[:2] != [PAD, UNK]:
            raise ValueError(f"itos must start with {[PAD, UNK]}, got {itos[:2]}")
        if len(set(itos)) != len(itos):
            raise ValueError("itos must not repeat a token")
        self.itos = itos
        self.stoi = {s: i for i, s in enumerate(itos)}

    pad_id = 0
    unk_id = 1

    @classmethod
    def build(cls, token_lists, *, min_count: int = 1, max_size: int | None = None) -> Vocabulary:
        """Tokens seen at least ``min_count`` times, most frequent first (ties: first seen first).

        ``max_size`` caps the vocabulary, ``<pad>`` and ``<unk>`` included.
        """
        check_positive_int("min_count", min_count)
        if max_size is not None:
            check_positive_int("max_size", max_size, minimum=2)
        counts = Counter()
        for tokens in token_lists:
            if isinstance(tokens, str):
                raise TypeError("token_lists must hold lists of tokens, got a str: tokenise first")
            counts.update(tokens)
        counts.pop(PAD, None)
        counts.pop(UNK, None)
        kept = [s for s, c in counts.most_common() if c >= min_count]  # stable: ties keep first-seen order
        if max_size is not None:
            kept = kept[: max_size - 2]
        return cls([PAD, UNK, *kept])

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, tokens) -> list[int]:
        """Ids of ``tokens``; unknown tokens become ``unk_id``."""
        if isinstance(tokens, str):
            raise TypeError("tokens must be a list of tokens, got a str: tokenise first")
        return [self.stoi.get(s, self.unk_id) for s in tokens]

    def decode(self, ids) -> list[str]:
        """Tokens of ``ids`` (padding included, as ``<pad>``)."""
        return [self.itos[int(i)] for i in ids]


def pad_batch(sequences, *, pad_id: int = 0, max_len: int | None = None):
    """Right-pad lists of ids into one matrix.

    Args:
        sequences: N lists (or 1-D arrays) of token ids, each of length >= 1.
        pad_id: the id written after the end of each sequence.
        max_len: keep at most the first ``max_len`` ids of each sequence.

    Returns:
        ids: ``(N, T)`` int64, T the longest (truncated) length; row i holds sequence i,
            then ``pad_id`` from position T_i on.
        lengths: ``(N,)`` int64, the T_i.
    """
    sequences = [list(s) for s in sequences]
    if not sequences:
        raise ValueError("sequences must hold at least one sequence, got none")
    if max_len is not None:
        max_len = check_positive_int("max_len", max_len)
        sequences = [s[:max_len] for s in sequences]
    lengths = [len(s) for s in sequences]
    if min(lengths) == 0:
        raise ValueError(f"sequences must all have length >= 1, got an empty one at index {lengths.index(0)}")
    ids = torch.full((len(sequences), max(lengths)), pad_id, dtype=torch.int64)  # (N, T)
    for i, s in enumerate(sequences):
        ids[i, : len(s)] = torch.as_tensor(s, dtype=torch.int64)
    return ids, torch.as_tensor(lengths, dtype=torch.int64)


def lengths_from_padding(ids, pad_id: int = 0):
    """The lengths T_i of right-padded rows of ``ids`` (N, T): the number of non-pad ids.

    Raises ValueError if a row has a pad before a real token (not right-padded) or is all padding.
    """
    if not torch.is_tensor(ids) or ids.dim() != 2:
        raise ValueError(
            f"ids: expected a (N, T) tensor of token ids, got "
            f"{tuple(ids.shape) if torch.is_tensor(ids) else type(ids).__name__}"
        )
    real = ids != pad_id  # (N, T)
    lengths = real.sum(dim=1)  # (N,)
    T = ids.shape[1]
    # right padding: the first T_i positions are real, the rest are pads
    expected = torch.arange(T, device=ids.device)[None, :] < lengths[:, None]  # (N, T)
    if not torch.equal(real, expected):
        row = int((real != expected).any(dim=1).nonzero()[0])
        raise ValueError(
            f"ids: expected right-padded rows (pad_id={pad_id} only after the last token), "
            f"row {row} has a pad before a token"
        )
    if (lengths == 0).any():
        raise ValueError(f"ids: row {int((lengths == 0).nonzero()[0])} is all padding (length 0)")
    return lengths


class RNNTextClassifier(nn.Module):
    """Embedding -> (bidirectional) GRU or LSTM over the packed batch -> linear head on the final states.

    For sequence i of true length T_i, with x_t = E[ids[i, t]] (E the embedding matrix)::

        forward:   h→_t = cell(x_t, h→_{t-1}),   t = 1, ..., T_i
        backward:  h←_t = cell'(x_t, h←_{t+1}),  t = T_i, ..., 1
        s_i = [h→_{T_i}; h←_1] = [h_n[-2, i]; h_n[-1, i]]        (N, 2H)
        logits_i = W s_i + b                                    (N, C)

    The batch is *packed* (``pack_padded_sequence``), so neither direction ever reads a
    padded position: a sequence gets the same logits alone as inside a padded batch.

    Args:
        vocab_size: V, rows of the embedding (``<pad>`` = 0 is kept at zero).
        embedding_dim: E.
        hidden_size: H per direction.
        num_classes: C.
        cell: ``"GRU"`` or ``"LSTM"``.
        bidirectional: read the sequence in both directions.
        num_layers: stacked recurrent layers.
        dropout: dropout on the embeddings and on the summary s (training mode only).
        pad_id: the padding id.
    """

    def __init__(
        self,
        vocab_size,
        embedding_dim,
        hidden_size,
        num_classes=2,
        *,
        cell="GRU",
        bidirectional=True,
        num_layers=1,
        dropout=0.0,
        pad_id=0,
    ):
        super().__init__()
        check_positive_int("vocab_size", vocab_size, minimum=2)
        check_positive_int("embedding_dim", embedding_dim)
        check_positive_int("hidden_size", hidden_size)
        check_positive_int("num_classes", num_classes)
        check_one_of("cell", cell, ("GRU", "LSTM"))
        self.pad_id = pad_id
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_id)
        self.rnn = getattr(nn, cell)(
            embedding_dim, hidden_size, num_layers, batch_first=True, bidirectional=bidirectional
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear((2 if bidirectional else 1) * hidden_size, num_classes)

    def _lengths(self, ids, lengths):
        if lengths is None:
            return lengths_from_padding(ids, self.pad_id)
        lengths = torch.as_tensor(lengths, dtype=torch.int64)
        if lengths.shape != ids.shape[:1]:
            raise ValueError(
                f"lengths: expected shape ({ids.shape[0]},), one per row of ids, got {tuple(lengths.shape)}"
            )
        if lengths.min() < 1 or lengths.max() > ids.shape[1]:
            raise ValueError(
                f"lengths: expected values in [1, T={ids.shape[1]}], "
                f"got min {int(lengths.min())}, max {int(lengths.max())}"
            )
        return lengths

    def encode(self, ids, lengths=None):
        """Run the recurrent layer over the packed batch.

        Returns ``output`` (N, T, dirs*H), zero after each row's T_i, and ``h_n``
        (num_layers*dirs, N, H) (for an LSTM, ``(h_n, c_n)``), as ``torch.nn`` returns them.
        """
        if not torch.is_tensor(ids) or ids.dim() != 2:
            raise ValueError(
                f"ids: expected a (N, T) tensor of token ids, got "
                f"{tuple(ids.shape) if torch.is_tensor(ids) else type(ids).__name__}"
            )
        lengths = self._lengths(ids, lengths)
        x = self.dropout(self.embedding(ids))  # (N, T, E)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, state = self.rnn(packed)
        output, _ = pad_packed_sequence(out, batch_first=True, total_length=ids.shape[1])  # (N, T, dirs*H)
        return output, state

    def summary(self, ids, lengths=None):
        """The vector the head reads, (N, dirs*H): [h→_{T_i}; h←_1] of the top layer."""
        _, state = self.encode(ids, lengths)
        h_n = state[0] if isinstance(state, tuple) else state  # (L*dirs, N, H)
        if self.rnn.bidirectional:
            return torch.cat([h_n[-2], h_n[-1]], dim=1)  # forward after T_i, backward after step 1
        return h_n[-1]

    def forward(self, ids, lengths=None):
        """Logits (N, C) for ids (N, T); lengths (N,) or None to read them from the padding."""
        return self.head(self.dropout(self.summary(ids, lengths)))


def wilson_interval(successes, n, *, level: float = 0.95):
    """Wilson score interval for a proportion (e.g. an accuracy: ``successes`` correct of ``n``).

    Better than p ± z sqrt(p(1-p)/n) near 0 or 1 and for small n (Wilson 1927).
    Returns ``(low, high)``.
    """
    n = check_positive_int("n", n)
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in [0, n={n}], got {successes}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def paired_bootstrap(correct_a, correct_b, *, rng, n_boot: int = 2000, level: float = 0.95):
    """Accuracy of A minus accuracy of B on the same test items, with a bootstrap interval.

    Resamples the test items (with replacement) and recomputes the difference each time;
    pairing the two classifiers on the same resampled items removes the variation that
    they share (easy and hard items), so the interval is much narrower than two separate ones.

    Args:
        correct_a, correct_b: (n,) booleans, item by item.
        rng: a ``numpy.random.Generator`` or an int seed.

    Returns:
        ``(difference, low, high)``.
    """
    a = np.asarray(correct_a, dtype=float)
    b = np.asarray(correct_b, dtype=float)
    if a.ndim != 1 or a.shape != b.shape or a.size == 0:
        raise ValueError(
            f"correct_a and correct_b: expected two (n,) arrays of the same n >= 1, got {a.shape} and {b.shape}"
        )
    check_positive_int("n_boot", n_boot)
    rng = as_rng(rng)
    idx = rng.integers(0, a.size, size=(n_boot, a.size))  # (n_boot, n)
    diffs = a[idx].mean(axis=1) - b[idx].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(diffs, [tail, 1 - tail])
    return float(a.mean() - b.mean()), float(low), float(high)


class BucketBatchSampler(torch.utils.data.Sampler):
    """Batches of indices of sequences of similar length, for a ``DataLoader(..., batch_sampler=...)``.

    Each epoch: sort the sequences by length (ties in random order), cut the order into
    batches of ``batch_size``, shuffle the batches. A packed batch costs time in proportion
    to its longest sequence, so batches of similar lengths train about twice as fast as
    random ones on sentences; the shuffling keeps the order of batches random.

    Args:
        lengths: (n,) lengths T_i.
        batch_size: N.
        rng: a ``numpy.random.Generator`` or an int seed; the epochs draw from it in turn.
    """

    def __init__(self, lengths, batch_size, *, rng):
        self.lengths = np.asarray(lengths)
        if self.lengths.ndim != 1 or self.lengths.size == 0:
            raise ValueError(f"lengths: expected a non-empty (n,) array, got shape {self.lengths.shape}")
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.rng = as_rng(rng)

    def __len__(self):
        return -(-self.lengths.size // self.batch_size)

    def __iter__(self):
        order = np.lexsort((self.rng.random(self.lengths.size), self.lengths))  # by length, ties at random
        batches = [order[i : i + self.batch_size].tolist() for i in range(0, order.size, self.batch_size)]
        for k in self.rng.permutation(len(batches)):
            yield batches[k]
