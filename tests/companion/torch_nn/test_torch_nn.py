"""Tests of companion.torch_nn: parity with torch.nn in float64, state dicts, dropout, checks."""

import math

import pytest
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence

from companion.torch_nn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

T, N, D, H = 5, 3, 4, 6
ATOL_VALUES = 1e-10
ATOL_GRADS = 1e-9

# kind -> (our class, torch.nn class, extra constructor kwargs)
LAYERS = {
    "rnn_tanh": (RNN, nn.RNN, {"nonlinearity": "tanh"}),
    "rnn_relu": (RNN, nn.RNN, {"nonlinearity": "relu"}),
    "lstm": (LSTM, nn.LSTM, {}),
    "gru": (GRU, nn.GRU, {}),
}
CELLS = {
    "rnn_tanh": (RNNCell, nn.RNNCell, {"nonlinearity": "tanh"}),
    "rnn_relu": (RNNCell, nn.RNNCell, {"nonlinearity": "relu"}),
    "lstm": (LSTMCell, nn.LSTMCell, {}),
    "gru": (GRUCell, nn.GRUCell, {}),
}


def assert_close(actual, expected, atol):
    torch.testing.assert_close(actual, expected, atol=atol, rtol=0)


def make_pair(table, kind, ours_to_torch=False, **kwargs):
    """Our module and the torch.nn module in float64, holding the same weights.

    The two are initialised with different random draws, then the weights are
    copied with ``load_state_dict(strict=True)``: torch -> ours, or ours -> torch.
    """
    ours_cls, torch_cls, extra = table[kind]
    torch.manual_seed(0)
    ref = torch_cls(D, H, **extra, **kwargs).double()
    ours = ours_cls(D, H, **extra, **kwargs).double()
    assert not torch.equal(ours.weight_hh_l0 if hasattr(ours, "weight_hh_l0") else ours.weight_hh,
                           ref.weight_hh_l0 if hasattr(ref, "weight_hh_l0") else ref.weight_hh)
    if ours_to_torch:
        ref.load_state_dict(ours.state_dict(), strict=True)
    else:
        ours.load_state_dict(ref.state_dict(), strict=True)
    return ours, ref


def run_with_grads(model, x, hx, weights):
    """Forward, then gradients of a scalar loss w.r.t. input, initial states and parameters.

    ``hx`` is None, a tensor or a tuple of tensors; ``weights`` = (w_out, w_states...)
    are fixed random tensors that make the loss depend on every output value.
    """
    x = x.clone().requires_grad_()
    hx_leaves = [] if hx is None else [h.clone().requires_grad_() for h in (hx if isinstance(hx, tuple) else (hx,))]
    hx_arg = None if hx is None else (tuple(hx_leaves) if isinstance(hx, tuple) else hx_leaves[0])
    out, states = model(x, hx_arg)
    states = states if isinstance(states, tuple) else (states,)
    loss = (out * weights[0]).sum() + sum((s * w).sum() for s, w in zip(states, weights[1:]))
    names, params = zip(*model.named_parameters())
    grads = torch.autograd.grad(loss, [x, *hx_leaves, *params])
    return out, states, dict(zip(["input", *[f"hx{i}" for i in range(len(hx_leaves))], *names], grads))


def assert_parity(ours, ref, x, hx):
    """Outputs, final states and all gradients of ours and ref agree in float64."""
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        out_ref, states_ref = ref(x, hx)
    states_ref = states_ref if isinstance(states_ref, tuple) else (states_ref,)
    weights = [torch.randn(t.shape, generator=g, dtype=torch.float64) for t in (out_ref, *states_ref)]

    out_o, states_o, grads_o = run_with_grads(ours, x, hx, weights)
    out_r, states_r, grads_r = run_with_grads(ref, x, hx, weights)
    assert out_o.shape == out_r.shape
    assert_close(out_o, out_r, ATOL_VALUES)
    assert len(states_o) == len(states_r)
    for s_o, s_r in zip(states_o, states_r):
        assert s_o.shape == s_r.shape
        assert_close(s_o, s_r, ATOL_VALUES)
    assert grads_o.keys() == grads_r.keys()
    for name in grads_r:
        assert grads_r[name].abs().max() > 0, f"gradient of {name} is zero: the test would not see a bug"
        assert_close(grads_o[name], grads_r[name], ATOL_GRADS)


