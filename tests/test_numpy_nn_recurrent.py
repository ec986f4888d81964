"""companion.numpy_nn recurrent layers: golden values, finite differences, parity with torch.nn, bad input."""

import numpy as np
import pytest
import torch

from companion import numpy_nn as nn_
from companion.numpy_nn import numerical_gradient, relative_error

CELLS = {
    "rnn_tanh": (torch.nn.RNN, nn_.rnn_forward, nn_.rnn_backward, {"nonlinearity": "tanh"}),
    "rnn_relu": (torch.nn.RNN, nn_.rnn_forward, nn_.rnn_backward, {"nonlinearity": "relu"}),
    "lstm": (torch.nn.LSTM, nn_.lstm_forward, nn_.lstm_backward, {}),
    "gru": (torch.nn.GRU, nn_.gru_forward, nn_.gru_backward, {}),
}


def torch_params(cell, D, H, L, bias=True, seed=0):
    torch.manual_seed(seed)
    cls, _, _, kw = CELLS[cell]
    m = cls(D, H, num_layers=L, bias=bias, batch_first=True, **kw).double()
    return m, {k: v.detach().numpy().copy() for k, v in m.state_dict().items()}


def run(cell, x, state, params):
    """Forward of ``cell`` -> (out, tuple of final states, cache)."""
    _, fwd, _, kw = CELLS[cell]
    if cell == "lstm":
        out, (h, c), cache = fwd(x, state, params)
        return out, (h, c), cache
    out, h, cache = fwd(x, None if state is None else state[0], params, **kw)
    return out, (h,), cache


def back(cell, dout, dfinal, cache):
    """Backward of ``cell`` -> (dx, tuple of initial-state grads, grads)."""
    _, _, bwd, _ = CELLS[cell]
    if cell == "lstm":
        dx, (dh0, dc0), grads = bwd(dout, dfinal, cache)
        return dx, (dh0, dc0), grads
    dx, dh0, grads = bwd(dout, dfinal[0], cache)
    return dx, (dh0,), grads


def n_states(cell):
    return 2 if cell == "lstm" else 1


# ---------------------------------------------------------------- golden values


def test_rnn_golden_two_steps():
    """h1 = tanh(0.5 x1), h2 = tanh(0.5 x2 - h1): computed by hand."""
    params = {"weight_ih_l0": np.array([[0.5]]), "weight_hh_l0": np.array([[-1.0]])}
    out, h_n, _ = nn_.rnn_forward(np.array([[[1.0], [2.0]]]), None, params)
    h1 = np.tanh(0.5)
    h2 = np.tanh(1.0 - h1)
    np.testing.assert_allclose(out[0, :, 0], [h1, h2], rtol=0, atol=1e-15)
    np.testing.assert_allclose(h_n, [[[h2]]], rtol=0, atol=1e-15)


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def distinct_params(G, H, D):
    """Weights and biases with a different, non-zero value in every entry, so that a swapped gate
    block, a transposed matrix or a bias added in the wrong place changes the result."""
    n_ih, n_hh = G * H * D, G * H * H
    return {
        "weight_ih_l0": np.linspace(-0.9, 0.8, n_ih).reshape(G * H, D),
        "weight_hh_l0": np.linspace(0.7, -0.6, n_hh).reshape(G * H, H),
        "bias_ih_l0": np.linspace(-0.5, 0.3, G * H),
        "bias_hh_l0": np.linspace(0.4, -0.2, G * H) + 0.05,
    }


