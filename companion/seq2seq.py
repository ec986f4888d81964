"""Sequence to sequence with attention: data, model, decoders and metrics.

Notation (shared with the book): N batch, S source positions, T target steps,
E embedding size, H hidden size (of the decoder, and of the encoder's outputs),
V vocabulary. Shape comments use them: ``# (N, S, H)``.

- :func:`split_days`, :func:`date_pairs` -- a date-normalisation task with real
  grammar: dates written by CLDR (through ``babel``) in several languages and
  formats as the source, ISO 8601 as the target; optionally date ranges
  (CLDR interval formats) for longer inputs;
- :class:`Vocab` -- characters to integer ids and back, with padding (id 0),
  begin and end of sequence;
- :func:`masked_softmax`, :class:`AdditiveAttention` (Bahdanau),
  :class:`DotProductAttention` (Luong's dot score);
- :class:`Seq2Seq` -- a GRU encoder (bidirectional by default) and a GRU
  decoder that attends from its previous state s_{t-1} (Bahdanau et al. 2015),
  or, with ``attention=None``, reads one fixed vector at every step (Cho et al.
  2014);
- :func:`fit_seq2seq` -- training with teacher forcing;
- :func:`greedy_decode`, :func:`beam_search`, :func:`length_penalty` -- decoders
  that work with any ``step(y_prev, state) -> (log_probs, state)``;
- :func:`exact_match`, :func:`char_accuracy`, :func:`nearest_neighbour_targets`
  -- metrics and the lookup baseline.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._validate import as_rng, check_nonnegative, check_one_of, check_positive_int

__all__ = [
    "LOCALES",
    "FORMATS",
    "SKELETONS",
    "split_days",
    "date_pairs",
    "pad_rows",
    "ids_to_tokens",
    "Vocab",
    "masked_softmax",
    "AdditiveAttention",
    "DotProductAttention",
    "Seq2Seq",
    "fit_seq2seq",
    "greedy_decode",
    "beam_search",
    "length_penalty",
    "translate",
    "exact_match",
    "char_accuracy",
    "nearest_neighbour_targets",
]

LOCALES = ("en_US", "fr", "de", "es", "ru", "zh_CN", "ja")
FORMATS = ("full", "long", "medium")
SKELETONS = ("yMMMMEEEEd", "yMMMd", "yMMMMd")  # CLDR interval skeletons, for date ranges

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")


# -------------------------------------------------------------------- data
def split_days(rng, fractions=(0.8, 0.1, 0.1), first=dt.date(1950, 1, 1), last=dt.date(2049, 12, 31)):
    """Every day from ``first`` to ``last`` dealt at random into disjoint pools.

    Returns one sorted list of ``datetime.date`` per fraction (train, valid, test):
    a date of the test pool never occurs in the training pool.
    """
    rng = as_rng(rng)
    fractions = np.asarray(fractions, dtype=float)
    if fractions.ndim != 1 or len(fractions) < 1 or (fractions <= 0).any() or abs(fractions.sum() - 1) > 1e-9:
        raise ValueError(f"fractions must be positive numbers summing to 1, got {fractions.tolist()}")
    if last <= first:
        raise ValueError(f"last must come after first, got first={first}, last={last}")
    n_days = (last - first).days + 1
    order = rng.permutation(n_days)
    bounds = np.round(np.cumsum(fractions) * n_days).astype(int)
    pools, start = [], 0
    for stop in bounds:
        pools.append([first + dt.timedelta(days=int(i)) for i in np.sort(order[start:stop])])
        start = stop
    return pools


def date_pairs(n, rng, days, *, locales=LOCALES, formats=FORMATS, p_range=0.0, skeletons=SKELETONS, max_gap=60):
    """``n`` pairs (source, target, locale): a date in words, and the same date in ISO 8601.

    A single date is written by ``babel.dates.format_date(d, format, locale)``
    (``"2021年3月3日星期三"``, ``"mercredi 3 mars 2021"``) and its target is
    ``"2021-03-03"``. With probability ``p_range`` the pair is a date range
    instead, written by ``babel.dates.format_interval(d1, d2, skeleton, locale)``
    (CLDR's interval grammar shares the common parts: ``"3–19 mars 2021"``),
    with target ``"2021-03-03/2021-03-19"`` (an ISO 8601 interval).

    Args:
        n: number of pairs.
        rng: a ``numpy.random.Generator`` or an int seed.
        days: the dates to draw from, sorted (one pool of :func:`split_days`);
            both ends of a range come from it.
        locales, formats, skeletons: drawn uniformly for each pair.
        p_range: probability that a pair is a range.
        max_gap: the end of a range is 1 to ``max_gap`` places after its start in ``days``.
    """
    from babel.dates import format_date, format_interval

    n = check_positive_int("n", n)
    rng = as_rng(rng)
    p_range = check_nonnegative("p_range", p_range)
    if p_range > 1:
        raise ValueError(f"p_range must be a probability in [0, 1], got {p_range}")
    if len(days) < 2:
        raise ValueError(f"days must hold at least 2 dates, got {len(days)}")
    for name, values in (("locales", locales), ("formats", formats), ("skeletons", skeletons)):
        if len(values) == 0:
            raise ValueError(f"{name} must name at least one choice, got {values!r}")
    pairs = []
    for _ in range(n):
        locale = locales[rng.integers(len(locales))]
        i = int(rng.integers(len(days)))
        if rng.random() < p_range:
            i = min(i, len(days) - 2)
            j = min(i + int(rng.integers(1, max_gap + 1)), len(days) - 1)
            skeleton = skeletons[rng.integers(len(skeletons))]
            source = format_interval(days[i], days[j], skeleton, locale=locale)
            target = f"{days[i].isoformat()}/{days[j].isoformat()}"
        else:
            source = format_date(days[i], format=formats[rng.integers(len(formats))], locale=locale)
            target = days[i].isoformat()
        pairs.append((source, target, locale))
    return pairs


def pad_rows(rows):
    """Lists of ids as one padded ``(N, T_max)`` int64 tensor (0 = ``<pad>``) and their lengths ``(N,)``."""
    lengths = torch.tensor([len(r) for r in rows])
    ids = torch.full((len(rows), int(lengths.max())), PAD, dtype=torch.int64)
    for k, r in enumerate(rows):
        ids[k, : len(r)] = torch.tensor(r)
    return ids, lengths


def ids_to_tokens(ids, itos):
    """The tokens of one sequence of ids, stopping at the first ``<eos>``; ``<bos>`` and padding skipped."""
    out = []
    for i in ids.tolist() if torch.is_tensor(ids) else ids:
        if i == EOS:
            break
        if i not in (PAD, BOS):
            out.append(itos[i])
    return out


class Vocab:
    """Characters to ids and back. Ids 0-3 are ``<pad>``, ``<bos>``, ``<eos>``, ``<unk>``."""

    def __init__(self, texts):
        chars = sorted({c for text in texts for c in text})
        self.itos = list(SPECIALS) + chars
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    def __len__(self):
        return len(self.itos)

    def encode(self, texts, *, bos=False, eos=False):
        """Padded ids ``(N, T_max)`` (int64, 0 = padding) and lengths ``(N,)``."""
        rows = [[BOS] * bos + [self.stoi.get(c, UNK) for c in text] + [EOS] * eos for text in texts]
        return pad_rows(rows)

    def decode(self, ids):
        """The text of one sequence of ids, stopping at the first ``<eos>``; ``<bos>``/padding skipped."""
        return "".join(ids_to_tokens(ids, self.itos))


# --------------------------------------------------------------- attention
def masked_softmax(scores, mask):
    """Softmax over the last axis of ``scores`` (N, S), where ``mask`` (N, S) is True.

    Positions where ``mask`` is False (padding) get weight exactly 0. Every row
    needs at least one True position.
    """
    if mask.shape != scores.shape or mask.dtype != torch.bool:
        raise ValueError(
            f"mask must be a bool tensor of the shape of scores {tuple(scores.shape)}, "
            f"got {mask.dtype} {tuple(mask.shape)}"
        )
    if not mask.any(dim=-1).all():
        raise ValueError("mask must keep at least one position in every row, got a row of False")
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)


def _check_attention_inputs(query, keys, values, mask):
    if (
        query.dim() != 2
        or keys.dim() != 3
        or values.dim() != 3
        or keys.shape[:2] != values.shape[:2]
        or query.shape[0] != keys.shape[0]
    ):
        raise ValueError(
            f"query must be (N, Hq), keys (N, S, Hk) and values (N, S, Hv), got query "
            f"{tuple(query.shape)}, keys {tuple(keys.shape)}, values {tuple(values.shape)}"
        )
    if mask.shape != keys.shape[:2]:
        raise ValueError(f"mask must be (N, S) = {tuple(keys.shape[:2])}, got {tuple(mask.shape)}")


class AdditiveAttention(nn.Module):
    """Bahdanau's score ``e_j = v^T tanh(W_q q + W_k k_j)``, then ``a = softmax(e)`` and ``c = sum_j a_j v_j``."""

    def __init__(self, query_size, key_size, attention_size):
        super().__init__()
        self.W_q = nn.Linear(query_size, attention_size, bias=False)
        self.W_k = nn.Linear(key_size, attention_size, bias=True)
        self.v = nn.Linear(attention_size, 1, bias=False)

    def forward(self, query, keys, values, mask, *, projected_keys=None):
        """query (N, Hq), keys (N, S, Hk), values (N, S, Hv), mask (N, S) -> context (N, Hv), weights (N, S).

        ``projected_keys``: ``W_k keys`` (N, S, A) if already computed; a decoder
        computes it once per sentence instead of once per step.
        """
        _check_attention_inputs(query, keys, values, mask)
        Wk = self.W_k(keys) if projected_keys is None else projected_keys  # (N, S, A)
        e = self.v(torch.tanh(self.W_q(query)[:, None, :] + Wk)).squeeze(-1)  # (N, S)
        a = masked_softmax(e, mask)  # (N, S)
        return torch.bmm(a[:, None, :], values).squeeze(1), a  # (N, Hv), (N, S)


class DotProductAttention(nn.Module):
    """Luong's dot score ``e_j = scale * q . k_j`` (scale 1 in Luong et al.; 1/sqrt(H) in Transformers)."""

    def __init__(self, scale=1.0):
        super().__init__()
        self.scale = check_nonnegative("scale", scale, strict=True)

    def forward(self, query, keys, values, mask):
        """query (N, H), keys (N, S, H), values (N, S, Hv), mask (N, S) -> context (N, Hv), weights (N, S)."""
        _check_attention_inputs(query, keys, values, mask)
        if query.shape[1] != keys.shape[2]:
            raise ValueError(
                f"dot-product attention needs query (N, H) and keys (N, S, H) of the same H, "
                f"got {tuple(query.shape)} and {tuple(keys.shape)}"
            )
        e = self.scale * torch.bmm(keys, query[:, :, None]).squeeze(-1)  # (N, S)
        a = masked_softmax(e, mask)  # (N, S)
        return torch.bmm(a[:, None, :], values).squeeze(1), a  # (N, Hv), (N, S)


# ------------------------------------------------------------------ model
class Seq2Seq(nn.Module):
    """A GRU encoder and a GRU decoder, with or without attention.

    Encoder: ``h_1..h_S`` (N, S, H) from a GRU over the embedded source
    (bidirectional: H/2 per direction, concatenated); ``h`` (N, H), the last
    forward state beside the first backward state, summarises the sentence.

    Decoder, one step (Bahdanau et al. 2015): from the previous state
    ``s_{t-1}`` and the previous output ``y_{t-1}``::

        c_t = sum_j a_tj h_j,   a_t = softmax_j score(s_{t-1}, h_j)   (attention)
        c_t = h                                                      (attention=None, Cho et al. 2014)
        s_t = GRUCell([emb(y_{t-1}); c_t], s_{t-1})
        p(y_t | ...) = softmax(W_o [s_t; c_t; emb(y_{t-1})] + b_o)

    with ``s_0 = tanh(W_init h + b_init)``.

    Args:
        src_vocab_size, tgt_vocab_size: V of the source and of the target.
        hidden_size: H, the decoder's state size and the size of each encoder output.
        embed_size: E.
        attention: ``"additive"`` (Bahdanau), ``"dot"`` (Luong's dot score, scale 1) or None.
        bidirectional: a bidirectional encoder (H must then be even).
        attention_size: A, the size of the additive score's hidden layer (default H).
    """

    def __init__(
        self,
        src_vocab_size,
        tgt_vocab_size,
        hidden_size=64,
        embed_size=32,
        *,
        attention="additive",
        bidirectional=True,
        attention_size=None,
    ):
        super().__init__()
        check_one_of("attention", attention, ("additive", "dot", None))
        H = check_positive_int("hidden_size", hidden_size)
        E = check_positive_int("embed_size", embed_size)
        if bidirectional and H % 2:
            raise ValueError(f"hidden_size must be even with bidirectional=True (H/2 per direction), got {H}")
        self.hidden_size, self.bidirectional, self.attention_kind = H, bidirectional, attention
        self.src_embed = nn.Embedding(src_vocab_size, E, padding_idx=PAD)
        self.encoder = nn.GRU(E, H // 2 if bidirectional else H, batch_first=True, bidirectional=bidirectional)
        self.init = nn.Linear(H, H)
        if attention == "additive":
            self.attention = AdditiveAttention(H, H, attention_size or H)
        elif attention == "dot":
            self.attention = DotProductAttention(1.0)
        else:
            self.attention = None
        self.tgt_embed = nn.Embedding(tgt_vocab_size, E, padding_idx=PAD)
        self.cell = nn.GRUCell(E + H, H)
        self.out = nn.Linear(H + H + E, tgt_vocab_size)

    def encode(self, src, src_len):
        """src (N, S) ids, src_len (N,) -> outputs (N, S, H), summary h (N, H), mask (N, S)."""
        if src.dim() != 2 or src_len.shape != src.shape[:1]:
            raise ValueError(f"src must be (N, S) and src_len (N,), got {tuple(src.shape)} and {tuple(src_len.shape)}")
        packed = pack_padded_sequence(self.src_embed(src), src_len.cpu(), batch_first=True, enforce_sorted=False)
        out, h_n = self.encoder(packed)  # h_n (num_layers*num_directions, N, H/dirs)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])  # (N, S, H)
        # forward after its last real step, backward after position 0
        summary = torch.cat([h_n[-2], h_n[-1]], dim=1) if self.bidirectional else h_n[-1]  # (N, H)
        mask = torch.arange(src.shape[1])[None, :] < src_len[:, None]  # (N, S), True on real characters
        return out, summary, mask

    def start(self, src, src_len):
        """The decoder's initial state: a tuple of tensors whose first axis is the batch."""
        memory, summary, mask = self.encode(src, src_len)
        s0 = torch.tanh(self.init(summary))  # (N, H)
        keys = self.attention.W_k(memory) if self.attention_kind == "additive" else memory  # (N, S, A)
        return (s0, memory, keys, summary, mask)

    def step_logits(self, y_prev, state):
        """One decoder step: logits (N, V), new state, attention weights (N, S) or None."""
        s_prev, memory, keys, summary, mask = state
        emb = self.tgt_embed(y_prev)  # (N, E)
        if self.attention is None:
            c, a = summary, None  # the same vector at every step
        elif self.attention_kind == "additive":
            c, a = self.attention(s_prev, memory, memory, mask, projected_keys=keys)  # from s_{t-1}: (N, H), (N, S)
        else:
            c, a = self.attention(s_prev, memory, memory, mask)  # from s_{t-1}: (N, H), (N, S)
        s = self.cell(torch.cat([emb, c], dim=1), s_prev)  # (N, H)
        logits = self.out(torch.cat([s, c, emb], dim=1))  # (N, V)
        return logits, (s, memory, keys, summary, mask), a

    def step(self, y_prev, state):
        """``step(y_prev (N,), state) -> (log_probs (N, V), state)``, the interface of the decoders."""
        logits, state, _ = self.step_logits(y_prev, state)
        return torch.log_softmax(logits, dim=-1), state

    def forward(self, src, src_len, tgt_in, *, return_attention=False):
        """Teacher forcing: tgt_in (N, T) starts with <bos>; logits (N, T, V) [and weights (N, T, S)]."""
        state = self.start(src, src_len)
        logits, weights = [], []
        for t in range(tgt_in.shape[1]):
            lg, state, a = self.step_logits(tgt_in[:, t], state)  # the true previous character
            logits.append(lg)
            weights.append(a)
        logits = torch.stack(logits, dim=1)  # (N, T, V)
        if not return_attention:
            return logits
        return logits, (None if self.attention is None else torch.stack(weights, dim=1))  # (N, T, S)


def fit_seq2seq(model, src, src_len, tgt, *, epochs=10, batch_size=64, lr=3e-3, clip_norm=1.0, generator=None):
    """Train with teacher forcing and cross-entropy (padding ignored); returns the mean loss per epoch.

    ``tgt`` (N, T+1) holds ``<bos> y_1 .. y_T <eos>`` padded: the decoder reads
    ``tgt[:, :-1]`` and learns to predict ``tgt[:, 1:]``.
    """
    check_positive_int("epochs", epochs)
    if tgt.dim() != 2 or tgt.shape[0] != src.shape[0] or not (tgt[:, 0] == BOS).all():
        raise ValueError(
            f"tgt must be (N, T+1) with N = {src.shape[0]} rows starting with <bos>, got {tuple(tgt.shape)}"
        )
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD)
    losses = []
    model.train()
    for _ in range(epochs):
        total = 0.0
        # batches of similar source lengths (less padding), in random order
        perm = torch.randperm(src.shape[0], generator=generator)
        perm = perm[torch.argsort(src_len[perm], stable=True)]
        batches = perm.split(batch_size)
        for b in torch.randperm(len(batches), generator=generator).tolist():
            idx = batches[b]
            S, T = int(src_len[idx].max()), int((tgt[idx] != PAD).sum(1).max())
            logits = model(src[idx, :S], src_len[idx], tgt[idx, : T - 1])  # (n, T-1, V)
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt[idx, 1:T].reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
            optimizer.step()
            total += loss.item() * len(idx)
        losses.append(total / src.shape[0])
    model.eval()
    return losses


# --------------------------------------------------------------- decoding
def _select(state, index):
    """Rows ``index`` of every tensor in ``state`` (a tensor or a tuple of tensors, batch first)."""
    if torch.is_tensor(state):
        return state[index]
    return tuple(_select(s, index) for s in state)


@torch.no_grad()
def greedy_decode(step, state, max_len, *, bos=BOS, eos=EOS):
    """The most probable next token at every step, for a batch.

    ``step(y_prev (N,), state) -> (log_probs (N, V), state)``. Returns tokens
    (N, max_len) (after ``<eos>``: ``<eos>`` repeated) and the total log-probability
    (N,) of each sequence up to and including its first ``<eos>``.
    """
    max_len = check_positive_int("max_len", max_len)
    n = (state if torch.is_tensor(state) else state[0]).shape[0]
    y = torch.full((n,), bos, dtype=torch.int64)
    done = torch.zeros(n, dtype=torch.bool)
    logp = torch.zeros(n, dtype=torch.float64)
    tokens = []
    for _ in range(max_len):
        log_probs, state = step(y, state)  # (N, V)
        best, y = log_probs.max(dim=1)
        y = torch.where(done, torch.full_like(y, eos), y)
        logp += torch.where(done, torch.zeros_like(best), best).double()
        tokens.append(y)
        done |= y == eos
        if done.all():
            break
    return torch.stack(tokens, dim=1), logp


def length_penalty(length, alpha):
    """GNMT's ``lp(Y) = ((5 + |Y|) / 6) ** alpha`` (Wu et al. 2016); a hypothesis scores ``log P(Y) / lp(Y)``."""
    return ((5.0 + length) / 6.0) ** alpha


@torch.no_grad()
def beam_search(step, state, max_len, *, beam_width=4, alpha=0.0, bos=BOS, eos=EOS):
    """Beam search for one sequence: the ``beam_width`` best prefixes survive each step.

    ``state`` holds one sequence (batch of 1). A hypothesis ends with ``<eos>``
    and scores ``log P(Y) / length_penalty(|Y|, alpha)``, |Y| counting ``<eos>``.
    The search stops when no live prefix can beat the best finished hypothesis:
    log P only falls as a prefix grows, so ``log P(prefix) / lp(max_len)`` bounds
    every completion. With ``beam_width`` 1 this is greedy decoding; with a beam
    as wide as all prefixes it is exact. In between nothing guarantees that it
    beats greedy decoding (see the tests).

    Returns (tokens, log P, score) of the best hypothesis; tokens end with
    ``<eos>`` unless ``max_len`` was reached first.
    """
    beam_width = check_positive_int("beam_width", beam_width)
    max_len = check_positive_int("max_len", max_len)
    alpha = check_nonnegative("alpha", alpha)
    prefixes = [[]]
    logps = torch.zeros(1, dtype=torch.float64)  # (b,)
    y = torch.tensor([bos])
    finished = []  # (score, log P, tokens)
    for t in range(1, max_len + 1):
        log_probs, state = step(y, state)  # (b, V)
        total = (logps[:, None] + log_probs.double()).flatten()  # (b*V,)
        V = log_probs.shape[1]
        order = torch.argsort(total, descending=True, stable=True)
        keep, new_prefixes = [], []
        for k in order.tolist():
            beam, token = divmod(k, V)
            if token == eos:
                lp = float(total[k])
                finished.append((lp / length_penalty(t, alpha), lp, prefixes[beam] + [eos]))
            else:
                keep.append(k)
                new_prefixes.append(prefixes[beam] + [token])
            if len(keep) == beam_width:
                break
        if not keep:
            break
        keep = torch.tensor(keep)
        logps, prefixes = total[keep], new_prefixes
        state = _select(state, keep // V)
        y = keep % V
        best_finished = max((f[0] for f in finished), default=-math.inf)
        if best_finished >= float(logps.max()) / length_penalty(max_len, alpha):
            break  # no live prefix can catch up
    if not finished:  # max_len reached with no <eos>
        lp = float(logps[0])
        return prefixes[0], lp, lp / length_penalty(len(prefixes[0]), alpha)
    score, lp, tokens = max(finished, key=lambda f: f[0])
    return tokens, lp, score


@torch.no_grad()
def translate(model, vocab_src, vocab_tgt, sources, *, max_len=24, beam_width=1, alpha=0.0, batch_size=256):
    """Outputs of ``model`` for a list of source strings (greedy, or beam search one by one)."""
    model.eval()
    outputs = []
    for i in range(0, len(sources), batch_size):
        src, src_len = vocab_src.encode(sources[i : i + batch_size])
        if beam_width == 1:
            tokens, _ = greedy_decode(model.step, model.start(src, src_len), max_len)
            outputs += [vocab_tgt.decode(row) for row in tokens]
        else:
            for k in range(src.shape[0]):
                state = model.start(src[k : k + 1, : src_len[k]], src_len[k : k + 1])
                tokens, _, _ = beam_search(model.step, state, max_len, beam_width=beam_width, alpha=alpha)
                outputs.append(vocab_tgt.decode(tokens))
    return outputs


# ----------------------------------------------------------------- metrics
def _check_pairs(predictions, references):
    if len(predictions) != len(references) or len(references) == 0:
        raise ValueError(
            f"predictions and references must be non-empty lists of the same length, "
            f"got {len(predictions)} and {len(references)}"
        )


def exact_match(predictions, references):
    """Share of outputs equal to their reference, character for character."""
    _check_pairs(predictions, references)
    return float(np.mean([p == r for p, r in zip(predictions, references)]))


def char_accuracy(predictions, references):
    """Characters right at their position, over the longer of output and reference, summed over pairs."""
    _check_pairs(predictions, references)
    right = sum(sum(a == b for a, b in zip(p, r)) for p, r in zip(predictions, references))
    return right / sum(max(len(p), len(r)) for p, r in zip(predictions, references))


def nearest_neighbour_targets(train_sources, train_targets, sources, *, ngram_range=(1, 3)):
    """The lookup baseline: the target of the most similar training source.

    Similarity: cosine of TF-IDF vectors of character n-grams (scikit-learn).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(train_sources) != len(train_targets):
        raise ValueError(
            f"train_sources and train_targets must have the same length, "
            f"got {len(train_sources)} and {len(train_targets)}"
        )
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=ngram_range, lowercase=False)
    A = vectorizer.fit_transform(train_sources)  # (n_train, features), rows of norm 1
    B = vectorizer.transform(sources)
    nearest = np.asarray((B @ A.T).argmax(axis=1)).ravel()
    return [train_targets[i] for i in nearest]
