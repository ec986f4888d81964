"""companion.gradients: exact state Jacobians against torch autograd, the bound, initialisers, bad input."""

import numpy as np
import pytest
import torch

from companion.gradients import (
    MAX_SLOPE,
    jacobian_norms,
    orthogonal,
    power_norms,
    rnn_params,
    set_spectral_radius,
    spectral_radius,
    state_jacobians,
)

N, T, D, H = 2, 5, 3, 4
ACT = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}


def small_case(seed=0, w_hh="gaussian", rho=1.2):
    rng = np.random.default_rng(seed)
    params = rnn_params(D, H, w_hh=w_hh, spectral_radius=rho, rng=rng)
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((1, N, H))
    return params, x, h0


def torch_run(params, x_seq, h, nonlinearity):
    """h_T of one sequence x_seq (T', D) from state h (H,), in float64 torch."""
    p = {k: torch.tensor(v) for k, v in params.items()}
    for x_k in torch.tensor(x_seq):
        a = p["weight_ih_l0"] @ x_k + p["bias_ih_l0"] + p["weight_hh_l0"] @ h + p["bias_hh_l0"]
        h = ACT[nonlinearity](a)
    return h


def torch_states(params, x_seq, h0, nonlinearity):
    """h_0 .. h_T of one sequence, (T+1, H)."""
    hs = [torch.tensor(h0)]
    for k in range(len(x_seq)):
        hs.append(torch_run(params, x_seq[k:k + 1], hs[-1], nonlinearity))
    return hs


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "sigmoid"])
def test_state_jacobians_match_autograd(nonlinearity):
    params, x, h0 = small_case()
    J = state_jacobians(params, x, h0, nonlinearity=nonlinearity)
    assert J.shape == (N, T, H, H)
    for n in range(N):
        hs = torch_states(params, x[n], h0[0, n], nonlinearity)
        for t in range(T):
            # dh_T/dh_t: run the rest of the sequence, x_{t+1} .. x_T, from h_t
            ref = torch.autograd.functional.jacobian(
                lambda h: torch_run(params, x[n, t:], h, nonlinearity), hs[t].detach())
            np.testing.assert_allclose(J[n, t], ref.numpy(), rtol=1e-10, atol=1e-13)


def test_state_jacobians_match_torch_nn_rnn():
    """Parity with torch.nn.RNN itself: its state dict is a valid params, h_T = h_n."""
    torch.manual_seed(0)
    rnn = torch.nn.RNN(D, H, batch_first=True).double()
    params = rnn.state_dict()  # tensors, accepted as they are
    x = np.random.default_rng(1).standard_normal((N, T, D))
    J = state_jacobians(params, x)
    xt = torch.tensor(x)

    def h_T_from_h0(h0):  # (N, H) -> (N, H)
        return rnn(xt, h0[None])[1][0]

    ref = torch.autograd.functional.jacobian(h_T_from_h0, torch.zeros(N, H, dtype=torch.float64))  # (N, H, N, H)
    for n in range(N):
        np.testing.assert_allclose(J[n, 0], ref[n, :, n].detach().numpy(), rtol=1e-10, atol=1e-13)


def test_jacobian_norms_are_spectral_norms_of_the_jacobians():
    params, x, h0 = small_case(seed=2)
    J = state_jacobians(params, x, h0, nonlinearity="relu")
    per_seq = jacobian_norms(params, x, h0, nonlinearity="relu", reduce="none")
    svd = np.linalg.svd(J, compute_uv=False)[..., 0]  # (N, T) largest singular values
    np.testing.assert_allclose(per_seq, svd, rtol=1e-12)
    np.testing.assert_allclose(jacobian_norms(params, x, h0, nonlinearity="relu"), svd.mean(axis=0), rtol=1e-12)


def test_linear_limit_is_a_matrix_power():
    """Tiny weights and inputs: tanh is nearly linear, so dh_T/dh_t ~ W_hh^(T-t)."""
    params, x, _ = small_case(seed=3, rho=0.9)
    params["weight_ih_l0"] *= 0
    params["bias_ih_l0"] *= 0
    params["bias_hh_l0"] *= 0
    J = state_jacobians(params, x)  # h stays 0, so tanh'(0) = 1 exactly
    w = params["weight_hh_l0"]
    for t in range(T):
        np.testing.assert_allclose(J[0, t], np.linalg.matrix_power(w, T - t), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "sigmoid"])
def test_norms_below_the_bound(nonlinearity):
    """||dh_T/dh_t|| <= (gamma sigma_max(W_hh))^(T - t)."""
    params, x, h0 = small_case(seed=4, rho=1.5)
    norms = jacobian_norms(params, x, h0, nonlinearity=nonlinearity, reduce="none")
    sigma_max = np.linalg.norm(params["weight_hh_l0"], 2)
    bound = (MAX_SLOPE[nonlinearity] * sigma_max) ** (T - np.arange(T))
    assert np.all(norms <= bound * (1 + 1e-12))