def test_lstm_golden_distinct_weights():
    """The LSTM equations written out gate by gate, in torch's order i, f, g, o."""
    H, D = 2, 3
    p = distinct_params(4, H, D)
    W_ih, W_hh, b_ih, b_hh = p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"]
    x = np.array([[[1.0, -2.0, 0.5], [0.3, 0.8, -1.0], [-0.7, 0.2, 1.5]]])  # (N=1, T=3, D)
    h, c = np.array([0.2, -0.4]), np.array([1.0, -2.0])
    expected_h = []
    for x_t in x[0]:
        i = sigmoid(W_ih[0:H] @ x_t + b_ih[0:H] + W_hh[0:H] @ h + b_hh[0:H])
        f = sigmoid(W_ih[H:2 * H] @ x_t + b_ih[H:2 * H] + W_hh[H:2 * H] @ h + b_hh[H:2 * H])
        g = np.tanh(W_ih[2 * H:3 * H] @ x_t + b_ih[2 * H:3 * H] + W_hh[2 * H:3 * H] @ h + b_hh[2 * H:3 * H])
        o = sigmoid(W_ih[3 * H:] @ x_t + b_ih[3 * H:] + W_hh[3 * H:] @ h + b_hh[3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        expected_h.append(h)
    h0, c0 = np.array([[[0.2, -0.4]]]), np.array([[[1.0, -2.0]]])
    out, (h_n, c_n), _ = nn_.lstm_forward(x, (h0, c0), p)
    np.testing.assert_allclose(out[0], expected_h, rtol=0, atol=1e-15)
    np.testing.assert_allclose(c_n[0, 0], c, rtol=0, atol=1e-15)
    assert np.ptp(out[0]) > 0.1  # the values are far from a degenerate case


def test_gru_golden_distinct_weights():
    """The GRU equations written out gate by gate, in torch's order r, z, n, with b_hn inside r * (...)."""
    H, D = 2, 3
    p = distinct_params(3, H, D)
    W_ih, W_hh, b_ih, b_hh = p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"]
    x = np.array([[[1.0, -2.0, 0.5], [0.3, 0.8, -1.0], [-0.7, 0.2, 1.5]]])
    h = np.array([0.6, -0.3])
    expected_h = []
    for x_t in x[0]:
        r = sigmoid(W_ih[0:H] @ x_t + b_ih[0:H] + W_hh[0:H] @ h + b_hh[0:H])
        z = sigmoid(W_ih[H:2 * H] @ x_t + b_ih[H:2 * H] + W_hh[H:2 * H] @ h + b_hh[H:2 * H])
        n = np.tanh(W_ih[2 * H:] @ x_t + b_ih[2 * H:] + r * (W_hh[2 * H:] @ h + b_hh[2 * H:]))
        h = (1 - z) * n + z * h
        expected_h.append(h)
    out, h_n, _ = nn_.gru_forward(x, np.array([[[0.6, -0.3]]]), p)
    np.testing.assert_allclose(out[0], expected_h, rtol=0, atol=1e-15)
    np.testing.assert_allclose(h_n[0, 0], h, rtol=0, atol=1e-15)
    assert np.ptp(out[0]) > 0.1


def test_rnn_relu_golden():
    params = {"weight_ih_l0": np.array([[1.0]]), "weight_hh_l0": np.array([[2.0]]),
              "bias_ih_l0": np.array([-1.0]), "bias_hh_l0": np.array([0.5])}
    out, _, _ = nn_.rnn_forward(np.array([[[1.0], [-3.0], [0.0]]]), None, params, nonlinearity="relu")
    # h1 = relu(1 - 0.5) = 0.5; h2 = relu(-3 - 0.5 + 1) = 0; h3 = relu(0 - 0.5 + 0) = 0
    np.testing.assert_allclose(out[0, :, 0], [0.5, 0.0, 0.0])


# ---------------------------------------------------------------- finite differences

GRADCHECK_CASES = [
    # cell, N, T, D, H, L, bias
    ("rnn_tanh", 2, 3, 3, 4, 1, True),
    ("rnn_tanh", 2, 3, 3, 4, 3, False),
    ("rnn_relu", 2, 4, 3, 4, 2, True),
    ("lstm", 2, 3, 3, 4, 1, True),
    ("lstm", 2, 3, 3, 4, 2, True),
    ("lstm", 3, 2, 2, 3, 2, False),
    ("gru", 2, 3, 3, 4, 1, True),
    ("gru", 2, 3, 3, 4, 2, True),
    ("gru", 3, 2, 2, 3, 2, False),
]
EDGE_CASES = [(cell, N, T, 2, 3, 2, True) for cell in CELLS for (N, T) in [(1, 4), (3, 1), (1, 1)]]


@pytest.mark.parametrize("cell,N,T,D,H,L,bias", GRADCHECK_CASES + EDGE_CASES)
def test_gradients_match_finite_differences(cell, N, T, D, H, L, bias):
    rng = np.random.default_rng(42)
    _, params = torch_params(cell, D, H, L, bias)
    x = rng.standard_normal((N, T, D))
    state = tuple(rng.standard_normal((L, N, H)) for _ in range(n_states(cell)))
    # L = sum(out * w_out) + sum_i sum(final_i * w_i): random weights make every output matter
    w_out = rng.standard_normal((N, T, H))
    w_fin = tuple(rng.standard_normal((L, N, H)) for _ in state)

    def loss(x_, state_, params_):
        out, finals, _ = run(cell, x_, state_, params_)
        return np.sum(out * w_out) + sum(np.sum(f * w) for f, w in zip(finals, w_fin))

    _, _, cache = run(cell, x, state, params)
    dx, dstate, grads = back(cell, w_out, w_fin, cache)

    assert relative_error(dx, numerical_gradient(lambda v: loss(v, state, params), x)) < 1e-7
    for i, ds in enumerate(dstate):
        def f_state(v, i=i):
            return loss(x, state[:i] + (v,) + state[i + 1:], params)
        assert relative_error(ds, numerical_gradient(f_state, state[i])) < 1e-7, f"state {i}"
    assert set(grads) == set(params)
    for key in params:
        num = numerical_gradient(lambda v, key=key: loss(x, state, {**params, key: v}), params[key])
        assert relative_error(grads[key], num) < 1e-7, key


def test_step_functions_match_finite_differences():
    """The step backward functions on their own, with da mapped back to the weights by hand."""
    rng = np.random.default_rng(3)
    N, H = 2, 3
    xw = rng.standard_normal((N, 4 * H))
    h, c = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    w_hh = rng.standard_normal((4 * H, H)) * 0.5
    wh, wc = rng.standard_normal((N, H)), rng.standard_normal((N, H))

    def loss(xw_, h_, c_):
        h1, c1, _ = nn_.lstm_step_forward(xw_, h_, c_, w_hh)
        return np.sum(h1 * wh) + np.sum(c1 * wc)

    _, _, cache = nn_.lstm_step_forward(xw.copy(), h, c, w_hh)
    da, dh_prev, dc_prev = nn_.lstm_step_backward(wh, wc, cache, w_hh)
    assert relative_error(da, numerical_gradient(lambda v: loss(v, h, c), xw)) < 1e-7
    assert relative_error(dh_prev, numerical_gradient(lambda v: loss(xw, v, c), h)) < 1e-7
    assert relative_error(dc_prev, numerical_gradient(lambda v: loss(xw, h, v), c)) < 1e-7

    xw3, w3 = rng.standard_normal((N, 3 * H)), rng.standard_normal((3 * H, H)) * 0.5
    b3 = rng.standard_normal(3 * H)

    def gru_loss(xw_, h_):
        return np.sum(nn_.gru_step_forward(xw_, h_, w3, b3)[0] * wh)

    _, cache = nn_.gru_step_forward(xw3, h, w3, b3)
    da_x, da_h, dh_prev = nn_.gru_step_backward(wh, cache, w3)
    assert relative_error(da_x, numerical_gradient(lambda v: gru_loss(v, h), xw3)) < 1e-7
    assert relative_error(dh_prev, numerical_gradient(lambda v: gru_loss(xw3, v), h)) < 1e-7


# ---------------------------------------------------------------- step functions against torch cells
#
# A step function takes the input term xw_t = x_t @ W_ih.T + b_ih. A torch cell
# with input size G*H, W_ih = I and b_ih = 0 computes the same step from x_t = xw_t,
# so autograd's gradient with respect to its input is dL/d(xw_t), its gradient
# with respect to hx is dL/dh_{t-1}, and those of W_hh and b_hh are the sums
# over the batch that the sequence functions form after their loop.


def torch_step(cell_cls, G, H, w_hh, b_hh, xw, states, douts, **kw):
    """Run one torch cell step from ``xw`` and return its outputs and gradients (float64 numpy)."""
    cell = cell_cls(G * H, H, bias=True, **kw).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.eye(G * H))
        cell.bias_ih.zero_()
        cell.weight_hh.copy_(torch.from_numpy(w_hh))
        cell.bias_hh.copy_(torch.from_numpy(b_hh if b_hh is not None else np.zeros(G * H)))
    x = torch.from_numpy(xw).requires_grad_()
    hx = [torch.from_numpy(s).requires_grad_() for s in states]
    outs = cell(x, hx[0] if len(hx) == 1 else tuple(hx))
    outs = outs if isinstance(outs, tuple) else (outs,)
    loss = sum((o * torch.from_numpy(d)).sum() for o, d in zip(outs, douts))
    grads = torch.autograd.grad(loss, [x, *hx, cell.weight_hh, cell.bias_hh])
    return [o.detach().numpy() for o in outs], [g.numpy() for g in grads]


STEP_N, STEP_H = 3, 4


def step_inputs(G, seed):
    rng = np.random.default_rng(seed)
    N, H = STEP_N, STEP_H
    return (rng.standard_normal((N, G * H)), rng.standard_normal((N, H)), rng.standard_normal((N, H)),
            rng.standard_normal((G * H, H)) * 0.5, rng.standard_normal(G * H) * 0.3,
            rng.standard_normal((N, H)), rng.standard_normal((N, H)))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
def test_rnn_step_matches_torch_cell(nonlinearity, bias):
    xw, h_prev, _, w_hh, b_hh, dh, _ = step_inputs(1, seed=20)
    b_hh = b_hh if bias else None
    h, cache = nn_.rnn_step_forward(xw, h_prev, w_hh, b_hh, nonlinearity)
    da, dh_prev = nn_.rnn_step_backward(dh, cache, w_hh)
    (h_t,), (dxw_t, dh_prev_t, dw_hh_t, db_hh_t) = torch_step(
        torch.nn.RNNCell, 1, STEP_H, w_hh, b_hh, xw, [h_prev], [dh], nonlinearity=nonlinearity)
    np.testing.assert_allclose(h, h_t, rtol=0, atol=1e-14)
    np.testing.assert_allclose(da, dxw_t, rtol=0, atol=1e-14)  # dL/da_t = dL/d(xw_t)
    np.testing.assert_allclose(dh_prev, dh_prev_t, rtol=0, atol=1e-14)
    np.testing.assert_allclose(da.T @ h_prev, dw_hh_t, rtol=0, atol=1e-13)  # dW_hh = sum_n da h_{t-1}^T
    np.testing.assert_allclose(da.sum(0), db_hh_t, rtol=0, atol=1e-14)
    if nonlinearity == "relu":
        assert (h == 0).any() and (h > 0).any()  # both branches of the ReLU are exercised


def test_rnn_step_backward_matches_finite_differences():
    xw, h_prev, _, w_hh, b_hh, dh, _ = step_inputs(1, seed=21)
    _, cache = nn_.rnn_step_forward(xw, h_prev, w_hh, b_hh)
    da, dh_prev = nn_.rnn_step_backward(dh, cache, w_hh)

    def loss(xw_, h_):
        return np.sum(nn_.rnn_step_forward(xw_, h_, w_hh, b_hh)[0] * dh)

    assert relative_error(da, numerical_gradient(lambda v: loss(v, h_prev), xw)) < 1e-7
    assert relative_error(dh_prev, numerical_gradient(lambda v: loss(xw, v), h_prev)) < 1e-7


@pytest.mark.parametrize("bias", [True, False])
def test_lstm_step_matches_torch_cell(bias):
    xw, h_prev, c_prev, w_hh, b_hh, dh, dc = step_inputs(4, seed=22)
    b_hh = b_hh if bias else None
    h, c, cache = nn_.lstm_step_forward(xw, h_prev, c_prev, w_hh, b_hh)
    da, dh_prev, dc_prev = nn_.lstm_step_backward(dh, dc, cache, w_hh)
    (h_t, c_t), (dxw_t, dh_prev_t, dc_prev_t, dw_hh_t, db_hh_t) = torch_step(
        torch.nn.LSTMCell, 4, STEP_H, w_hh, b_hh, xw, [h_prev, c_prev], [dh, dc])
    for ours, theirs in [(h, h_t), (c, c_t), (da, dxw_t), (dh_prev, dh_prev_t), (dc_prev, dc_prev_t),
                         (da.T @ h_prev, dw_hh_t), (da.sum(0), db_hh_t)]:
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-13)


