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


# ---------------------------------------------------------------- step functions
#
# Each step takes x_t (N, D), the previous state and one cell's parameters keyed
# like torch.nn.RNNCell/LSTMCell/GRUCell.state_dict(), and its backward returns
# every gradient: of x_t, of the previous state(s) and of each parameter.

STEP_CELLS = {  # name: (torch cell class, G, extra kwargs of the torch cell and of our step)
    "rnn_tanh": (torch.nn.RNNCell, 1, {"nonlinearity": "tanh"}),
    "rnn_relu": (torch.nn.RNNCell, 1, {"nonlinearity": "relu"}),
    "lstm": (torch.nn.LSTMCell, 4, {}),
    "gru": (torch.nn.GRUCell, 3, {}),
}
STEP_N, STEP_D, STEP_H = 3, 5, 4


def step_forward(cell, x_t, states, params):
    """Our step: returns the list of new states and the cache."""
    kw = STEP_CELLS[cell][2]
    if cell == "lstm":
        (h, c), cache = nn_.lstm_step_forward(x_t, tuple(states), params)
        return [h, c], cache
    fwd = nn_.rnn_step_forward if cell.startswith("rnn") else nn_.gru_step_forward
    h, cache = fwd(x_t, states[0], params, **kw)
    return [h], cache


def step_backward(cell, dstates, cache):
    """Our step backward: returns dx_t, the list of state gradients and the grads dict."""
    if cell == "lstm":
        dx_t, (dh_prev, dc_prev), grads = nn_.lstm_step_backward(tuple(dstates), cache)
        return dx_t, [dh_prev, dc_prev], grads
    bwd = nn_.rnn_step_backward if cell.startswith("rnn") else nn_.gru_step_backward
    dx_t, dh_prev, grads = bwd(dstates[0], cache)
    return dx_t, [dh_prev], grads


def step_case(cell, bias, seed):
    """A torch cell in float64, our params copied from it, x_t, states and upstream gradients."""
    cls, G, kw = STEP_CELLS[cell]
    torch.manual_seed(seed)
    ref = cls(STEP_D, STEP_H, bias=bias, **kw).double()
    params = {k: v.detach().numpy().copy() for k, v in ref.state_dict().items()}
    rng = np.random.default_rng(seed)
    n_states = 2 if cell == "lstm" else 1
    x_t = rng.standard_normal((STEP_N, STEP_D))
    states = [rng.standard_normal((STEP_N, STEP_H)) for _ in range(n_states)]
    douts = [rng.standard_normal((STEP_N, STEP_H)) for _ in range(n_states)]
    return ref, params, x_t, states, douts


@pytest.mark.parametrize("cell", STEP_CELLS)
@pytest.mark.parametrize("bias", [True, False])
def test_step_matches_torch_cell(cell, bias):
    """Outputs, dx_t, the state gradients and every weight gradient equal torch's, in float64."""
    ref, params, x_t, states, douts = step_case(cell, bias, seed=20)
    new, cache = step_forward(cell, x_t, states, params)
    dx_t, dstates, grads = step_backward(cell, douts, cache)

    x = torch.from_numpy(x_t).requires_grad_()
    hx = [torch.from_numpy(s).requires_grad_() for s in states]
    out = ref(x, hx[0] if len(hx) == 1 else tuple(hx))
    out = out if isinstance(out, tuple) else (out,)
    loss = sum((o * torch.from_numpy(d)).sum() for o, d in zip(out, douts))
    names = list(dict(ref.named_parameters()))
    t_grads = torch.autograd.grad(loss, [x, *hx, *ref.parameters()])
    for ours, theirs in zip(new, out):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(dx_t, t_grads[0].numpy(), rtol=0, atol=1e-13)
    for ours, theirs in zip(dstates, t_grads[1:1 + len(hx)]):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=0, atol=1e-13)
    assert list(grads) == names == list(params)  # the grads are keyed like the params
    for name, theirs in zip(names, t_grads[1 + len(hx):]):
        np.testing.assert_allclose(grads[name], theirs.numpy(), rtol=0, atol=1e-12, err_msg=name)
    if cell == "rnn_relu":
        assert (new[0] == 0).any() and (new[0] > 0).any()  # both branches of the ReLU are used


