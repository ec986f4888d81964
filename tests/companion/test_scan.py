"""Every fast form in companion.scan equals the loop that defines it."""

import math

import pytest
import torch

from companion.scan import (
    MinGRU,
    causal_conv,
    exp_gate_memory_naive,
    exp_gate_memory_stable,
    linear_attention_parallel,
    linear_attention_recurrent,
    linear_recurrence_doubling,
    linear_recurrence_loop,
    linear_recurrence_scan,
    lti_kernel,
    lti_recurrence,
)

f64 = torch.float64


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


# ------------------------------------------------------------- linear recurrence
def test_loop_golden_values():
    a = torch.tensor([[[0.5], [2.0], [-1.0]]], dtype=f64)  # (1, 3, 1)
    b = torch.tensor([[[1.0], [1.0], [3.0]]], dtype=f64)
    h0 = torch.tensor([[4.0]], dtype=f64)
    # h1 = 0.5*4 + 1 = 3, h2 = 2*3 + 1 = 7, h3 = -7 + 3 = -4
    expected = torch.tensor([[[3.0], [7.0], [-4.0]]], dtype=f64)
    torch.testing.assert_close(linear_recurrence_loop(a, b, h0), expected)
    torch.testing.assert_close(linear_recurrence_scan(a, b, h0), expected)


@pytest.mark.parametrize("signs", ["positive", "mixed"])
def test_scan_equals_loop(signs):
    g = gen(1)
    a = torch.rand(3, 200, 5, generator=g, dtype=f64) * 0.6 + 0.35  # (N, T, H)
    b = torch.randn(3, 200, 5, generator=g, dtype=f64)
    h0 = torch.randn(3, 5, generator=g, dtype=f64)
    if signs == "positive":
        b, h0 = b.abs(), h0.abs()
    else:
        a = a * torch.where(torch.rand(a.shape, generator=g) < 0.3, -1.0, 1.0).to(f64)
    torch.testing.assert_close(linear_recurrence_scan(a, b, h0), linear_recurrence_loop(a, b, h0), rtol=1e-9, atol=1e-9)


def test_scan_handles_zero_inputs_and_default_h0():
    g = gen(2)
    a = torch.rand(2, 30, 4, generator=g, dtype=f64) + 0.1
    b = torch.randn(2, 30, 4, generator=g, dtype=f64)
    b[:, :7] = 0.0  # log 0 = -inf at the start, with h0 = 0
    out = linear_recurrence_scan(a, b)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out, linear_recurrence_loop(a, b), rtol=1e-9, atol=1e-12)


def test_scan_long_sequence_does_not_underflow():
    # A_T = 0.5**3000 underflows float64; the log-space form never forms it.
    a = torch.full((1, 3000, 1), 0.5, dtype=f64)
    b = torch.ones(1, 3000, 1, dtype=f64)
    out = linear_recurrence_scan(a, b)
    torch.testing.assert_close(out[0, -1, 0], torch.tensor(2.0, dtype=f64))  # fixed point b/(1-a)
    torch.testing.assert_close(out, linear_recurrence_loop(a, b))