@pytest.mark.parametrize("bias", [True, False])
def test_gru_step_every_output_matches_torch(bias):
    xw, h_prev, _, w_hh, b_hh, dh, _ = step_inputs(3, seed=23)
    b_hh = b_hh if bias else None
    H = STEP_H
    h, cache = nn_.gru_step_forward(xw, h_prev, w_hh, b_hh)
    da_x, da_h, dh_prev = nn_.gru_step_backward(dh, cache, w_hh)
    (h_t,), (dxw_t, dh_prev_t, dw_hh_t, db_hh_t) = torch_step(
        torch.nn.GRUCell, 3, H, w_hh, b_hh, xw, [h_prev], [dh])
    np.testing.assert_allclose(h, h_t, rtol=0, atol=1e-14)
    np.testing.assert_allclose(da_x, dxw_t, rtol=0, atol=1e-14)  # dL/d(W_ih x_t + b_ih)
    np.testing.assert_allclose(dh_prev, dh_prev_t, rtol=0, atol=1e-14)
    np.testing.assert_allclose(da_h.T @ h_prev, dw_hh_t, rtol=0, atol=1e-13)  # dL/dW_hh
    np.testing.assert_allclose(da_h.sum(0), db_hh_t, rtol=0, atol=1e-14)  # dL/db_hh
    # the cache: the activated gates [r, z, n], W_hh h_{t-1} + b_hh, and h_{t-1}
    hw = h_prev @ w_hh.T + (b_hh if bias else 0.0)
    r = 1 / (1 + np.exp(-(xw[:, :H] + hw[:, :H])))
    z = 1 / (1 + np.exp(-(xw[:, H:2 * H] + hw[:, H:2 * H])))
    n = np.tanh(xw[:, 2 * H:] + r * hw[:, 2 * H:])
    np.testing.assert_allclose(cache.gates, np.concatenate([r, z, n], axis=1), rtol=0, atol=1e-14)
    np.testing.assert_allclose(cache.hw, hw, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(cache.h_prev, h_prev)
    # da_h equals da_x in the r and z blocks and r * da_x in the n block
    np.testing.assert_array_equal(da_h[:, :2 * H], da_x[:, :2 * H])
    np.testing.assert_allclose(da_h[:, 2 * H:], r * da_x[:, 2 * H:], rtol=0, atol=1e-15)


STEP_BAD = [
    (lambda a: nn_.rnn_step_forward(a["xw1"], a["h"], a["w1"][:, :3]), r"w_hh must have shape \(G\*H, H\) with G=1, got \(4, 3\)"),
    (lambda a: nn_.rnn_step_forward(a["xw1"][:, :3], a["h"], a["w1"]), r"xw_t must have shape \(N, G\*H\) = \(3, 4\).*got \(3, 3\)"),
    (lambda a: nn_.rnn_step_forward(a["xw1"], a["h"][:2], a["w1"]), r"xw_t must have shape \(N, G\*H\) = \(2, 4\)"),
    (lambda a: nn_.rnn_step_forward(a["xw1"], a["h"][:, :3], a["w1"]), r"h_prev must have shape \(N, H\) = \(N, 4\).*got \(3, 3\)"),
    (lambda a: nn_.rnn_step_forward(a["xw1"], a["h"], a["w1"], np.zeros(3)), r"b_hh must have shape \(G\*H,\) = \(4,\)"),
    (lambda a: nn_.rnn_step_forward(a["xw1"], a["h"], a["w1"], nonlinearity="gelu"), r"nonlinearity must be one of"),
    (lambda a: nn_.rnn_step_backward(a["h"][:2], nn_.rnn_step_forward(a["xw1"], a["h"], a["w1"])[1], a["w1"]),
     r"dh must have shape \(N, H\) = \(3, 4\).*got \(2, 4\)"),
    (lambda a: nn_.rnn_step_backward(a["h"], "cache", a["w1"]), r"cache must be the RNNStepCache returned by rnn_step_forward"),
    (lambda a: nn_.lstm_step_forward(a["xw4"], a["h"], a["h"][:, :2], a["w4"]), r"c_prev must have shape \(N, H\) = \(3, 4\)"),
    (lambda a: nn_.lstm_step_forward(a["xw4"], a["h"], a["h"], a["w1"]), r"w_hh must have shape \(G\*H, H\) with G=4, got \(4, 4\)"),
    (lambda a: nn_.lstm_step_backward(a["h"], a["h"][:1], nn_.lstm_step_forward(a["xw4"], a["h"], a["h"], a["w4"])[2], a["w4"]),
     r"dc must have shape \(N, H\) = \(3, 4\).*got \(1, 4\)"),
    (lambda a: nn_.lstm_step_backward(a["h"], a["h"], nn_.rnn_step_forward(a["xw1"], a["h"], a["w1"])[1], a["w4"]),
     r"cache must be the LSTMStepCache returned by lstm_step_forward, got RNNStepCache"),
    (lambda a: nn_.gru_step_forward(a["xw4"], a["h"], a["w3"]), r"xw_t must have shape \(N, G\*H\) = \(3, 12\).*got \(3, 16\)"),
    (lambda a: nn_.gru_step_forward(a["xw3"], a["h"], a["w4"]), r"w_hh must have shape \(G\*H, H\) with G=3, got \(16, 4\)"),
    (lambda a: nn_.gru_step_backward(a["h"][:, :1], nn_.gru_step_forward(a["xw3"], a["h"], a["w3"])[1], a["w3"]),
     r"dh must have shape \(N, H\) = \(3, 4\).*got \(3, 1\)"),
]


@pytest.mark.parametrize("call, match", STEP_BAD, ids=[f"case{i}" for i in range(len(STEP_BAD))])
def test_step_functions_refuse_bad_shapes(call, match):
    z = np.zeros
    arrays = {"h": z((3, 4)), "xw1": z((3, 4)), "xw3": z((3, 12)), "xw4": z((3, 16)),
              "w1": z((4, 4)), "w3": z((12, 4)), "w4": z((16, 4))}
    with pytest.raises(ValueError, match=match):
        call(arrays)


# ---------------------------------------------------------------- parity with torch.nn

PARITY_CASES = [
    (cell, N, T, D, H, L, bias)
    for cell in CELLS
    for (N, T, D, H, L, bias) in [(4, 7, 5, 6, 1, True), (3, 5, 4, 8, 3, True), (2, 6, 3, 5, 2, False), (1, 1, 2, 3, 1, True)]
]


@pytest.mark.parametrize("cell,N,T,D,H,L,bias", PARITY_CASES)
def test_parity_with_torch_float64(cell, N, T, D, H, L, bias):
    m, params = torch_params(cell, D, H, L, bias, seed=N * T)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(N, T, D, dtype=torch.float64, generator=gen, requires_grad=True)
    state = tuple(torch.randn(L, N, H, dtype=torch.float64, generator=gen, requires_grad=True)
                  for _ in range(n_states(cell)))
    out, finals = m(x, state if cell == "lstm" else state[0])
    finals = finals if cell == "lstm" else (finals,)
    dout = torch.randn(out.shape, dtype=torch.float64, generator=gen)
    dfin = tuple(torch.randn(f.shape, dtype=torch.float64, generator=gen) for f in finals)
    (torch.sum(out * dout) + sum(torch.sum(f * d) for f, d in zip(finals, dfin))).backward()

    np_out, np_finals, cache = run(cell, x.detach().numpy(), tuple(s.detach().numpy() for s in state), params)
    np.testing.assert_allclose(np_out, out.detach().numpy(), rtol=0, atol=1e-10)
    for a, b in zip(np_finals, finals):
        np.testing.assert_allclose(a, b.detach().numpy(), rtol=0, atol=1e-10)

    dx, dstate, grads = back(cell, dout.numpy(), tuple(d.numpy() for d in dfin), cache)
    np.testing.assert_allclose(dx, x.grad.numpy(), rtol=0, atol=1e-9)
    for a, s in zip(dstate, state):
        np.testing.assert_allclose(a, s.grad.numpy(), rtol=0, atol=1e-9)
    assert list(grads) == list(params), "grads are keyed and ordered like the state_dict"
    for key, p in m.named_parameters():
        np.testing.assert_allclose(grads[key], p.grad.numpy(), rtol=0, atol=1e-9, err_msg=key)


@pytest.mark.parametrize("cell", CELLS)
def test_float32_follows_input_dtype(cell):
    m, params = torch_params(cell, 3, 4, 2)
    m = m.float()
    x = np.random.default_rng(0).standard_normal((2, 5, 3)).astype(np.float32)
    out, finals, cache = run(cell, x, None, params)  # float64 params are cast to x's dtype
    assert out.dtype == np.float32 and all(f.dtype == np.float32 for f in finals)
    ref, _ = m(torch.from_numpy(x))
    np.testing.assert_allclose(out, ref.detach().numpy(), atol=2e-6)
    dx, _, grads = back(cell, np.ones_like(out), (None,) * n_states(cell), cache)
    assert dx.dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())