@pytest.mark.parametrize("cell", STEP_CELLS)
def test_step_backward_matches_finite_differences(cell):
    """Every gradient a step returns, checked by centred differences of a scalar loss."""
    _, params, x_t, states, douts = step_case(cell, True, seed=21)

    def loss(x_t, states, params):
        new, _ = step_forward(cell, x_t, states, params)
        return sum(np.sum(n * d) for n, d in zip(new, douts))

    _, cache = step_forward(cell, x_t, states, params)
    dx_t, dstates, grads = step_backward(cell, douts, cache)
    assert relative_error(dx_t, numerical_gradient(lambda v: loss(v, states, params), x_t)) < 1e-7
    for i, ds in enumerate(dstates):
        num = numerical_gradient(lambda v: loss(x_t, states[:i] + [v] + states[i + 1:], params), states[i])
        assert relative_error(ds, num) < 1e-7
    for key in params:
        num = numerical_gradient(lambda v, key=key: loss(x_t, states, {**params, key: v}), params[key])
        assert relative_error(grads[key], num) < 1e-7, key


def test_gru_step_cache_holds_the_gates():
    """The GRU cache: r, z, n, W_hn h + b_hn and the inputs, as the equations give them."""
    _, p, x_t, (h_prev,), _ = step_case("gru", True, seed=23)
    H = STEP_H
    _, cache = nn_.gru_step_forward(x_t, h_prev, p)
    xw = x_t @ p["weight_ih"].T + p["bias_ih"]
    hw = h_prev @ p["weight_hh"].T + p["bias_hh"]
    r = 1 / (1 + np.exp(-(xw[:, :H] + hw[:, :H])))
    z = 1 / (1 + np.exp(-(xw[:, H:2 * H] + hw[:, H:2 * H])))
    n = np.tanh(xw[:, 2 * H:] + r * hw[:, 2 * H:])
    for ours, expected in ((cache.r, r), (cache.z, z), (cache.n, n), (cache.hn, hw[:, 2 * H:])):
        np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(cache.h_prev, h_prev)
    np.testing.assert_array_equal(cache.x_t, x_t)


def test_sequence_cache_is_the_steps_stacked_over_time():
    """A layer cache holds (N, T, ...) arrays; its step(t) is the cache the step function returns."""
    m, params = torch_params("lstm", 3, 4, 1)
    x = np.random.default_rng(5).standard_normal((2, 6, 3))
    out, _, cache = nn_.lstm_forward(x, None, params)
    layer = cache.layers[0]
    assert layer.f.shape == (2, 6, 4) and layer.h.shape == (2, 7, 4) and layer.x.shape == (2, 6, 3)
    cell = {k[:-3]: v for k, v in params.items()}
    h = c = np.zeros((2, 4))
    for t in range(6):
        (h, c), step = nn_.lstm_step_forward(x[:, t], (h, c), cell)
        for name in ("i", "f", "g", "o", "tanh_c", "h_prev", "c_prev", "x_t"):
            np.testing.assert_allclose(getattr(layer.step(t), name), getattr(step, name), rtol=0, atol=1e-15)
    np.testing.assert_allclose(out, layer.h[:, 1:], rtol=0, atol=0)


def test_sigmoid_does_not_overflow_and_matches_torch():
    a = np.concatenate([[-800.0, 800.0], np.linspace(-40, 40, 10001)])
    with np.errstate(over="raise", invalid="raise"):
        s = nn_.sigmoid(a)
    np.testing.assert_allclose(s, torch.sigmoid(torch.from_numpy(a)).numpy(), rtol=0, atol=3e-16)


