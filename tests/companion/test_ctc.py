"""Tests of companion.ctc: collapse, decoders, forward recursion against torch, label error rate."""

import itertools
import math

import numpy as np
import pytest
import torch

from companion.ctc import ctc_collapse, ctc_log_likelihood, greedy_decode, label_error_rate, prefix_beam_search


def random_log_probs(T, C, seed, sharp=1.0):
    """(T, C) log-softmax of Gaussian scores; ``sharp`` scales them (peaked posteriors)."""
    scores = sharp * np.random.default_rng(seed).normal(size=(T, C))
    return scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))


def brute_force_labellings(lp, blank=0):
    """p(y | x) of every labelling y, by summing prod_t p_t(pi_t) over all C**T paths."""
    T, C = lp.shape
    totals = {}
    for path in itertools.product(range(C), repeat=T):
        y = tuple(ctc_collapse(path, blank))
        totals[y] = totals.get(y, 0.0) + math.exp(sum(lp[t, c] for t, c in enumerate(path)))
    return totals


# ------------------------------------------------------------------ collapse
def test_collapse_merges_repeats_then_drops_blanks():
    assert ctc_collapse([1, 1, 0, 1, 2, 2, 0, 0]) == [1, 1, 2]
    assert ctc_collapse([0, 0, 0]) == []
    assert ctc_collapse([3, 3, 3]) == [3]
    assert ctc_collapse([2, 0, 2, 2, 1], blank=2) == [0, 1]


def test_greedy_decode_is_collapse_of_frame_argmax():
    lp = np.log(np.array([[0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.9, 0.05, 0.05], [0.1, 0.6, 0.3], [0.1, 0.1, 0.8]]))
    assert greedy_decode(lp) == [1, 1, 2]
    assert greedy_decode(torch.from_numpy(lp)) == [1, 1, 2]  # tensors are accepted


def test_greedy_is_not_always_the_most_probable_labelling():
    # Two frames, blank 0.6 and label 0.4 in each: the best path (blank, blank) gives []
    # with p 0.36, but three paths (1 1, 1 -, - 1) give [1]: p = 0.16 + 0.24 + 0.24 = 0.64.
    p = np.array([[0.6, 0.4], [0.6, 0.4]])
    lp = np.log(p)
    assert greedy_decode(lp) == []
    best, _ = prefix_beam_search(lp, beam_width=4)[0]
    assert best == [1]


# ------------------------------------------------------------ forward recursion
@pytest.mark.parametrize("labels", [[1], [1, 2], [2, 2], [1, 2, 1, 3]])
def test_log_likelihood_matches_torch_ctc_loss(labels):
    T, C = 9, 4
    lp = random_log_probs(T, C, seed=len(labels))
    ours = ctc_log_likelihood(lp, labels)
    torch_loss = torch.nn.CTCLoss(blank=0, reduction="sum")(
        torch.from_numpy(lp)[:, None, :],  # (T, N=1, C)
        torch.tensor([labels]),
        torch.tensor([T]),
        torch.tensor([len(labels)]),
    )
    assert ours == pytest.approx(-torch_loss.item(), rel=1e-10, abs=1e-10)


def test_log_likelihood_matches_brute_force_and_sums_to_one():
    lp = random_log_probs(5, 3, seed=3)
    totals = brute_force_labellings(lp)
    for y, p in totals.items():
        assert ctc_log_likelihood(lp, list(y)) == pytest.approx(math.log(p), abs=1e-12)
    assert sum(totals.values()) == pytest.approx(1.0, abs=1e-12)


def test_log_likelihood_is_minus_inf_when_labels_need_more_frames():
    lp = random_log_probs(3, 3, seed=0)
    assert ctc_log_likelihood(lp, [1, 1]) > -math.inf  # "1 - 1" fits in 3 frames
    assert ctc_log_likelihood(lp, [1, 1, 1]) == -math.inf  # needs 5