@pytest.mark.parametrize("cell", CELLS)
def test_none_state_means_zeros(cell):
    _, params = torch_params(cell, 2, 3, 2)
    x = np.random.default_rng(0).standard_normal((2, 4, 2))
    zeros = tuple(np.zeros((2, 2, 3)) for _ in range(n_states(cell)))
    a, fa, cache_a = run(cell, x, None, params)
    b, fb, _ = run(cell, x, zeros, params)
    np.testing.assert_array_equal(a, b)
    dx_none, _, _ = back(cell, np.ones_like(a), (None,) * n_states(cell), cache_a)
    dx_zero, _, _ = back(cell, np.ones_like(a), tuple(np.zeros_like(f) for f in fa), cache_a)
    np.testing.assert_array_equal(dx_none, dx_zero)


# ---------------------------------------------------------------- bad input


@pytest.fixture
def lstm_params():
    return torch_params("lstm", 3, 4, 2)[1]


@pytest.mark.parametrize("cell", CELLS)
def test_bad_x(cell):
    _, params = torch_params(cell, 3, 4, 1)
    with pytest.raises(ValueError, match=r"x must have 3 dimensions, got shape \(5, 3\)"):
        run(cell, np.zeros((5, 3)), None, params)
    with pytest.raises(ValueError, match=r"x must have D=3 features \(the columns of params\['weight_ih_l0'\]"):
        run(cell, np.zeros((2, 5, 2)), None, params)
    bad = np.zeros((2, 5, 3))
    bad[1, 2, 0] = np.nan
    with pytest.raises(ValueError, match="x contains NaN"):
        run(cell, bad, None, params)
    with pytest.raises(ValueError, match="x must have N >= 1 and T >= 1"):
        run(cell, np.zeros((2, 0, 3)), None, params)