Z = np.zeros
STEP_BAD = [
    (lambda: nn_.rnn_step_forward(Z((3, 5)), Z((3, 4)), {"weight_ih": Z((4, 5)), "weight_hh": Z((4, 3))}),
     r"params\['weight_hh'\] must have shape \(3, 3\) for G=1, H=3, got \(4, 3\)"),
    (lambda: nn_.rnn_step_forward(Z((3, 6)), Z((3, 4)), {"weight_ih": Z((4, 5)), "weight_hh": Z((4, 4))}),
     r"params\['weight_ih'\] must have shape \(4, 6\) for G=1, H=4, D=6, got \(4, 5\)"),
    (lambda: nn_.rnn_step_forward(Z((3, 5)), Z((2, 4)), {"weight_ih": Z((4, 5)), "weight_hh": Z((4, 4))}),
     r"h_prev must have shape \(3, 4\) \(N, H\): N from x_t, H from params\['weight_hh'\], got \(2, 4\)"),
    (lambda: nn_.rnn_step_forward(Z(5), Z((3, 4)), {"weight_ih": Z((4, 5)), "weight_hh": Z((4, 4))}),
     r"x_t must have 2 dimensions, got shape \(5,\)"),
    (lambda: nn_.rnn_step_forward(Z((3, 5)), Z((3, 4)), {"weight_ih": Z((4, 5)), "weight_hh": Z((4, 4)),
                                                        "bias_ih": Z(4)}),
     r"params must have both bias_ih and bias_hh, or neither"),
    (lambda: nn_.rnn_step_forward(Z((3, 5)), Z((3, 4)), {"weight_ih_l0": Z((4, 5)), "weight_hh": Z((4, 4))}),
     r"params has unexpected key 'weight_ih_l0'"),
    (lambda: nn_.rnn_step_forward(Z((3, 5)), Z((3, 4)), {"weight_ih": Z((4, 5)), "weight_hh": Z((4, 4))},
                                  nonlinearity="gelu"), r"nonlinearity must be one of"),
    (lambda: nn_.rnn_step_backward(Z((2, 4)), nn_.rnn_step_forward(
        Z((3, 5)), Z((3, 4)), {"weight_ih": Z((4, 5)), "weight_hh": Z((4, 4))})[1]),
     r"dh must have shape \(3, 4\) \(N, H\), the shape of the step's output, got \(2, 4\)"),
    (lambda: nn_.rnn_step_backward(Z((3, 4)), "cache"), r"cache must be the RNNStepCache returned by rnn_step_forward"),
    (lambda: nn_.lstm_step_forward(Z((3, 5)), Z((3, 4)), {"weight_ih": Z((16, 5)), "weight_hh": Z((16, 4))}),
     r"state must be a pair \(h_prev, c_prev\)"),
    (lambda: nn_.lstm_step_forward(Z((3, 5)), (Z((3, 4)), Z((3, 2))), {"weight_ih": Z((16, 5)),
                                                                      "weight_hh": Z((16, 4))}),
     r"c_prev must have shape \(3, 4\)"),
    (lambda: nn_.lstm_step_forward(Z((3, 5)), (Z((3, 4)), Z((3, 4))), {"weight_ih": Z((12, 5)),
                                                                      "weight_hh": Z((12, 4))}),
     r"params\['weight_hh'\] must have shape \(16, 4\) for G=4, H=4, got \(12, 4\)"),
    (lambda: nn_.lstm_step_backward((Z((3, 4)), Z((1, 4))), nn_.lstm_step_forward(
        Z((3, 5)), (Z((3, 4)), Z((3, 4))), {"weight_ih": Z((16, 5)), "weight_hh": Z((16, 4))})[1]),
     r"dc must have shape \(3, 4\).*got \(1, 4\)"),
    (lambda: nn_.lstm_step_backward((Z((3, 4)), Z((3, 4))), nn_.gru_step_forward(
        Z((3, 5)), Z((3, 4)), {"weight_ih": Z((12, 5)), "weight_hh": Z((12, 4))})[1]),
     r"cache must be the LSTMStepCache returned by lstm_step_forward, got GRUStepCache"),
    (lambda: nn_.gru_step_forward(Z((3, 5)), Z((3, 4)), {"weight_ih": Z((16, 5)), "weight_hh": Z((16, 4))}),
     r"params\['weight_hh'\] must have shape \(12, 4\) for G=3, H=4, got \(16, 4\)"),
    (lambda: nn_.gru_step_backward(Z((3, 1)), nn_.gru_step_forward(
        Z((3, 5)), Z((3, 4)), {"weight_ih": Z((12, 5)), "weight_hh": Z((12, 4))})[1]),
     r"dh must have shape \(3, 4\).*got \(3, 1\)"),
]


@pytest.mark.parametrize("call, match", STEP_BAD, ids=[f"case{i}" for i in range(len(STEP_BAD))])
def test_step_functions_refuse_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---------------------------------------------------------------- parity with torch.nn

PARITY_CASES = [
    (cell, N, T, D, H, L, bias)
    for cell in CELLS
    for (N, T, D, H, L, bias) in [(4, 7, 5, 6, 1, True), (3, 5, 4, 8, 3, True), (2, 6, 3, 5, 2, False),
                                  (1, 1, 2, 3, 1, True)]
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
    with pytest.raises(ValueError,
                       match=r"params\['weight_ih_l1'\] must have shape \(16, 4\) for G=4, H=4, D=4, got \(16, 5\)"):
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
    with pytest.raises(ValueError,
                       match=r"params\['weight_hh_l0'\] must have shape \(16, 4\) for G=4, H=4, got \(12, 4\)"):
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
