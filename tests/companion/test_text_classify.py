"""Tests of companion.text_classify, and of bidirectional parity between companion.torch_nn and torch.nn."""

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from companion import torch_nn
from companion.models import SequenceToOne
from companion.text_classify import (
    PAD,
    UNK,
    BucketBatchSampler,
    RNNTextClassifier,
    Vocabulary,
    lengths_from_padding,
    pad_batch,
    paired_bootstrap,
    tokenize_en,
    tokenize_zh,
    wilson_interval,
)


# ------------------------------------------------------------------ tokens
def test_tokenize_en_splits_negations_clitics_and_punctuation():
    assert tokenize_en("It isn't bad, it's GOOD!") == ["it", "is", "n't", "bad", ",", "it", "'s", "good", "!"]
    assert tokenize_en("I can't, we'd ''Conan''") == ["i", "ca", "n't", ",", "we", "'d", "''", "conan", "''"]
    assert tokenize_en("   ") == []


def test_tokenize_zh_words_and_characters():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    assert tokenize_zh("质量还不错") == ["质量", "还", "不错"]
    assert tokenize_zh("不 满意") == ["不", "满意"]  # whitespace dropped
    assert tokenize_zh("不 满意", unit="char") == ["不", "满", "意"]


def test_tokenizers_check_their_arguments():
    with pytest.raises(TypeError, match="text must be a str, got list"):
        tokenize_en(["a"])
    with pytest.raises(ValueError, match=r"unit must be one of \('word', 'char'\), got 'byte'"):
        tokenize_zh("好", unit="byte")


# -------------------------------------------------------------- vocabulary
def test_vocabulary_orders_by_count_and_maps_unknowns():
    vocab = Vocabulary.build([["b", "a", "b"], ["c", "a", "b", "d"]], min_count=2)
    assert vocab.itos == [PAD, UNK, "b", "a"]  # b: 3, a: 2; c and d seen once
    assert len(vocab) == 4 and vocab.pad_id == 0 and vocab.unk_id == 1
    assert vocab.encode(["a", "b", "zzz"]) == [3, 2, 1]
    assert vocab.decode([3, 2, 1, 0]) == ["a", "b", UNK, PAD]
    ties = Vocabulary.build([["y", "x"], ["x", "y"]])
    assert ties.itos[2:] == ["y", "x"]  # equal counts: first seen first
    assert Vocabulary.build([["a", "a", "b"]], max_size=3).itos == [PAD, UNK, "a"]


def test_vocabulary_refuses_strings_and_bad_tables():
    with pytest.raises(TypeError, match="tokenise first"):
        Vocabulary.build(["a sentence"])
    with pytest.raises(TypeError, match="tokenise first"):
        Vocabulary.build([["a"]]).encode("a")
    with pytest.raises(ValueError, match=r"itos must start with \['<pad>', '<unk>'\]"):
        Vocabulary(["a", "b"])
    with pytest.raises(ValueError, match="min_count must be an integer >= 1, got 0"):
        Vocabulary.build([["a"]], min_count=0)


# ----------------------------------------------------------------- padding
def test_pad_batch_right_pads_and_truncates():
    ids, lengths = pad_batch([[5, 6, 7], [8], [9, 10]])
    assert ids.dtype == torch.int64 and lengths.dtype == torch.int64
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0], [9, 10, 0]]
    assert lengths.tolist() == [3, 1, 2]
    ids, lengths = pad_batch([[5, 6, 7], [8]], max_len=2, pad_id=-1)
    assert ids.tolist() == [[5, 6], [8, -1]] and lengths.tolist() == [2, 1]
    torch.testing.assert_close(lengths_from_padding(pad_batch([[5, 6, 7], [8]])[0]), torch.tensor([3, 1]))


def test_pad_batch_and_lengths_refuse_bad_input():
    with pytest.raises(ValueError, match="sequences must all have length >= 1, got an empty one at index 1"):
        pad_batch([[1], []])
    with pytest.raises(ValueError, match="sequences must hold at least one sequence"):
        pad_batch([])
    with pytest.raises(ValueError, match="row 1 has a pad before a token"):
        lengths_from_padding(torch.tensor([[3, 4], [0, 5]]))  # left padding
    with pytest.raises(ValueError, match="row 0 is all padding"):
        lengths_from_padding(torch.tensor([[0, 0], [5, 0]]))
    with pytest.raises(ValueError, match=r"ids: expected a \(N, T\) tensor of token ids, got \(3,\)"):
        lengths_from_padding(torch.tensor([1, 2, 3]))


# -------------------------------------------------------------- classifier
def _batch():
    return pad_batch([[2, 3, 4, 5, 6], [7, 8], [9, 10, 11, 2, 3, 4, 5, 6], [3]])