def test_wrong_layer_shapes_name_the_key(lstm_params):
    bad = {**lstm_params, "weight_ih_l1": np.zeros((16, 5))}  # layer 1 takes D = H = 4 inputs
    with pytest.raises(ValueError, match=r"params\['weight_ih_l1'\] must have shape \(16, 4\) for G=4, H=4, D=4, got \(16, 5\)"):
        nn_.lstm_forward(np.zeros((2, 5, 3)), None, bad)


def test_bad_state_shapes(lstm_params):
    x = np.zeros((2, 5, 3))
    with pytest.raises(ValueError, match=r"state\[0\] \(h0\) must have shape \(2, 2, 4\)"):
        nn_.lstm_forward(x, (np.zeros((1, 2, 4)), np.zeros((2, 2, 4))), lstm_params)
    with pytest.raises(ValueError, match=r"state\[1\] \(c0\) must have shape \(2, 2, 4\)"):
        nn_.lstm_forward(x, (None, np.zeros((2, 3, 4))), lstm_params)
    with pytest.raises(ValueError, match=r"state must be a pair"):
        nn_.lstm_forward(x, np.zeros((2, 2, 4)), lstm_params)
    _, params = torch_params("gru", 3, 4, 1)
    with pytest.raises(ValueError, match=r"h0 must have shape \(1, 2, 4\)"):
        nn_.gru_forward(x, np.zeros((1, 2, 5)), params)