def test_initialisers():
    rng = np.random.default_rng(5)
    q = orthogonal(6, rng)
    np.testing.assert_allclose(q.T @ q, np.eye(6), atol=1e-13)
    np.testing.assert_allclose(orthogonal(6, 7), orthogonal(6, 7))  # int seed: reproducible
    w = set_spectral_radius(rng.standard_normal((6, 6)), 0.7)
    assert spectral_radius(w) == pytest.approx(0.7, rel=1e-12)
    assert spectral_radius(np.diag([0.5, -2.0])) == pytest.approx(2.0)
    for kind, rho in [("uniform", None), ("gaussian", 1.1), ("orthogonal", 0.9), ("identity", 1.0)]:
        p = rnn_params(2, 6, w_hh=kind, spectral_radius=rho, rng=0)
        assert {k: v.shape for k, v in p.items()} == {
            "weight_ih_l0": (6, 2), "weight_hh_l0": (6, 6), "bias_ih_l0": (6,), "bias_hh_l0": (6,)}
        if rho is not None:
            assert spectral_radius(p["weight_hh_l0"]) == pytest.approx(rho, rel=1e-10)
    np.testing.assert_array_equal(rnn_params(2, 6, w_hh="identity", rng=0)["weight_hh_l0"], np.eye(6))
    ortho = rnn_params(2, 6, w_hh="orthogonal", rng=0)["weight_hh_l0"]
    np.testing.assert_allclose(np.linalg.svd(ortho, compute_uv=False), np.ones(6), rtol=1e-12)


def test_zero_bias_changes_no_other_draw():
    plain = rnn_params(2, 6, w_hh="identity", rng=3)
    irnn = rnn_params(2, 6, w_hh="identity", zero_bias=True, rng=3)
    assert not irnn["bias_ih_l0"].any() and not irnn["bias_hh_l0"].any()
    assert plain["bias_ih_l0"].any()
    np.testing.assert_array_equal(irnn["weight_ih_l0"], plain["weight_ih_l0"])


def test_power_norms_are_norms_of_matrix_powers():
    w = np.random.default_rng(8).standard_normal((5, 5)) / 2
    expected = [np.linalg.norm(np.linalg.matrix_power(w, k), 2) for k in range(1, 8)]
    np.testing.assert_allclose(power_norms(w, 7), expected, rtol=1e-12)
    np.testing.assert_allclose(power_norms(np.eye(3), 4), np.ones(4))
    with pytest.raises(ValueError, match=r"w must be a non-empty square matrix \(H, H\), got shape \(2, 3\)"):
        power_norms(np.zeros((2, 3)), 2)
    with pytest.raises(ValueError, match=r"k_max must be an integer >= 1, got 0"):
        power_norms(np.eye(2), 0)


# ------------------------------------------------------------------ bad input
def test_bad_input_raises_value_error_naming_the_argument():
    params, x, h0 = small_case()
    cases = [
        (lambda: jacobian_norms(params, x[0]), "x"),
        (lambda: jacobian_norms(params, x[:, :, :2]), "x must have D=3"),
        (lambda: jacobian_norms(params, x, np.zeros((N, H))), "h0"),
        (lambda: jacobian_norms(params, x, nonlinearity="gelu"), "nonlinearity"),
        (lambda: jacobian_norms(params, x, reduce="max"), "reduce"),
        (lambda: jacobian_norms({**params, "weight_hh_l0": np.zeros((H, H + 1))}, x), "params"),
        (lambda: jacobian_norms({**params, "weight_ih_l1": np.zeros((H, H))}, x), "params"),
        (lambda: state_jacobians({"weight_hh_l0": np.eye(H)}, x), "params"),
        (lambda: state_jacobians(params, np.full((N, T, D), np.nan)), "x"),
        (lambda: set_spectral_radius(np.zeros((2, 3)), 1.0), "w"),
        (lambda: set_spectral_radius(np.eye(3), -1.0), "rho"),
        (lambda: set_spectral_radius(np.triu(np.ones((3, 3)), 1), 1.0), "spectral radius 0"),
        (lambda: spectral_radius(np.ones(3)), "w"),
        (lambda: orthogonal(0, 0), "n"),
        (lambda: rnn_params(2, 3, w_hh="random", rng=0), "w_hh"),
        (lambda: rnn_params(2, 0, rng=0), "hidden_size"),
    ]
    for call, name in cases:
        with pytest.raises(ValueError, match=name):
            call()


def test_rng_none_is_refused():
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator or an int seed >= 0, got None"):
        orthogonal(3, None)