@pytest.mark.parametrize("cell", ["GRU", "LSTM"])
@pytest.mark.parametrize("bidirectional", [True, False])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_padding_does_not_change_the_logits(cell, bidirectional, num_layers):
    torch.manual_seed(0)
    model = RNNTextClassifier(12, 5, 4, 3, cell=cell, bidirectional=bidirectional, num_layers=num_layers).double()
    ids, lengths = _batch()
    batch = model(ids, lengths)
    assert batch.shape == (4, 3)
    for i, T_i in enumerate(lengths.tolist()):
        alone = model(ids[i : i + 1, :T_i])  # no padding at all
        torch.testing.assert_close(batch[i : i + 1], alone, rtol=0, atol=1e-12)
    torch.testing.assert_close(model(ids), batch, rtol=0, atol=0)  # lengths read from the padding


@pytest.mark.parametrize("cell", ["GRU", "LSTM"])
def test_summary_is_forward_at_true_end_and_backward_at_start(cell):
    torch.manual_seed(1)
    H = 4
    model = RNNTextClassifier(12, 5, H, cell=cell, num_layers=2).double()
    ids, lengths = _batch()
    output, state = model.encode(ids, lengths)
    h_n = state[0] if cell == "LSTM" else state
    assert output.shape == (4, ids.shape[1], 2 * H) and h_n.shape == (2 * 2, 4, H)
    rows = torch.arange(4)
    forward_last = output[rows, lengths - 1, :H]  # (N, H): each row at its own T_i
    backward_first = output[:, 0, H:]
    torch.testing.assert_close(forward_last, h_n[-2], rtol=0, atol=1e-15)
    torch.testing.assert_close(backward_first, h_n[-1], rtol=0, atol=1e-15)
    torch.testing.assert_close(model.summary(ids, lengths), torch.cat([forward_last, backward_first], dim=1))
    for i, T_i in enumerate(lengths.tolist()):
        assert torch.all(output[i, T_i:] == 0)
    # the naive last column is the final forward state only for the longest row
    assert torch.equal(output[2, -1, :H], h_n[-2, 2])
    assert not torch.allclose(output[0, -1, :H], h_n[-2, 0])


def test_classifier_equals_torch_gru_run_on_each_sentence_alone():
    torch.manual_seed(2)
    model = RNNTextClassifier(12, 5, 4, 2).double()
    gru = nn.GRU(5, 4, batch_first=True, bidirectional=True).double()
    gru.load_state_dict(model.rnn.state_dict())
    ids, lengths = _batch()
    for i, T_i in enumerate(lengths.tolist()):
        _, h_n = gru(model.embedding(ids[i : i + 1, :T_i]))
        expected = model.head(torch.cat([h_n[0], h_n[1]], dim=1))
        torch.testing.assert_close(model(ids, lengths)[i : i + 1], expected, rtol=0, atol=1e-12)


def test_padding_row_of_the_embedding_is_zero_and_untrained():
    torch.manual_seed(3)
    model = RNNTextClassifier(12, 5, 4)
    assert torch.all(model.embedding.weight[0] == 0)
    ids, lengths = _batch()
    model(ids, lengths).sum().backward()
    assert torch.all(model.embedding.weight.grad[0] == 0)


def test_classifier_checks_its_arguments():
    model = RNNTextClassifier(12, 5, 4)
    ids, lengths = _batch()
    with pytest.raises(ValueError, match=r"lengths: expected shape \(4,\), one per row of ids, got \(3,\)"):
        model(ids, lengths[:3])
    with pytest.raises(ValueError, match=r"lengths: expected values in \[1, T=8\], got min 0"):
        model(ids, torch.tensor([5, 2, 8, 0]))
    with pytest.raises(ValueError, match=r"ids: expected a \(N, T\) tensor of token ids, got \(8,\)"):
        model(ids[0])
    with pytest.raises(ValueError, match=r"cell must be one of \('GRU', 'LSTM'\), got 'RNN'"):
        RNNTextClassifier(12, 5, 4, cell="RNN")
    with pytest.raises(ValueError, match="vocab_size must be an integer >= 2, got 1"):
        RNNTextClassifier(1, 5, 4)


# ------------------------------------------------------------ bucket batches
def test_bucket_batches_cover_everything_once_with_similar_lengths():
    lengths = np.array([5, 1, 9, 3, 3, 7, 2, 8, 4, 6])
    sampler = BucketBatchSampler(lengths, 3, rng=0)
    assert len(sampler) == 4
    for _ in range(2):  # two epochs
        batches = list(sampler)
        assert sorted(i for b in batches for i in b) == list(range(10))
        spans = sorted((lengths[b].min(), lengths[b].max()) for b in batches)
        assert all(hi <= lo2 for (_, hi), (lo2, _) in zip(spans, spans[1:]))  # batches do not overlap in length
    assert [list(b) for b in BucketBatchSampler(lengths, 3, rng=5)] == [
        list(b) for b in BucketBatchSampler(lengths, 3, rng=5)
    ]


def test_bucket_sampler_checks_its_arguments():
    with pytest.raises(ValueError, match=r"lengths: expected a non-empty \(n,\) array, got shape \(0,\)"):
        BucketBatchSampler([], 3, rng=0)
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        BucketBatchSampler([1, 2], 2.0, rng=0)