def test_missing_and_unexpected_param_keys(lstm_params):
    x = np.zeros((2, 5, 3))
    with pytest.raises(ValueError, match=r"params is missing key 'weight_hh_l1'"):
        nn_.lstm_forward(x, None, {k: v for k, v in lstm_params.items() if k != "weight_hh_l1"})
    with pytest.raises(ValueError, match=r"params is missing key 'bias_hh_l1'"):
        nn_.lstm_forward(x, None, {k: v for k, v in lstm_params.items() if k != "bias_hh_l1"})
    with pytest.raises(ValueError, match=r"params is missing key 'weight_ih_l0'"):
        nn_.lstm_forward(x, None, {})
    with pytest.raises(ValueError, match=r"key 'weight_ih_l0_reverse': bidirectional layers are not supported"):
        nn_.lstm_forward(x, None, {**lstm_params, "weight_ih_l0_reverse": lstm_params["weight_ih_l0"]})
    with pytest.raises(ValueError, match=r"unexpected key 'weight_xx_l0'"):
        nn_.lstm_forward(x, None, {**lstm_params, "weight_xx_l0": lstm_params["weight_ih_l0"]})
    with pytest.raises(ValueError, match=r"params must be a dict"):
        nn_.lstm_forward(x, None, [1, 2])
    gru_params = torch_params("gru", 3, 4, 1)[1]
    with pytest.raises(ValueError, match=r"params\['weight_ih_l0'\] must have shape \(16, 3\) for G=4, H=4, D=3, got \(12, 3\)"):
        nn_.lstm_forward(x, None, gru_params)  # GRU weights have 3H rows, an LSTM's 4H