# --------------------------------------------------------- prefix beam search
def test_prefix_beam_search_unpruned_gives_exact_probabilities_and_the_best_labelling():
    lp = random_log_probs(5, 3, seed=7, sharp=2.0)
    totals = brute_force_labellings(lp)
    beams = prefix_beam_search(lp, beam_width=1000)
    assert len(beams) == len(totals)
    for labels, logp in beams:
        assert logp == pytest.approx(math.log(totals[tuple(labels)]), abs=1e-12)
    assert tuple(beams[0][0]) == max(totals, key=totals.get)
    assert [b[1] for b in beams] == sorted((b[1] for b in beams), reverse=True)


def test_prefix_beam_search_small_beam_and_pruning_find_the_best_on_peaked_posteriors():
    lp = random_log_probs(6, 4, seed=11, sharp=4.0)
    totals = brute_force_labellings(lp)
    best = list(max(totals, key=totals.get))
    assert prefix_beam_search(lp, beam_width=4)[0][0] == best
    assert prefix_beam_search(lp, beam_width=4, prune=math.log(1e-3))[0][0] == best
    assert len(prefix_beam_search(lp, beam_width=2)) <= 2


def test_beam_width_one_without_pruning_scores_the_kept_prefix_only():
    lp = random_log_probs(4, 3, seed=5)
    ((labels, logp),) = prefix_beam_search(lp, beam_width=1)
    assert logp <= ctc_log_likelihood(lp, labels) + 1e-12  # paths outside the beam are lost


# ------------------------------------------------------------ label error rate
def test_label_error_rate_known_values():
    assert label_error_rate([[1, 2, 3]], [[1, 2, 3]]) == 0.0
    assert label_error_rate([[1, 3]], [[1, 2, 3]]) == pytest.approx(1 / 3)  # one deletion
    assert label_error_rate([[1, 2, 2, 3]], [[1, 2, 3]]) == pytest.approx(1 / 3)  # one insertion
    # corpus rate: (1 + 2) edits over (3 + 2) labels, not the mean of 1/3 and 1
    assert label_error_rate([[1, 2, 4], [5, 5]], [[1, 2, 3], [6, 7]]) == pytest.approx(3 / 5)
    assert label_error_rate([[1, 2, 3, 4]], [[9]]) == pytest.approx(4.0)  # can exceed 1
    assert label_error_rate([np.array([7, 8])], [np.array([8])]) == pytest.approx(1.0)


def test_label_error_rate_matches_a_plain_dynamic_program():
    def edit_distance(a, b):
        d = np.arange(len(b) + 1)
        for i, x in enumerate(a, 1):
            prev, d[0] = d.copy(), i
            for j, y in enumerate(b, 1):
                d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (x != y))
        return d[-1]

    rng = np.random.default_rng(0)
    hyps = [list(rng.integers(1, 4, size=rng.integers(0, 7))) for _ in range(30)]
    refs = [list(rng.integers(1, 4, size=rng.integers(1, 7))) for _ in range(30)]
    expected = sum(edit_distance(h, r) for h, r in zip(hyps, refs)) / sum(map(len, refs))
    assert label_error_rate(hyps, refs) == pytest.approx(expected)


# -------------------------------------------------------------------- errors
def test_bad_inputs_raise_value_errors_naming_the_argument():
    with pytest.raises(ValueError, match=r"log_probs must have shape \(T, C\).*\(2, 3, 4\)"):
        greedy_decode(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="blank must be a class index"):
        prefix_beam_search(np.zeros((3, 4)), blank=4)
    with pytest.raises(ValueError, match="beam_width must be an integer >= 1"):
        prefix_beam_search(np.zeros((3, 4)), beam_width=0)
    with pytest.raises(ValueError, match="labels must be classes"):
        ctc_log_likelihood(np.zeros((3, 4)), [1, 0])
    with pytest.raises(ValueError, match="same length"):
        label_error_rate([[1]], [[1], [2]])
    with pytest.raises(ValueError, match="references must hold at least one label"):
        label_error_rate([[1]], [[]])