# ---------------------------------------------------------------- intervals
@pytest.mark.parametrize("k, n", [(8, 10), (0, 10), (10, 10), (1613, 2015), (1, 3)])
def test_wilson_interval_matches_statsmodels(k, n):
    from statsmodels.stats.proportion import proportion_confint

    for level in (0.9, 0.95):
        expected = proportion_confint(k, n, alpha=1 - level, method="wilson")
        np.testing.assert_allclose(wilson_interval(k, n, level=level), expected, rtol=0, atol=1e-12)
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)


def test_wilson_interval_checks_its_arguments():
    with pytest.raises(ValueError, match=r"successes must be in \[0, n=10\], got 11"):
        wilson_interval(11, 10)
    with pytest.raises(ValueError, match=r"level must be in \(0, 1\), got 95"):
        wilson_interval(5, 10, level=95)


def test_paired_bootstrap():
    rng = np.random.default_rng(0)
    a = rng.random(500) < 0.8
    d, low, high = paired_bootstrap(a, a, rng=1)
    assert d == 0 and low == 0 and high == 0  # identical classifiers: no difference in any resample
    b = a.copy()
    b[np.flatnonzero(a)[:50]] = False  # B is wrong on 50 items where A is right
    d, low, high = paired_bootstrap(a, b, rng=1)
    assert d == pytest.approx(0.1) and 0 < low < 0.1 < high < 0.2
    with pytest.raises(ValueError, match=r"expected two \(n,\) arrays of the same n >= 1, got \(3,\) and \(2,\)"):
        paired_bootstrap([1, 0, 1], [1, 0], rng=0)


# ------------------------------------- companion.torch_nn: bidirectional parity
@pytest.mark.parametrize("cell", ["GRU", "LSTM", "RNN"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_companion_bidirectional_layer_matches_torch(cell, num_layers):
    """SequenceToOne(..., bidirectional=True) on companion.torch_nn: same output, h_n and logits as torch.nn."""
    torch.manual_seed(4)
    ref = SequenceToOne(3, 5, 2, cell=cell, num_layers=num_layers, bidirectional=True).double()
    ours = SequenceToOne(3, 5, 2, cell=cell, num_layers=num_layers, bidirectional=True, layers=torch_nn).double()
    ours.load_state_dict(ref.state_dict())  # the same keys, with the _reverse suffix for the backward direction
    x = torch.randn(4, 6, 3, dtype=torch.float64)
    out_ref, state_ref = ref.rnn(x)
    out, state = ours.rnn(x)
    assert out.shape == (4, 6, 2 * 5)
    torch.testing.assert_close(out, out_ref, rtol=0, atol=1e-12)
    for s, s_ref in zip(state if cell == "LSTM" else (state,), state_ref if cell == "LSTM" else (state_ref,)):
        assert s.shape == (num_layers * 2, 4, 5)
        torch.testing.assert_close(s, s_ref, rtol=0, atol=1e-12)
    torch.testing.assert_close(ours(x), ref(x), rtol=0, atol=1e-12)
    # h_n[-2] is the forward direction after step T, h_n[-1] the backward one after step 1
    h_n = state[0] if cell == "LSTM" else state
    torch.testing.assert_close(h_n[-2], out[:, -1, :5], rtol=0, atol=0)
    torch.testing.assert_close(h_n[-1], out[:, 0, 5:], rtol=0, atol=0)


@pytest.mark.parametrize("cell", ["GRU", "LSTM"])
def test_companion_layer_on_each_sequence_equals_torch_on_the_packed_batch(cell):
    """companion.torch_nn takes no PackedSequence; run on each sequence alone it gives torch's packed results."""
    torch.manual_seed(5)
    ref = getattr(nn, cell)(3, 5, num_layers=2, batch_first=True, bidirectional=True).double()
    ours = getattr(torch_nn, cell)(3, 5, num_layers=2, batch_first=True, bidirectional=True).double()
    ours.load_state_dict(ref.state_dict())
    lengths = torch.tensor([6, 2, 4])
    x = torch.randn(3, 6, 3, dtype=torch.float64)
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out_packed, state_ref = ref(packed)
    out_ref, _ = pad_packed_sequence(out_packed, batch_first=True)  # (N, T, 2H), zeros after T_i
    h_ref = state_ref[0] if cell == "LSTM" else state_ref
    for i, T_i in enumerate(lengths.tolist()):
        out_i, state_i = ours(x[i : i + 1, :T_i])
        h_i = state_i[0] if cell == "LSTM" else state_i
        torch.testing.assert_close(out_i[0], out_ref[i, :T_i], rtol=0, atol=1e-12)
        torch.testing.assert_close(h_i[:, 0], h_ref[:, i], rtol=0, atol=1e-12)
    with pytest.raises(TypeError, match="PackedSequence is not supported by companion.torch_nn"):
        ours(packed)