def test_non_finite_params_and_unknown_nonlinearity():
    _, params = torch_params("rnn_tanh", 3, 4, 1)
    x = np.zeros((2, 5, 3))
    with pytest.raises(ValueError, match=r"nonlinearity must be one of \('tanh', 'relu'\), got 'sigmoid'"):
        nn_.rnn_forward(x, None, params, nonlinearity="sigmoid")
    params["weight_hh_l0"][0, 0] = np.inf
    with pytest.raises(ValueError, match=r"params\['weight_hh_l0'\] contains NaN or infinite"):
        nn_.rnn_forward(x, None, params)


def test_bad_backward_arguments(lstm_params):
    out, _, cache = nn_.lstm_forward(np.zeros((2, 5, 3)), None, lstm_params)
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 5, 4\)"):
        nn_.lstm_backward(np.zeros((2, 4, 4)), None, cache)
    with pytest.raises(ValueError, match=r"dstate\[1\] \(dc_n\) must have shape \(2, 2, 4\)"):
        nn_.lstm_backward(out, (None, np.zeros((2, 4))), cache)
    with pytest.raises(ValueError, match=r"cache must be the cache returned by gru_forward, got lstm cache"):
        nn_.gru_backward(out, None, cache)
    with pytest.raises(ValueError, match=r"cache must be the cache returned by rnn_forward, got dict"):
        nn_.rnn_backward(out, None, {})


