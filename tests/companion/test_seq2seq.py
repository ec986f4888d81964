"""companion.seq2seq: date pairs, attention, the encoder-decoder, decoders and metrics."""

import datetime as dt
import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from companion.seq2seq import (
    BOS,
    EOS,
    PAD,
    AdditiveAttention,
    DotProductAttention,
    Seq2Seq,
    Vocab,
    beam_search,
    char_accuracy,
    date_pairs,
    exact_match,
    fit_seq2seq,
    greedy_decode,
    length_penalty,
    masked_softmax,
    nearest_neighbour_targets,
    split_days,
)


# ------------------------------------------------------------------ data
def test_split_days_gives_disjoint_pools_covering_every_day():
    pools = split_days(0, (0.5, 0.25, 0.25), first=dt.date(2020, 1, 1), last=dt.date(2020, 12, 31))
    assert [len(p) for p in pools] == [183, 91, 92]
    assert sum(len(p) for p in pools) == len(set().union(*pools)) == 366
    assert all(p == sorted(p) for p in pools)


def test_date_pairs_follow_cldr_and_iso():
    days = [dt.date(2021, 3, 3), dt.date(2021, 3, 19)]
    ((src, tgt, loc),) = date_pairs(1, 0, days[:1] + days[:1], locales=("zh_CN",), formats=("full",))
    assert (src, tgt, loc) == ("2021年3月3日星期三", "2021-03-03", "zh_CN")
    ((src, tgt, _),) = date_pairs(1, 0, days[:1] * 2, locales=("fr",), formats=("full",))
    assert src == "mercredi 3 mars 2021"
    ((src, tgt, _),) = date_pairs(1, 0, days, locales=("fr",), p_range=1.0, skeletons=("yMMMd",))
    assert (src, tgt) == ("3–19 mars 2021", "2021-03-03/2021-03-19")


def test_date_pairs_are_reproducible_and_check_arguments():
    days = split_days(0)[2]
    assert date_pairs(20, 5, days, p_range=0.5) == date_pairs(20, 5, days, p_range=0.5)
    with pytest.raises(ValueError, match="p_range"):
        date_pairs(3, 0, days, p_range=1.5)
    with pytest.raises(ValueError, match="days"):
        date_pairs(3, 0, days[:1])
    with pytest.raises(ValueError, match="fractions"):
        split_days(0, (0.5, 0.6))


def test_vocab_round_trip_with_padding():
    vocab = Vocab(["abc", "cd"])
    ids, lengths = vocab.encode(["ab", "dcba"], bos=True, eos=True)
    assert ids.shape == (2, 6) and lengths.tolist() == [4, 6]
    assert ids[0, 0] == BOS and ids[0, 3] == EOS and ids[0, 4:].tolist() == [PAD, PAD]
    assert [vocab.decode(r) for r in ids] == ["ab", "dcba"]
    assert vocab.decode(vocab.encode(["z"])[0][0]) == "<unk>"


# ------------------------------------------------------------- attention
def _attention_inputs(seed=0, N=3, S=5, H=4):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(N, H, generator=g, dtype=torch.float64)
    k = torch.randn(N, S, H, generator=g, dtype=torch.float64)
    v = torch.randn(N, S, 6, generator=g, dtype=torch.float64)
    mask = torch.arange(S)[None, :] < torch.tensor([5, 2, 1])[:, None]  # lengths 5, 2, 1
    return q, k, v, mask


@pytest.mark.parametrize("attention", [AdditiveAttention(4, 4, 7).double(), DotProductAttention(0.5)])
def test_attention_weights_are_a_distribution_over_real_positions(attention):
    q, k, v, mask = _attention_inputs()
    c, a = attention(q, k, v, mask)
    assert c.shape == (3, 6) and a.shape == (3, 5)
    assert (a >= 0).all()
    torch.testing.assert_close(a.sum(dim=1), torch.ones(3, dtype=torch.float64), rtol=0, atol=1e-12)
    assert (a[~mask] == 0).all()  # exactly zero on padding
    assert a[2, 0] == 1.0  # one real position takes all the weight
    torch.testing.assert_close(c[2], v[2, 0])
    # padding values cannot leak into the context
    v2 = v.clone()
    v2[~mask] = 1e6
    torch.testing.assert_close(attention(q, k, v2, mask)[0], c)


