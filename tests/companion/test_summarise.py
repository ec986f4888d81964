"""companion.summarise: tokens, the word vocabulary, baselines, ROUGE, bootstrap and the group split."""

import numpy as np
import pytest
import torch

from companion.seq2seq import BOS, EOS, PAD, UNK, Seq2Seq, fit_seq2seq, translate
from companion.summarise import (
    WordVocab,
    bootstrap_ci,
    group_split,
    lead,
    retrieve_targets,
    rouge_f1,
    tokenize,
)


def test_tokenize_splits_words_and_punctuation_and_lowercases():
    assert tokenize("Fair's Affairs: 601 obs.") == ["fair's", "affairs", ":", "601", "obs", "."]
    assert tokenize("1880-1886, US") == ["1880", "-", "1886", ",", "us"]
    assert tokenize("  ") == []
    with pytest.raises(TypeError, match="text"):
        tokenize(3)


def test_word_vocab_round_trip_unknown_words_and_order():
    v = WordVocab(["the cat sat", "the dog sat", "a cat"], min_count=2)
    assert v.itos[:4] == ["<pad>", "<bos>", "<eos>", "<unk>"]
    assert v.itos[4:] == ["cat", "sat", "the"]  # count 2 each, then alphabetical; 'dog', 'a' are rare
    assert WordVocab(["a cat", "the dog sat", "the cat sat"], min_count=2).itos == v.itos  # order-free
    ids, lengths = v.encode(["the cat", "the dog sat"], bos=True, eos=True)
    assert lengths.tolist() == [4, 5]
    assert ids.tolist() == [[BOS, 6, 4, EOS, PAD], [BOS, 6, UNK, 5, EOS]]
    assert v.decode(ids[1]) == "the <unk> sat"
    assert v.decode([4, EOS, 5]) == "cat"  # stops at <eos>
    assert v.coverage(["the dog sat"]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="texts"):
        v.encode(["the cat", "..."[:0]])
    with pytest.raises(ValueError, match="min_count"):
        WordVocab(["a"], min_count=0)


def test_word_vocab_drives_the_seq2seq_of_the_translation_page():
    """WordVocab has Vocab's interface: the model learns to copy the first word of 3-word texts."""
    words = "alpha beta gamma delta epsilon zeta".split()
    rng = np.random.default_rng(0)
    texts = [" ".join(rng.choice(words, 3)) for _ in range(300)]
    targets = [t.split()[0] for t in texts]
    v = WordVocab(texts)
    src, src_len = v.encode(texts)
    tgt, _ = v.encode(targets, bos=True, eos=True)
    torch.manual_seed(0)
    model = Seq2Seq(len(v), len(v), hidden_size=16, embed_size=8)
    fit_seq2seq(model, src, src_len, tgt, epochs=15, batch_size=32, lr=1e-2, generator=torch.Generator().manual_seed(0))
    out = translate(model, v, v, texts[:50], max_len=4)
    assert np.mean([o == t for o, t in zip(out, targets[:50])]) > 0.9


def test_lead_takes_the_first_k_words():
    assert lead("Time series of  the numbers of users.", 3) == "Time series of"
    assert lead("two words", 5) == "two words"
    with pytest.raises(ValueError, match="k"):
        lead("a b", 0)


def test_retrieve_targets_returns_the_target_of_the_closest_source():
    train_src = ["monthly sunspot numbers", "daily stock prices of a bank", "weights of chicks on diets"]
    train_tgt = ["Sunspots", "Bank stock", "Chick weights"]
    assert retrieve_targets(train_src, train_tgt, ["yearly sunspot counts", "chick diets"]) == [
        "Sunspots",
        "Chick weights",
    ]
    with pytest.raises(ValueError, match="train_targets"):
        retrieve_targets(train_src, train_tgt[:2], ["x"])


def test_rouge_f1_matches_hand_counts():
    # reference 4 tokens, prediction 3 tokens; after stemming 'prices' -> 'price'
    scores = rouge_f1(["stock price data", "nothing alike"], ["Daily Stock Prices Data", "Sunspots"])
    # unigrams: overlap 3 -> P = 3/3, R = 3/4, F = 6/7
    # bigrams: ref {daily stock, stock price, price data}, pred {stock price, price data} -> P = 1, R = 2/3, F = 0.8
    # LCS = 3 -> same as ROUGE-1
    np.testing.assert_allclose(scores[0], [6 / 7, 0.8, 6 / 7])
    np.testing.assert_allclose(scores[1], [0, 0, 0])
    assert scores.shape == (2, 3)
    with pytest.raises(ValueError, match="predictions and references"):
        rouge_f1(["a"], ["a", "b"])


def test_rouge_l_uses_the_longest_common_subsequence():
    # LCS of 'a b c d' and 'a c b d' is 3 (a b d or a c d); unigrams all match; bigrams none
    ((r1, r2, rl),) = rouge_f1(["alpha gamma beta delta"], ["alpha beta gamma delta"])
    assert (r1, r2) == (1.0, 0.0)
    assert rl == pytest.approx(0.75)


def test_bootstrap_ci_brackets_the_mean_and_shrinks_with_n():
    rng = np.random.default_rng(0)
    small = rng.random(50)
    large = rng.random(5000)
    m, lo, hi = bootstrap_ci(small, 0)
    assert m == pytest.approx(small.mean()) and lo < m < hi
    _, lo2, hi2 = bootstrap_ci(large, 0)
    assert (hi2 - lo2) < (hi - lo) / 5  # width ~ 1/sqrt(n): 10 times smaller
    # the 95% interval of a mean of uniforms: about +-1.96 * sqrt(1/12 / n)
    assert hi2 - lo2 == pytest.approx(2 * 1.96 * np.sqrt(1 / 12 / 5000), rel=0.15)
    m, lo, hi = bootstrap_ci(np.c_[small, 2 * small], 0)
    assert m.shape == lo.shape == (2,) and lo[1] == pytest.approx(2 * lo[0])
    assert bootstrap_ci(small, 3) == bootstrap_ci(small, 3)
    with pytest.raises(ValueError, match="values"):
        bootstrap_ci([1.0], 0)
    with pytest.raises(ValueError, match="level"):
        bootstrap_ci(small, 0, level=1.5)


def test_group_split_keeps_groups_together_and_is_seeded():
    groups = ["a", "b", "a", "c", "d", "e", "b", "f", "g", "h"]
    tr, va, te = group_split(groups, 0, (0.6, 0.2, 0.2))
    assert sorted(np.concatenate([tr, va, te]).tolist()) == list(range(10))
    sides = [{groups[i] for i in s} for s in (tr, va, te)]
    assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])
    assert [len(s) for s in sides] == [5, 1, 2]  # 8 groups: bounds round(4.8, 6.4, 8) = 5, 6, 8
    assert all((a == b).all() for a, b in zip(group_split(groups, 0, (0.6, 0.2, 0.2)), (tr, va, te)))
    with pytest.raises(ValueError, match="fractions"):
        group_split(groups, 0, (0.5, 0.6))
    with pytest.raises(ValueError, match="groups"):
        group_split(["a", "a"], 0)