def random_state(kind, shape):
    """A random initial state of ``shape`` (a tuple (h, c) for the LSTM)."""
    if kind == "lstm":
        return (torch.randn(shape, dtype=torch.float64), torch.randn(shape, dtype=torch.float64))
    return torch.randn(shape, dtype=torch.float64)


# ---------------------------------------------------------------------------
# Parity with torch.nn, float64
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize(
    "bias, given_hx, ours_to_torch",
    [(True, True, False), (False, False, True)],  # the full grid would double the test time
)
def test_layer_matches_torch(kind, num_layers, bidirectional, batch_first, bias, given_hx, ours_to_torch):
    torch.manual_seed(2)
    ours, ref = make_pair(
        LAYERS, kind, ours_to_torch=ours_to_torch, num_layers=num_layers, bias=bias,
        bidirectional=bidirectional, batch_first=batch_first,
    )
    x = torch.randn((N, T, D) if batch_first else (T, N, D), dtype=torch.float64)
    L_dirs = num_layers * (2 if bidirectional else 1)
    hx = random_state(kind, (L_dirs, N, H)) if given_hx else None
    assert_parity(ours, ref, x, hx)


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("given_hx", [False, True])
def test_layer_matches_torch_unbatched(kind, bidirectional, given_hx):
    torch.manual_seed(3)
    ours, ref = make_pair(LAYERS, kind, num_layers=2, bidirectional=bidirectional, batch_first=True)
    x = torch.randn(T, D, dtype=torch.float64)  # (T, D): batch_first does not apply
    hx = random_state(kind, (2 * (2 if bidirectional else 1), H)) if given_hx else None
    out, _ = ours(x, hx)
    assert out.shape == (T, (2 if bidirectional else 1) * H)
    assert_parity(ours, ref, x, hx)


@pytest.mark.parametrize("kind", LAYERS)
def test_three_layers_bidirectional_matches_torch(kind):
    torch.manual_seed(4)
    ours, ref = make_pair(LAYERS, kind, ours_to_torch=True, num_layers=3, bias=False, bidirectional=True)
    x = torch.randn(T, N, D, dtype=torch.float64)
    assert_parity(ours, ref, x, random_state(kind, (6, N, H)))


# An LSTM with projections (proj_size = P): h has P numbers, c has H.
P = 2