def test_dot_attention_equals_torch_scaled_dot_product_attention():
    q, k, v, mask = _attention_inputs(seed=1)
    for scale in (1.0, 1 / math.sqrt(4)):
        c, _ = DotProductAttention(scale)(q, k, v, mask)
        ref = F.scaled_dot_product_attention(q[:, None, :], k, v, attn_mask=mask[:, None, :], scale=scale)
        torch.testing.assert_close(c, ref[:, 0], rtol=1e-12, atol=1e-12)


def test_additive_score_is_v_tanh_wq_q_plus_wk_k():
    q, k, v, mask = _attention_inputs(seed=2)
    att = AdditiveAttention(4, 4, 3).double()
    _, a = att(q, k, v, mask)
    e = torch.stack(
        [
            torch.stack(
                [
                    att.v.weight[0] @ torch.tanh(att.W_q.weight @ q[n] + att.W_k.weight @ k[n, j] + att.W_k.bias)
                    for j in range(5)
                ]
            )
            for n in range(3)
        ]
    )
    torch.testing.assert_close(a, masked_softmax(e, mask))


def test_attention_refuses_bad_shapes():
    q, k, v, mask = _attention_inputs()
    with pytest.raises(ValueError, match=r"mask must be \(N, S\)"):
        DotProductAttention()(q, k, v, mask[:, :4])
    with pytest.raises(ValueError, match="query must be"):
        DotProductAttention()(q[0], k, v, mask)
    with pytest.raises(ValueError, match="same H"):
        DotProductAttention()(q[:, :3], k, v, mask)
    with pytest.raises(ValueError, match="at least one position"):
        masked_softmax(torch.zeros(2, 3), torch.tensor([[True, False, False], [False, False, False]]))


# ----------------------------------------------------------------- model
def _tiny_model(attention="additive", seed=0):
    torch.manual_seed(seed)
    return Seq2Seq(9, 7, hidden_size=8, embed_size=4, attention=attention).double().eval()


def _tiny_batch():
    src = torch.tensor([[4, 5, 6, 7, 8], [5, 6, 0, 0, 0]])
    return src, torch.tensor([5, 2])


def test_encoder_final_states_are_the_ends_of_the_outputs():
    model = _tiny_model()
    src, src_len = _tiny_batch()
    out, summary, mask = model.encode(src, src_len)
    H2 = model.hidden_size // 2
    assert out.shape == (2, 5, 8) and summary.shape == (2, 8)
    for n, L in enumerate(src_len.tolist()):
        torch.testing.assert_close(summary[n, :H2], out[n, L - 1, :H2])  # forward: last real step
        torch.testing.assert_close(summary[n, H2:], out[n, 0, H2:])  # backward: first step
    assert (out[1, 2:] == 0).all() and mask.tolist()[1] == [True, True, False, False, False]


def test_padding_does_not_change_a_sentence_translation():
    model = _tiny_model()
    src, src_len = _tiny_batch()
    tgt_in = torch.tensor([[BOS, 3, 4], [BOS, 5, 6]])
    logits, a = model(src, src_len, tgt_in, return_attention=True)
    alone = model(src[1:, :2], src_len[1:], tgt_in[1:])
    torch.testing.assert_close(logits[1:], alone)
    assert a.shape == (2, 3, 5) and (a[1, :, 2:] == 0).all()