def test_scan_gradients_match_loop():
    g = gen(3)
    a = (torch.rand(2, 20, 3, generator=g, dtype=f64) * 0.8 + 0.1).requires_grad_()
    b = torch.randn(2, 20, 3, generator=g, dtype=f64, requires_grad=True)
    w = torch.randn(2, 20, 3, generator=g, dtype=f64)
    ga = torch.autograd.grad((linear_recurrence_scan(a, b) * w).sum(), (a, b))
    gl = torch.autograd.grad((linear_recurrence_loop(a, b) * w).sum(), (a, b))
    for x, y in zip(ga, gl):
        torch.testing.assert_close(x, y, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("T", [1, 2, 7, 64, 100])
def test_doubling_equals_loop_with_signs_and_zeros(T):
    g = gen(8)
    a = torch.randn(2, T, 3, generator=g, dtype=f64)
    a[:, T // 2] = 0.0  # a reset
    b = torch.randn(2, T, 3, generator=g, dtype=f64)
    h0 = torch.randn(2, 3, generator=g, dtype=f64)
    torch.testing.assert_close(linear_recurrence_doubling(a, b, h0), linear_recurrence_loop(a, b, h0))


def test_doubling_gradients_match_loop():
    g = gen(9)
    a = torch.randn(2, 33, 3, generator=g, dtype=f64, requires_grad=True)
    b = torch.randn(2, 33, 3, generator=g, dtype=f64, requires_grad=True)
    w = torch.randn(2, 33, 3, generator=g, dtype=f64)
    gd = torch.autograd.grad((linear_recurrence_doubling(a, b) * w).sum(), (a, b))
    gl = torch.autograd.grad((linear_recurrence_loop(a, b) * w).sum(), (a, b))
    for x, y in zip(gd, gl):
        torch.testing.assert_close(x, y)


def test_recurrence_bad_input():
    a = torch.rand(2, 5, 3)
    with pytest.raises(ValueError, match="b must have the shape"):
        linear_recurrence_loop(a, torch.rand(2, 5, 4))
    with pytest.raises(ValueError, match=r"a must have shape \(N, T, H\)"):
        linear_recurrence_scan(torch.rand(5, 3), torch.rand(5, 3))
    with pytest.raises(ValueError, match="h0 must have shape"):
        linear_recurrence_scan(a, a, torch.zeros(3))
    with pytest.raises(ValueError, match="h0 must have shape"):
        linear_recurrence_doubling(a, a, torch.zeros(2, 4))
    a[0, 2, 1] = 0.0
    with pytest.raises(ValueError, match="a must be non-zero"):
        linear_recurrence_scan(a, a)


# ------------------------------------------------------------------------ minGRU
def test_mingru_scan_equals_loop_and_equation():
    torch.manual_seed(0)
    cell = MinGRU(3, 6).double()
    x = torch.randn(4, 25, 3, dtype=f64)
    h0 = torch.randn(4, 6, dtype=f64)
    out_scan, last = cell(x, h0)
    out_loop, _ = cell(x, h0, mode="loop")
    out_doubling, _ = cell(x, h0, mode="doubling")
    torch.testing.assert_close(out_scan, out_loop, rtol=1e-9, atol=1e-10)
    torch.testing.assert_close(out_doubling, out_loop)
    torch.testing.assert_close(last, out_scan[:, -1])
    # the equation, written out for step 1
    z = torch.sigmoid(x[:, 0] @ cell.linear_z.weight.T + cell.linear_z.bias)
    h_tilde = x[:, 0] @ cell.linear_h.weight.T + cell.linear_h.bias
    torch.testing.assert_close(out_loop[:, 0], (1 - z) * h0 + z * h_tilde)


def test_mingru_bad_input():
    cell = MinGRU(3, 6)
    with pytest.raises(ValueError, match="x must have shape"):
        cell(torch.randn(2, 5, 4))
    with pytest.raises(ValueError, match="mode"):
        cell(torch.randn(2, 5, 3), mode="parallel")


# ------------------------------------------------------------------------- LTI
def _lti(seed=4, H=6, D=2, O=3):  # noqa: E741 (O is the book's output size)
    g = gen(seed)
    radius = torch.rand(H, generator=g, dtype=f64) * 0.5 + 0.45
    angle = torch.rand(H, generator=g, dtype=f64) * math.pi
    Lambda = torch.polar(radius, angle)
    B = torch.complex(torch.randn(H, D, generator=g, dtype=f64), torch.randn(H, D, generator=g, dtype=f64))
    C = torch.complex(torch.randn(O, H, generator=g, dtype=f64), torch.randn(O, H, generator=g, dtype=f64))
    x = torch.randn(2, 40, D, generator=g, dtype=f64)
    return Lambda, B, C, x


@pytest.mark.parametrize("fft", [True, False])
def test_lti_recurrence_equals_convolution(fft):
    Lambda, B, C, x = _lti()
    K = lti_kernel(Lambda, B, C, x.shape[1])
    torch.testing.assert_close(causal_conv(K, x, fft=fft), lti_recurrence(Lambda, B, C, x), rtol=1e-9, atol=1e-9)


def test_lti_kernel_golden():
    Lambda = torch.tensor([0.5 + 0j], dtype=torch.complex128)
    B = torch.tensor([[2.0 + 0j]], dtype=torch.complex128)
    C = torch.tensor([[3.0 + 0j]], dtype=torch.complex128)
    K = lti_kernel(Lambda, B, C, 3)
    torch.testing.assert_close(K[:, 0, 0], torch.tensor([6.0, 3.0, 1.5], dtype=f64))


def test_lti_bad_input():
    Lambda, B, C, x = _lti()
    with pytest.raises(ValueError, match="B must have shape"):
        lti_recurrence(Lambda, B.T, C, x)
    with pytest.raises(ValueError, match="x must have shape"):
        lti_recurrence(Lambda, B, C, x[..., :1])
    with pytest.raises(ValueError, match="K must have shape"):
        causal_conv(torch.zeros(5, 3, 2, dtype=f64), x)


# -------------------------------------------------------------- linear attention
def test_linear_attention_parallel_equals_recurrent():
    g = gen(5)
    q, k = torch.randn(2, 2, 30, 4, generator=g, dtype=f64)
    v = torch.randn(2, 30, 5, generator=g, dtype=f64)
    torch.testing.assert_close(
        linear_attention_parallel(q, k, v), linear_attention_recurrent(q, k, v), rtol=1e-10, atol=1e-10
    )


def test_linear_attention_first_step_returns_v1():
    g = gen(6)
    q, k = torch.randn(2, 1, 7, 3, generator=g, dtype=f64)
    v = torch.randn(1, 7, 2, generator=g, dtype=f64)
    torch.testing.assert_close(linear_attention_recurrent(q, k, v)[:, 0], v[:, 0])


def test_linear_attention_bad_input():
    with pytest.raises(ValueError, match="q, k must have shape"):
        linear_attention_parallel(torch.zeros(1, 4, 3), torch.zeros(1, 4, 2), torch.zeros(1, 4, 2))


# ------------------------------------------------------------ exponential gates
def test_stable_equals_naive_where_finite():
    g = gen(7)
    i_pre, f_pre, z = torch.randn(3, 4, 50, generator=g, dtype=f64) * 3
    torch.testing.assert_close(
        exp_gate_memory_stable(i_pre, f_pre, z), exp_gate_memory_naive(i_pre, f_pre, z), rtol=1e-10, atol=1e-12
    )


def test_stable_is_finite_where_naive_overflows():
    i_pre = torch.tensor([[1.0, 800.0, 2.0]], dtype=f64)  # exp(800) = inf in float64
    f_pre = torch.zeros(1, 3, dtype=f64)
    z = torch.tensor([[1.0, -1.0, 0.5]], dtype=f64)
    naive = exp_gate_memory_naive(i_pre, f_pre, z)
    stable = exp_gate_memory_stable(i_pre, f_pre, z)
    assert not torch.isfinite(naive[:, 1:]).any()
    assert torch.isfinite(stable).all()
    # the huge input gate makes the memory equal to z_2, and step 3 barely moves it
    torch.testing.assert_close(stable[0, 1], torch.tensor(-1.0, dtype=f64))
    torch.testing.assert_close(stable[0, 2], torch.tensor(-1.0, dtype=f64))


def test_gates_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        exp_gate_memory_stable(torch.zeros(2, 3), torch.zeros(2, 4), torch.zeros(2, 3))