# ---------------------------------------------------------------- init_params


@pytest.mark.parametrize("cell,G", [("rnn", 1), ("lstm", 4), ("gru", 3)])
def test_init_params_has_torch_keys_shapes_and_bound(cell, G):
    params = nn_.init_params(cell, 3, 5, num_layers=2, rng=0)
    ref = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](3, 5, num_layers=2).state_dict()
    assert list(params) == list(ref)
    assert all(params[k].shape == tuple(ref[k].shape) for k in ref)
    values = np.concatenate([v.ravel() for v in params.values()])
    assert np.abs(values).max() <= 1 / np.sqrt(5) and values.std() > 0.2
    again = nn_.init_params(cell, 3, 5, num_layers=2, rng=0)
    assert all(np.array_equal(params[k], again[k]) for k in params)
    assert "bias_ih_l0" not in nn_.init_params(cell, 3, 5, bias=False, rng=0)


def test_init_params_bad_input():
    with pytest.raises(ValueError, match=r"cell must be one of \('rnn', 'gru', 'lstm'\), got 'elman'"):
        nn_.init_params("elman", 3, 5, rng=0)
    with pytest.raises(ValueError, match=r"hidden_size must be an integer >= 1, got 0"):
        nn_.init_params("rnn", 3, 0, rng=0)


def test_lstm_with_projection_is_refused():
    projected = {k: v.detach().numpy() for k, v in torch.nn.LSTM(3, 4, proj_size=2).state_dict().items()}
    with pytest.raises(ValueError, match=r"params has key 'weight_hr_l0': an LSTM with projections \(proj_size > 0\) "
                                         r"is not supported by numpy_nn"):
        nn_.lstm_forward(np.zeros((2, 5, 3)), None, projected)