def test_decoder_attends_from_the_previous_state():
    """Bahdanau: the weights of step t come from s_{t-1}, before y_{t-1} is read.

    Changing the input at step 2 (y_1) leaves the weights of steps 1 and 2 as they
    were and changes those of step 3. (Attending from s_t, as Luong et al. do,
    would change step 2's weights too.)
    """
    model = _tiny_model()
    src, src_len = _tiny_batch()
    _, a1 = model(src, src_len, torch.tensor([[BOS, 3, 4], [BOS, 3, 4]]), return_attention=True)
    _, a2 = model(src, src_len, torch.tensor([[BOS, 5, 4], [BOS, 6, 4]]), return_attention=True)
    torch.testing.assert_close(a1[:, :2], a2[:, :2])
    assert (a1[:, 2] - a2[:, 2]).abs().max() > 1e-4


def test_training_fits_a_tiny_reversal_task():
    torch.manual_seed(0)
    vocab = Vocab("abc")
    words = ["".join(w) for w in itertools.product("abc", repeat=3)]
    src, src_len = vocab.encode(words)
    tgt, _ = vocab.encode([w[::-1] for w in words], bos=True, eos=True)
    model = Seq2Seq(len(vocab), len(vocab), 32, 8)
    losses = fit_seq2seq(
        model, src, src_len, tgt, epochs=60, batch_size=27, lr=2e-2, generator=torch.Generator().manual_seed(0)
    )
    assert losses[-1] < 0.1 * losses[0]
    tokens, _ = greedy_decode(model.step, model.start(src, src_len), 5)
    assert exact_match([vocab.decode(r) for r in tokens], [w[::-1] for w in words]) > 0.9


def test_seq2seq_checks_its_arguments():
    with pytest.raises(ValueError, match="attention"):
        Seq2Seq(5, 5, attention="multiplicative")
    with pytest.raises(ValueError, match="even"):
        Seq2Seq(5, 5, hidden_size=7)
    with pytest.raises(ValueError, match="src must be"):
        _tiny_model().encode(torch.zeros(2, 3, dtype=torch.int64), torch.tensor([3]))
    src, src_len = _tiny_batch()
    with pytest.raises(ValueError, match="<bos>"):
        fit_seq2seq(_tiny_model(), src, src_len, torch.tensor([[3, 2], [3, 2]]))


# -------------------------------------------------------------- decoding
class Table:
    """A scripted decoder: next-token probabilities given the prefix; the state is the prefix (b, t)."""

    def __init__(self, probs, V):
        self.probs, self.V = probs, V

    def step(self, y_prev, state):
        state = torch.cat([state, y_prev[:, None]], dim=1)  # (b, t+1), starts with <bos>
        rows = []
        for prefix in state[:, 1:].tolist():
            dist = self.probs.get(tuple(prefix), {EOS: 1.0})
            rows.append([math.log(dist[v]) if v in dist else -math.inf for v in range(self.V)])
        return torch.tensor(rows, dtype=torch.float64), state


def _table_decode(table, width):
    start = torch.zeros(1, 0, dtype=torch.int64)
    if width is None:
        tokens, logp = greedy_decode(table.step, start, 5)
        return tokens[0].tolist(), float(logp[0])
    tokens, logp, _ = beam_search(table.step, start, 5, beam_width=width)
    return tokens, logp


# tokens 4, 5, 6, 7; EOS = 2. Greedy: 4 (0.6), then 5 (0.3), then EOS: P = 0.18.
# Beam 2 keeps 4 and 6 (0.4); after step 2 the prefixes (6, 5) and (6, 7), 0.2 each,
# beat (4, 5) = 0.18, so the greedy path is pruned; both then spread over 10 branches.
COUNTER = {
    (): {4: 0.6, 6: 0.4},
    (4,): {5: 0.3, 6: 0.25, 7: 0.25, EOS: 0.2},
    (4, 5): {EOS: 1.0},
    (6,): {5: 0.5, 7: 0.5},
}
for _first in (5, 7):
    COUNTER[(6, _first)] = {v: 0.25 for v in (4, 5, 6, 7)}