@pytest.mark.parametrize("num_layers", [1, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bias, given_hx, ours_to_torch", [(True, True, False), (False, False, True)])
def test_lstm_with_projection_matches_torch(num_layers, bidirectional, batch_first, bias, given_hx, ours_to_torch):
    torch.manual_seed(12)
    ours, ref = make_pair(
        LAYERS, "lstm", ours_to_torch=ours_to_torch, num_layers=num_layers, bias=bias,
        bidirectional=bidirectional, batch_first=batch_first, proj_size=P,
    )
    dirs = 2 if bidirectional else 1
    x = torch.randn((N, T, D) if batch_first else (T, N, D), dtype=torch.float64)
    hx = None
    if given_hx:
        hx = (torch.randn(num_layers * dirs, N, P, dtype=torch.float64),
              torch.randn(num_layers * dirs, N, H, dtype=torch.float64))
    out, (h_n, c_n) = ours(x, hx)
    assert out.shape[-1] == dirs * P
    assert h_n.shape == (num_layers * dirs, N, P) and c_n.shape == (num_layers * dirs, N, H)
    assert_parity(ours, ref, x, hx)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("given_hx", [False, True])
def test_lstm_with_projection_unbatched_matches_torch(bidirectional, given_hx):
    torch.manual_seed(13)
    ours, ref = make_pair(LAYERS, "lstm", num_layers=2, bidirectional=bidirectional, proj_size=P)
    LD = 2 * (2 if bidirectional else 1)
    x = torch.randn(T, D, dtype=torch.float64)
    hx = (torch.randn(LD, P, dtype=torch.float64), torch.randn(LD, H, dtype=torch.float64)) if given_hx else None
    assert_parity(ours, ref, x, hx)


def test_lstm_with_projection_state_dict_and_init_match_torch():
    torch.manual_seed(14)
    ours = LSTM(D, H, num_layers=2, bidirectional=True, proj_size=P)
    torch.manual_seed(14)
    ref = nn.LSTM(D, H, num_layers=2, bidirectional=True, proj_size=P)
    sd_o, sd_r = ours.state_dict(), ref.state_dict()
    assert list(sd_o) == list(sd_r)
    assert "weight_hr_l1_reverse" in sd_o
    assert sd_o["weight_hr_l0"].shape == (P, H)
    assert sd_o["weight_hh_l0"].shape == (4 * H, P)
    assert sd_o["weight_ih_l1"].shape == (4 * H, 2 * P)  # layer 1 reads both directions' h
    for k in sd_r:
        assert torch.equal(sd_o[k], sd_r[k]), k
    assert repr(ours) == repr(ref)


def test_lstm_projection_is_applied_to_h_not_c():
    # With W_hr = [I_P 0], h_t is the first P entries of o_t * tanh(c_t).
    torch.manual_seed(15)
    plain = LSTM(D, H).double()
    proj = LSTM(D, H, proj_size=H - 1).double()
    x = torch.randn(T, N, D, dtype=torch.float64)
    with torch.no_grad():
        for name in ("weight_ih_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(proj, name).copy_(getattr(plain, name))
        plain.weight_hh_l0[:, H - 1] = 0.0  # the unit that the projection drops feeds nothing back
        proj.weight_hh_l0.copy_(plain.weight_hh_l0[:, : H - 1])
        proj.weight_hr_l0.copy_(torch.eye(H)[: H - 1])
    out_p, (h_p, c_p) = proj(x)
    out, (h, c) = plain(x)
    assert_close(c_p, c, 1e-14)
    assert_close(out_p, out[..., : H - 1], 1e-14)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.LSTM(D, H, proj_size=-1),
        lambda lib: lib.LSTM(D, H, proj_size=H),
        lambda lib: lib.LSTM(D, H, proj_size=H + 3),
        lambda lib: lib.GRU(D, H, proj_size=2),
        lambda lib: lib.RNN(D, H, proj_size=2),
    ],
    ids=["negative", "equal to H", "above H", "GRU", "RNN"],
)
def test_bad_proj_size_raises_like_torch(make):
    import companion.torch_nn as ours

    with pytest.raises(ValueError):
        make(nn)
    with pytest.raises(ValueError, match=r"proj_size: "):
        make(ours)


def test_proj_size_must_be_an_int():
    with pytest.raises(TypeError, match=r"proj_size: expected an int, got 1.5"):
        LSTM(D, H, proj_size=1.5)


def test_bad_hx_shape_with_projection():
    model = LSTM(D, H, proj_size=P)
    x = torch.randn(T, N, D)
    with pytest.raises(ValueError,
                       match=r"hx\[0\]: expected shape \(1, 3, 2\) = \(num_layers \* num_directions, N, proj_size\)"):
        model(x, (torch.zeros(1, N, H), torch.zeros(1, N, H)))
    with pytest.raises(ValueError,
                       match=r"hx\[1\]: expected shape \(1, 3, 6\) = \(num_layers \* num_directions, N, hidden_size\)"):
        model(x, (torch.zeros(1, N, P), torch.zeros(1, N, P)))


@pytest.mark.parametrize("kind", CELLS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("given_hx", [False, True])
def test_cell_matches_torch(kind, bias, batched, given_hx):
    torch.manual_seed(5)
    ours, ref = make_pair(CELLS, kind, ours_to_torch=batched, bias=bias)
    x = torch.randn((N, D) if batched else (D,), dtype=torch.float64)
    hx = random_state(kind, (N, H) if batched else (H,)) if given_hx else None
    g = torch.Generator().manual_seed(1)

    def run(model):
        xi = x.clone().requires_grad_()
        leaves = [] if hx is None else [h.clone().requires_grad_() for h in (hx if kind == "lstm" else (hx,))]
        hx_arg = None if hx is None else (tuple(leaves) if kind == "lstm" else leaves[0])
        states = model(xi, hx_arg)
        return states if kind == "lstm" else (states,), xi, leaves

    states_o, x_o, leaves_o = run(ours)
    states_r, x_r, leaves_r = run(ref)
    weights = [torch.randn(s.shape, generator=g, dtype=torch.float64) for s in states_r]
    for s_o, s_r in zip(states_o, states_r):
        assert s_o.shape == s_r.shape == ((N, H) if batched else (H,))
        assert_close(s_o, s_r, ATOL_VALUES)
    loss_o = sum((s * w).sum() for s, w in zip(states_o, weights))
    loss_r = sum((s * w).sum() for s, w in zip(states_r, weights))
    grads_o = torch.autograd.grad(loss_o, [x_o, *leaves_o, *ours.parameters()])
    grads_r = torch.autograd.grad(loss_r, [x_r, *leaves_r, *ref.parameters()])
    names = ["input", *["hx"] * len(leaves_r), *(n for n, _ in ref.named_parameters())]
    for name, g_o, g_r in zip(names, grads_o, grads_r, strict=True):
        if not (hx is None and name == "weight_hh"):  # h_0 = 0 gives weight_hh no gradient
            assert g_r.abs().max() > 0, name
        assert_close(g_o, g_r, ATOL_GRADS)


@pytest.mark.parametrize("kind", LAYERS)
def test_float32_matches_torch(kind):
    ours_cls, torch_cls, extra = LAYERS[kind]
    torch.manual_seed(6)
    ref = torch_cls(D, H, num_layers=2, bidirectional=True, **extra)
    ours = ours_cls(D, H, num_layers=2, bidirectional=True, **extra)
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(T, N, D)
    out_o, _ = ours(x)
    out_r, _ = ref(x)
    assert out_o.dtype == torch.float32
    assert_close(out_o, out_r, 1e-5)


# ---------------------------------------------------------------------------
# Independent of torch.nn: hand-computed values, finite differences, layer = loop of cells
# ---------------------------------------------------------------------------


def test_rnn_cell_golden_value():
    cell = RNNCell(1, 1).double()
    with torch.no_grad():
        cell.weight_ih.fill_(0.5)
        cell.weight_hh.fill_(-1.0)
        cell.bias_ih.fill_(0.1)
        cell.bias_hh.fill_(0.2)
    h = cell(torch.tensor([[2.0]], dtype=torch.float64), torch.tensor([[0.5]], dtype=torch.float64))
    assert h.item() == pytest.approx(math.tanh(0.5 * 2.0 + 0.1 - 1.0 * 0.5 + 0.2), abs=1e-15)


def test_lstm_cell_gate_order_golden_value():
    """With zero weights each gate is sigmoid/tanh of its bias: checks the order i, f, g, o."""
    cell = LSTMCell(2, 1).double()
    b_i, b_f, b_g, b_o = 0.3, -0.7, 1.1, 0.4
    with torch.no_grad():
        cell.weight_ih.zero_()
        cell.weight_hh.zero_()
        cell.bias_ih.copy_(torch.tensor([b_i, b_f, b_g, b_o], dtype=torch.float64))
        cell.bias_hh.zero_()
    c0 = 0.9
    x = torch.ones(1, 2, dtype=torch.float64)
    h, c = cell(x, (torch.zeros(1, 1, dtype=torch.float64), torch.full((1, 1), c0, dtype=torch.float64)))
    def sig(a):
        return 1 / (1 + math.exp(-a))

    c_expected = sig(b_f) * c0 + sig(b_i) * math.tanh(b_g)
    assert c.item() == pytest.approx(c_expected, abs=1e-15)
    assert h.item() == pytest.approx(sig(b_o) * math.tanh(c_expected), abs=1e-15)


def test_gru_cell_reset_gate_multiplies_b_hn_golden_value():
    """n = tanh(b_in + r * b_hn): b_hn sits inside the reset gate, b_in does not."""
    cell = GRUCell(1, 1).double()
    with torch.no_grad():
        cell.weight_ih.zero_()
        cell.weight_hh.zero_()
        cell.bias_ih.copy_(torch.tensor([0.2, -0.3, 0.5], dtype=torch.float64))  # b_ir, b_iz, b_in
        cell.bias_hh.copy_(torch.tensor([0.4, 0.1, 0.8], dtype=torch.float64))  # b_hr, b_hz, b_hn
    h0 = -0.6
    h = cell(torch.zeros(1, 1, dtype=torch.float64), torch.full((1, 1), h0, dtype=torch.float64))
    def sig(a):
        return 1 / (1 + math.exp(-a))

    r, z = sig(0.2 + 0.4), sig(-0.3 + 0.1)
    n = math.tanh(0.5 + r * 0.8)
    assert h.item() == pytest.approx((1 - z) * n + z * h0, abs=1e-15)


@pytest.mark.parametrize("kind", LAYERS)
def test_layer_gradcheck_finite_differences(kind):
    ours_cls, _, extra = LAYERS[kind]
    torch.manual_seed(7)
    model = ours_cls(2, 3, num_layers=2, bidirectional=True, **extra).double()
    x = torch.randn(3, 2, 2, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(4, 2, 3, dtype=torch.float64, requires_grad=True)
    hx = (h0, torch.zeros_like(h0)) if kind == "lstm" else h0

    def f(x, h0):
        out, states = model(x, (h0, hx[1]) if kind == "lstm" else h0)
        return out, *(states if kind == "lstm" else (states,))

    assert torch.autograd.gradcheck(f, (x, h0), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", ["rnn_tanh", "lstm", "gru"])
def test_layer_equals_loop_of_cells(kind):
    """The docstring's claim: a one-layer module = the matching cell called at each step."""
    layer_cls, _, extra = LAYERS[kind]
    cell_cls = CELLS[kind][0]
    torch.manual_seed(8)
    layer = layer_cls(D, H, **extra).double()
    cell = cell_cls(D, H, **extra).double()
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in layer.state_dict().items()})
    x = torch.randn(T, N, D, dtype=torch.float64)
    out, _ = layer(x)
    state = None
    for t in range(T):
        state = cell(x[t], state)
        h = state[0] if kind == "lstm" else state
        assert_close(out[t], h, 1e-14)


# ---------------------------------------------------------------------------
# State dicts and initialisation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("bias", [True, False])
def test_state_dict_keys_shapes_and_init_match_torch(kind, bias):
    ours_cls, torch_cls, extra = LAYERS[kind]
    torch.manual_seed(9)
    ours = ours_cls(D, H, num_layers=3, bias=bias, bidirectional=True, **extra)
    torch.manual_seed(9)
    ref = torch_cls(D, H, num_layers=3, bias=bias, bidirectional=True, **extra)
    sd_o, sd_r = ours.state_dict(), ref.state_dict()
    assert list(sd_o) == list(sd_r)  # same keys, same order
    assert "weight_ih_l2_reverse" in sd_o
    assert [v.shape for v in sd_o.values()] == [v.shape for v in sd_r.values()]
    # same registration order and same uniform(-1/sqrt(H), 1/sqrt(H)) draws: same weights
    for k in sd_r:
        assert torch.equal(sd_o[k], sd_r[k]), k
    bound = 1 / math.sqrt(H)
    assert all(v.abs().max() <= bound for v in sd_o.values())


@pytest.mark.parametrize("kind", CELLS)
def test_cell_state_dict_and_init_match_torch(kind):
    ours_cls, torch_cls, extra = CELLS[kind]
    torch.manual_seed(10)
    ours = ours_cls(D, H, **extra)
    torch.manual_seed(10)
    ref = torch_cls(D, H, **extra)
    assert list(ours.state_dict()) == list(ref.state_dict()) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    for k, v in ref.state_dict().items():
        assert torch.equal(ours.state_dict()[k], v), k


# ---------------------------------------------------------------------------
# Dropout
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", LAYERS)
def test_dropout_eval_mode_matches_torch(kind):
    torch.manual_seed(11)
    ours, ref = make_pair(LAYERS, kind, num_layers=2, dropout=0.5)
    ours.eval()
    ref.eval()
    x = torch.randn(T, N, D, dtype=torch.float64)
    assert_close(ours(x)[0], ref(x)[0], ATOL_VALUES)


@pytest.mark.parametrize("kind", LAYERS)
def test_dropout_train_mode_between_layers(kind):
    ours_cls, _, extra = LAYERS[kind]
    torch.manual_seed(12)
    model = ours_cls(D, H, num_layers=2, dropout=0.5, **extra).double().train()
    x = torch.randn(T, N, D, dtype=torch.float64)
    torch.manual_seed(100)
    out_a, _ = model(x)
    torch.manual_seed(101)
    out_b, _ = model(x)
    torch.manual_seed(100)
    out_a_again, _ = model(x)
    assert out_a.shape == out_b.shape == (T, N, H)
    assert (out_a - out_b).abs().max() > 1e-3  # different masks
    assert torch.equal(out_a, out_a_again)  # the mask comes from torch's seeded generator
    model.eval()
    assert (model(x)[0] - out_a).abs().max() > 1e-3  # eval mode: no dropout

    # The same computation by hand: layer 0, dropout on its output, layer 1, no dropout after.
    layers = [ours_cls(D if k == 0 else H, H, **extra).double() for k in range(2)]
    for k, layer in enumerate(layers):
        layer.load_state_dict({n.replace(f"_l{k}", "_l0"): v for n, v in model.state_dict().items() if f"_l{k}" in n})
    torch.manual_seed(100)
    hidden, _ = layers[0](x)
    hidden = torch.nn.functional.dropout(hidden, p=0.5, training=True)
    out_by_hand, _ = layers[1](hidden)
    assert_close(out_a, out_by_hand, 1e-14)


@pytest.mark.parametrize("kind", LAYERS)
def test_dropout_not_applied_with_one_layer(kind):
    ours_cls, _, extra = LAYERS[kind]
    torch.manual_seed(13)
    with pytest.warns(UserWarning, match="dropout"):
        model = ours_cls(D, H, num_layers=1, dropout=0.5, **extra).double()
    x = torch.randn(T, N, D, dtype=torch.float64)
    out_train, _ = model.train()(x)
    out_eval, _ = model.eval()(x)
    assert torch.equal(out_train, out_eval)  # no unit was dropped


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: LSTM(D, 0), r"hidden_size must be an integer >= 1, got 0"),
        (lambda: GRU(D, -3), r"hidden_size.*got -3"),
        (lambda: LSTM(0, H), r"input_size.*got 0"),
        (lambda: RNN(D, H, num_layers=0), r"num_layers.*got 0"),
        (lambda: LSTM(D, H, num_layers=2, dropout=1.5), r"dropout: expected a number in \[0, 1\], got 1.5"),
        (lambda: GRU(D, H, num_layers=2, dropout=-0.1), r"dropout.*got -0.1"),
        (lambda: RNN(D, H, nonlinearity="sigmoid"), r"nonlinearity: expected 'tanh' or 'relu', got 'sigmoid'"),
        (lambda: RNNCell(D, H, nonlinearity="gelu"), r"nonlinearity.*'gelu'"),
        (lambda: LSTMCell(D, 0), r"hidden_size.*got 0"),
    ],
)
def test_bad_constructor_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("kind", LAYERS)
def test_bad_input_shape(kind):
    ours_cls, _, extra = LAYERS[kind]
    model = ours_cls(D, H, num_layers=2, **extra)
    with pytest.raises(ValueError, match=r"input: expected shape \(T, N, 4\).*got \(5,\)"):
        model(torch.randn(T))  # rank 1
    with pytest.raises(ValueError, match=r"input: .*got \(5, 3, 4, 1\)"):
        model(torch.randn(T, N, D, 1))  # rank 4
    with pytest.raises(ValueError, match=r"input: .*input_size=4, got \(5, 3, 7\)"):
        model(torch.randn(T, N, 7))  # wrong D
    with pytest.raises(ValueError, match=r"input: expected at least one time step"):
        model(torch.randn(0, N, D))
    batch_first = ours_cls(D, H, batch_first=True, **extra)
    with pytest.raises(ValueError, match=r"input: expected shape \(N, T, 4\) \(batch_first=True\)"):
        batch_first(torch.randn(N, T, 2))


