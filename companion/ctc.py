"""Connectionist temporal classification (CTC): decoding and scoring.

Notation: T frames, C classes (the blank and the labels), y a label sequence of
length U <= T. A network gives per-frame log-probabilities ``log_probs`` of
shape ``(T, C)`` (one sequence; ``torch.nn.CTCLoss`` takes ``(T, N, C)`` for a
batch). A *path* pi is one class per frame; the collapse map B merges repeated
classes, then drops blanks: ``B(a a - a b b -) = a a b`` (Graves et al. 2006).
The probability of a labelling sums over every path that collapses to it::

    p(y | x) = sum over pi in B^{-1}(y) of prod_t p_t(pi_t)

- :func:`ctc_collapse` is B;
- :func:`greedy_decode` takes the most probable class in every frame, then B
  (best path, not always the most probable labelling);
- :func:`prefix_beam_search` keeps the ``beam_width`` most probable label
  prefixes, each with the total probability of the paths that lead to it;
- :func:`ctc_log_likelihood` is log p(y | x) by the forward recursion, the
  quantity ``torch.nn.CTCLoss`` negates;
- :func:`label_error_rate` is the edit distance of the decoded labels to the
  references, divided by the references' length.
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import check_positive_int

__all__ = ["ctc_collapse", "greedy_decode", "prefix_beam_search", "ctc_log_likelihood", "label_error_rate"]


def _as_log_probs(log_probs, blank):
    """``log_probs`` as a float64 (T, C) array; ValueError on another shape or an out-of-range ``blank``."""
    if hasattr(log_probs, "detach"):  # a torch tensor
        log_probs = log_probs.detach().cpu().numpy()
    lp = np.asarray(log_probs, dtype=np.float64)
    if lp.ndim != 2 or lp.shape[0] < 1 or lp.shape[1] < 2:
        raise ValueError(
            f"log_probs must have shape (T, C) with T >= 1 and C >= 2 (one sequence; "
            f"take log_probs[:, n] of a (T, N, C) batch), got shape {lp.shape}"
        )
    if not 0 <= int(blank) < lp.shape[1]:
        raise ValueError(f"blank must be a class index in [0, C) = [0, {lp.shape[1]}), got {blank}")
    return lp


def ctc_collapse(path, blank=0):
    """B(path): merge runs of the same class, then drop blanks. ``[1, 1, 0, 1, 2, 2, 0] -> [1, 1, 2]``."""
    out, previous = [], None
    for c in np.asarray(path, dtype=np.int64).reshape(-1).tolist():
        if c != previous and c != blank:  # a new run of a label
            out.append(c)
        previous = c
    return out


def greedy_decode(log_probs, blank=0):
    """Best-path decoding: the arg-max class of each frame of ``log_probs`` (T, C), collapsed by B."""
    lp = _as_log_probs(log_probs, blank)
    return ctc_collapse(lp.argmax(axis=1), blank)  # (T,) path -> labels


def _logaddexp(a, b):
    """log(exp(a) + exp(b)) for Python floats (faster than NumPy on scalars)."""
    if a < b:
        a, b = b, a
    return a if b == -math.inf else a + math.log1p(math.exp(b - a))


def prefix_beam_search(log_probs, beam_width=8, blank=0, *, prune=None):
    """CTC prefix beam search (Hannun et al. 2014) over ``log_probs`` (T, C), without a language model.

    Each prefix y carries two log-probabilities: of the paths so far that collapse to y and
    end in a blank (``p_b``), or in y's last label (``p_nb``). A label equal to y's last
    extends y only after a blank; without one it merges into the last label.

    Args:
        log_probs: ``(T, C)`` per-frame log-probabilities of one sequence.
        beam_width: number of prefixes kept after each frame (>= 1).
        blank: index of the blank class.
        prune: if set, a frame only tries the classes with log-probability above ``prune``
            (e.g. ``log(1e-4)``), and always the most probable one: faster, and the sums lose
            only paths through such improbable frames.

    Returns:
        A list of ``(labels, log_prob)`` pairs, most probable first, at most ``beam_width``
        long; ``labels`` is a list of class indices and ``log_prob`` is log p(labels | x)
        summed over the paths kept in the beam (exact when nothing was pruned).
    """
    lp = _as_log_probs(log_probs, blank)
    beam_width = check_positive_int("beam_width", beam_width)
    neg_inf = -math.inf
    beams = {(): (0.0, neg_inf)}  # prefix -> (log p_b, log p_nb)
    for row in lp.tolist():  # one frame: C log-probabilities
        nxt = {}

        def add(prefix, b=neg_inf, nb=neg_inf):
            if b == nb == neg_inf:  # no path: "a a" cannot become "a a" without a blank
                return
            old_b, old_nb = nxt.get(prefix, (neg_inf, neg_inf))
            nxt[prefix] = (_logaddexp(old_b, b), _logaddexp(old_nb, nb))

        classes = range(len(row))
        if prune is not None:  # keep the likely classes, and always the most likely one
            classes = [c for c, p in enumerate(row) if p > prune] or [max(classes, key=row.__getitem__)]
        for prefix, (p_b, p_nb) in beams.items():
            p_total = _logaddexp(p_b, p_nb)
            last = prefix[-1] if prefix else None
            for c in classes:
                p = row[c]
                if c == blank:  # y stays y, now ending in a blank
                    add(prefix, b=p_total + p)
                elif c == last:
                    add(prefix, nb=p_nb + p)  # "a a" merges into "a"
                    add(prefix + (c,), nb=p_b + p)  # "a - a" is a new "a"
                else:
                    add(prefix + (c,), nb=p_total + p)
        ranked = sorted(nxt.items(), key=lambda kv: -_logaddexp(*kv[1]))
        beams = dict(ranked[:beam_width])
    return [(list(prefix), _logaddexp(*p)) for prefix, p in beams.items()]


def ctc_log_likelihood(log_probs, labels, blank=0):
    """log p(labels | x) by the CTC forward recursion over ``log_probs`` (T, C).

    The labels are interleaved with blanks, ``l' = (-, y_1, -, y_2, ..., y_U, -)`` of length
    2U + 1, and ``alpha_t(s)`` is the log-probability of the paths over frames 1..t that end
    in ``l'_s`` having emitted ``y_1 .. y_{ceil(s/2)}``. Equals ``-torch.nn.CTCLoss(reduction="sum")``.
    Returns ``-inf`` when the labels need more frames than T.
    """
    lp = _as_log_probs(log_probs, blank)
    y = np.asarray(labels, dtype=np.int64).reshape(-1)
    if np.any(y == blank) or np.any(y < 0) or np.any(y >= lp.shape[1]):
        raise ValueError(f"labels must be classes in [0, {lp.shape[1]}) other than blank={blank}, got {y.tolist()}")
    ext = np.full(2 * len(y) + 1, blank)
    ext[1::2] = y  # (2U+1,) labels with blanks around them
    S = len(ext)
    alpha = np.full(S, -np.inf)
    alpha[0] = lp[0, blank]
    if S > 1:
        alpha[1] = lp[0, ext[1]]
    can_skip = (ext != blank) & (ext != np.roll(ext, 2))  # onto a label that differs from l'_{s-2}
    can_skip[:2] = False
    for t in range(1, lp.shape[0]):
        step = np.full(S, -np.inf)
        step[1:] = alpha[:-1]  # from l'_{s-1} at t-1
        skip = np.full(S, -np.inf)
        skip[can_skip] = alpha[np.flatnonzero(can_skip) - 2]  # from l'_{s-2} at t-1
        alpha = np.logaddexp(np.logaddexp(alpha, step), skip) + lp[t, ext]  # alpha: stay on l'_s
    return float(np.logaddexp(alpha[-1], alpha[-2]) if S > 1 else alpha[-1])


def label_error_rate(hypotheses, references):
    """Summed edit distance (substitutions, insertions, deletions) over summed reference length.

    Args:
        hypotheses: a list of label sequences (decoded).
        references: a list of label sequences (true), as many as ``hypotheses``.

    Over a corpus this is the ratio of the sums, not the mean of per-sequence rates: a
    long reference counts more. It can exceed 1 (many insertions). The edit distance is
    ``rapidfuzz.distance.Levenshtein``'s, on sequences of labels.
    """
    from rapidfuzz.distance import Levenshtein

    hypotheses, references = list(hypotheses), list(references)
    if len(hypotheses) != len(references):
        raise ValueError(
            f"hypotheses and references must be lists of the same length, got {len(hypotheses)} and {len(references)}"
        )
    total = sum(len(r) for r in references)
    if total == 0:
        raise ValueError("references must hold at least one label in total, got only empty sequences")
    edits = sum(Levenshtein.distance(list(map(int, h)), list(map(int, r))) for h, r in zip(hypotheses, references))
    return edits / total