def test_beam_search_can_lose_to_greedy():
    table = Table(COUNTER, 8)
    greedy_tokens, greedy_logp = _table_decode(table, None)
    assert greedy_tokens[:3] == [4, 5, EOS] and greedy_logp == pytest.approx(math.log(0.18))
    beam_tokens, beam_logp = _table_decode(table, 2)
    assert beam_logp < greedy_logp  # pruning is not a guarantee
    wide_tokens, wide_logp = _table_decode(table, 64)
    assert wide_logp >= greedy_logp - 1e-12  # no pruning: exact


def _random_model_states(seed):
    model = _tiny_model(seed=seed)
    src = torch.randint(4, 9, (1, 6), generator=torch.Generator().manual_seed(seed))
    return model, model.start(src, torch.tensor([6]))


@pytest.mark.parametrize("seed", range(5))
def test_beam_width_one_is_greedy(seed):
    model, state = _random_model_states(seed)
    g_tokens, g_logp = greedy_decode(model.step, state, 6)
    b_tokens, b_logp, score = beam_search(model.step, state, 6, beam_width=1)
    g_tokens = g_tokens[0].tolist()
    g_tokens = g_tokens[: g_tokens.index(EOS) + 1] if EOS in g_tokens else g_tokens
    assert b_tokens == g_tokens
    assert b_logp == pytest.approx(float(g_logp[0]), abs=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_exhaustive_beam_finds_the_most_probable_sequence(seed):
    model, state = _random_model_states(seed)
    src = torch.randint(4, 9, (1, 6), generator=torch.Generator().manual_seed(seed))
    V, max_len = 7, 3
    best = -math.inf
    others = [v for v in range(V) if v != EOS]
    for r in range(max_len):  # every sequence that ends with <eos> within max_len tokens
        for body in itertools.product(others, repeat=r):
            y = torch.tensor([(BOS,) + body + (EOS,)])
            with torch.no_grad():
                log_probs = torch.log_softmax(model(src, torch.tensor([6]), y[:, :-1])[0], dim=-1)  # (r+1, V)
            best = max(best, float(log_probs.gather(1, y[0, 1:, None]).sum()))
    tokens, logp, _ = beam_search(model.step, state, max_len, beam_width=V**max_len)
    assert logp == pytest.approx(best, abs=1e-9)
    _, narrow_logp, _ = beam_search(model.step, state, max_len, beam_width=2)
    assert narrow_logp <= logp + 1e-12


def test_length_penalty_and_beam_arguments():
    assert length_penalty(1, 0.0) == 1.0 and length_penalty(7, 1.0) == pytest.approx(2.0)
    model, state = _random_model_states(0)
    with pytest.raises(ValueError, match="beam_width"):
        beam_search(model.step, state, 5, beam_width=0)
    with pytest.raises(ValueError, match="alpha"):
        beam_search(model.step, state, 5, alpha=-1.0)


# --------------------------------------------------------------- metrics
def test_metrics_on_known_values():
    refs = ["2021-03-03", "1999-12-31"]
    assert exact_match(["2021-03-03", "1999-12-30"], refs) == 0.5
    assert char_accuracy(["2021-03-03", "1999-12-30"], refs) == pytest.approx(19 / 20)
    assert char_accuracy(["2021", "1999-12-31"], refs) == pytest.approx(14 / 20)
    with pytest.raises(ValueError, match="same length"):
        exact_match(["a"], refs)


def test_nearest_neighbour_copies_the_closest_training_target():
    train = ["3 mars 2021", "12 juin 1999", "2021年3月3日"]
    targets = ["2021-03-03", "1999-06-12", "2021-03-03"]
    assert nearest_neighbour_targets(train, targets, ["13 juin 1999", "4 mars 2021"]) == ["1999-06-12", "2021-03-03"]