@pytest.mark.parametrize("kind", ["rnn_tanh", "gru"])
def test_bad_hx_shape(kind):
    ours_cls, _, extra = LAYERS[kind]
    model = ours_cls(D, H, num_layers=2, bidirectional=True, **extra)
    x = torch.randn(T, N, D)
    with pytest.raises(ValueError, match=r"hx: expected shape \(4, 3, 6\).*got \(2, 3, 6\)"):
        model(x, torch.zeros(2, N, H))
    with pytest.raises(ValueError, match=r"hx: expected shape \(4, 6\).*unbatched.*got \(4, 1, 6\)"):
        model(torch.randn(T, D), torch.zeros(4, 1, H))


def test_bad_lstm_hx():
    model = LSTM(D, H, num_layers=2)
    x = torch.randn(T, N, D)
    h0 = torch.zeros(2, N, H)
    with pytest.raises(ValueError, match=r"hx: expected a tuple \(h_0, c_0\)"):
        model(x, h0)
    with pytest.raises(ValueError, match=r"hx\[0\]: expected shape \(2, 3, 6\).*got \(2, 3, 5\)"):
        model(x, (torch.zeros(2, N, 5), h0))
    with pytest.raises(ValueError, match=r"hx\[1\]: expected shape \(2, 3, 6\).*got \(1, 3, 6\)"):
        model(x, (h0, torch.zeros(1, N, H)))


@pytest.mark.parametrize("kind", CELLS)
def test_bad_cell_arguments(kind):
    ours_cls, _, extra = CELLS[kind]
    cell = ours_cls(D, H, **extra)
    with pytest.raises(ValueError, match=r"input: expected shape \(N, 4\) or \(4,\).*got \(3, 7\)"):
        cell(torch.randn(N, 7))
    with pytest.raises(ValueError, match=r"input: .*got \(5, 3, 4\)"):
        cell(torch.randn(T, N, D))
    name = r"hx\[0\]" if kind == "lstm" else "hx"
    h = torch.zeros(N + 1, H)
    with pytest.raises(ValueError, match=name + r": expected shape \(3, 6\).*got \(4, 6\)"):
        cell(torch.randn(N, D), (h, h) if kind == "lstm" else h)


def test_packed_sequence_is_refused():
    packed = pack_padded_sequence(torch.randn(T, N, D), lengths=[5, 4, 2])
    with pytest.raises(TypeError, match="PackedSequence is not supported"):
        LSTM(D, H)(packed)
