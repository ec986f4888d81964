"""Linear recurrences and their parallel forms: scans, minGRU, state-space models,
linear attention and xLSTM's stabilised exponential gates.

Notation (the book's): N batch, T time steps, D input size, H hidden (state) size,
O output size. Every fast form sits beside the loop that defines it, and the tests
(tests/companion/test_scan.py) assert that the two agree.

- ``linear_recurrence_loop`` / ``linear_recurrence_scan``: the diagonal recurrence
  ``h_t = a_t * h_{t-1} + b_t``, step by step and in closed form
  ``h_t = A_t * (h_0 + sum_{s<=t} b_s / A_s)`` with ``A_t = a_1 * ... * a_t``, computed
  in log space with ``cumsum`` and ``logcumsumexp`` (Heinsen 2023).
- ``MinGRU``: ``z_t = sigmoid(W_z x_t + b_z)``, ``htilde_t = W_h x_t + b_h``,
  ``h_t = (1 - z_t) * h_{t-1} + z_t * htilde_t`` (Feng et al. 2024).
- ``lti_recurrence`` / ``lti_kernel`` / ``causal_conv``: ``h_t = Lambda * h_{t-1} + B x_t``,
  ``y_t = Re(C h_t)`` and the same map as ``y = K * x`` with ``K_k = C diag(Lambda^k) B``.
- ``linear_attention_recurrent`` / ``linear_attention_parallel`` (Katharopoulos et al. 2020).
- ``exp_gate_memory_naive`` / ``exp_gate_memory_stable``: the sLSTM cell and normaliser
  with exponential gates, without and with the max-stabiliser (Beck et al. 2024).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._validate import check_one_of, check_positive_int

__all__ = [
    "linear_recurrence_loop",
    "linear_recurrence_scan",
    "linear_recurrence_doubling",
    "MinGRU",
    "lti_recurrence",
    "lti_kernel",
    "causal_conv",
    "elu_feature_map",
    "linear_attention_recurrent",
    "linear_attention_parallel",
    "exp_gate_memory_naive",
    "exp_gate_memory_stable",
]


def _check_ab(a, b, h0):
    if a.dim() != 3:
        raise ValueError(f"a must have shape (N, T, H), got {tuple(a.shape)}")
    if b.shape != a.shape:
        raise ValueError(f"b must have the shape of a {tuple(a.shape)}, got {tuple(b.shape)}")
    N, _, H = a.shape
    if h0 is None:
        return a.new_zeros(N, H)
    if h0.shape != (N, H):
        raise ValueError(f"h0 must have shape (N, H) = {(N, H)}, got {tuple(h0.shape)}")
    return h0


# ------------------------------------------------ the diagonal linear recurrence
def linear_recurrence_loop(a, b, h0=None):
    """``h_t = a_t * h_{t-1} + b_t`` for t = 1..T, one step at a time.

    Args:
        a: ``(N, T, H)`` multipliers (any real values).
        b: ``(N, T, H)`` inputs.
        h0: ``(N, H)`` initial state, zeros if None.

    Returns:
        ``(N, T, H)`` states h_1..h_T.
    """
    h = _check_ab(a, b, h0)
    out = []
    for t in range(a.shape[1]):
        h = a[:, t] * h + b[:, t]  # (N, H)
        out.append(h)
    return torch.stack(out, dim=1)  # (N, T, H)


def _complex_log(x):
    """log|x| + i*pi*[x < 0]: a logarithm for real numbers of either sign."""
    return torch.log(x.to(torch.promote_types(x.dtype, torch.complex64)))


def linear_recurrence_scan(a, b, h0=None):
    """The same states as ``linear_recurrence_loop``, without a loop over time.

    Closed form (Heinsen 2023): with ``A_t = a_1 * ... * a_t`` (``A_0 = 1``),
    ``h_t = A_t * (h_0 + sum_{s<=t} b_s / A_s)``. In log space:
    ``log h_t = a*_t + logcumsumexp_s(log b_s - a*_s)``, ``a*_t = cumsum log a``, with
    ``b_0 = h_0`` prepended. Products become sums, so ``A_t`` never underflows.
    Negative values take a complex logarithm, ``log x = log|x| + i*pi`` for ``x < 0``;
    the real part of ``exp`` gives back a real state. A zero in ``b`` or ``h0`` gives
    ``log 0 = -inf``, which is handled; a zero in ``a`` (a full reset) would divide by
    ``A_s = 0`` and raises ValueError: split the sequence there instead.

    Precision: ``a*_t`` and the log-sum are added in the dtype of the inputs, so the
    relative error grows like ``eps * |a*_t|``; use float64 for long sequences with
    small ``a``.
    """
    h0 = _check_ab(a, b, h0)
    if (a == 0).any():
        raise ValueError("a must be non-zero everywhere (a zero resets the state; split the sequence there)")
    log_a = _complex_log(a)  # (N, T, H)
    log_b = _complex_log(torch.cat([h0[:, None], b], dim=1))  # (N, 1+T, H)
    a_star = F.pad(torch.cumsum(log_a, dim=1), (0, 0, 1, 0))  # (N, 1+T, H), a*_0 = 0
    log_h = a_star + torch.logcumsumexp(log_b - a_star, dim=1)  # (N, 1+T, H)
    return torch.exp(log_h).real[:, 1:].to(b.dtype)  # (N, T, H)


def linear_recurrence_doubling(a, b, h0=None):
    """The same states by recursive doubling (Hillis & Steele), in ceil(log2 T) steps.

    Two steps ``h -> a1 h + b1`` then ``h -> a2 h + b2`` compose to one step
    ``h -> (a2 a1) h + (a2 b1 + b2)``. After the round with offset ``d``, position t
    holds the composition of the ``2d`` steps ending at t; offsets 1, 2, 4, ... cover
    the whole prefix (Martin & Cobb 2018 use this kind of scan). Real arithmetic only:
    any signs, zeros allowed, and ordinary autograd.
    """
    h0 = _check_ab(a, b, h0)
    b = torch.cat([b[:, :1] + a[:, :1] * h0[:, None], b[:, 1:]], dim=1)  # fold h0 into b_1
    T, d = a.shape[1], 1
    while d < T:
        b = torch.cat([b[:, :d], a[:, d:] * b[:, :-d] + b[:, d:]], dim=1)  # (N, T, H)
        a = torch.cat([a[:, :d], a[:, d:] * a[:, :-d]], dim=1)  # (N, T, H)
        d *= 2
    return b  # (N, T, H)


# ------------------------------------------------------------------- minGRU
class MinGRU(nn.Module):
    """minGRU (Feng et al. 2024): gates that read only the input.

    ``z_t = sigmoid(W_z x_t + b_z)``, ``htilde_t = W_h x_t + b_h``,
    ``h_t = (1 - z_t) * h_{t-1} + z_t * htilde_t``: a linear recurrence with
    ``a_t = 1 - z_t`` and ``b_t = z_t * htilde_t``, so the whole sequence can be
    computed by ``linear_recurrence_scan``. ``batch_first`` as in torch.

    ``forward(x, h0=None, mode="scan")`` returns ``(output (N, T, H), h_T (N, H))``;
    ``mode="loop"`` runs the step-by-step recurrence instead, ``mode="doubling"``
    ``linear_recurrence_doubling``.
    """

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size = check_positive_int("input_size", input_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.linear_z = nn.Linear(input_size, hidden_size)
        self.linear_h = nn.Linear(input_size, hidden_size)

    def forward(self, x, h0=None, mode="scan"):
        check_one_of("mode", mode, ("scan", "doubling", "loop"))
        if x.dim() != 3 or x.shape[-1] != self.input_size:
            raise ValueError(f"x must have shape (N, T, D={self.input_size}), got {tuple(x.shape)}")
        z = torch.sigmoid(self.linear_z(x))  # (N, T, H)
        h_tilde = self.linear_h(x)  # (N, T, H)
        a, b = 1 - z, z * h_tilde
        run = {"scan": linear_recurrence_scan, "doubling": linear_recurrence_doubling, "loop": linear_recurrence_loop}[
            mode
        ]
        out = run(a, b, h0)  # (N, T, H)
        return out, out[:, -1]


# ------------------------------------------------- linear time-invariant SSM
def _check_lti(Lambda, B, C):
    if Lambda.dim() != 1:
        raise ValueError(f"Lambda must have shape (H,), got {tuple(Lambda.shape)}")
    H = Lambda.shape[0]
    if B.dim() != 2 or B.shape[0] != H:
        raise ValueError(f"B must have shape (H={H}, D), got {tuple(B.shape)}")
    if C.dim() != 2 or C.shape[1] != H:
        raise ValueError(f"C must have shape (O, H={H}), got {tuple(C.shape)}")


def lti_recurrence(Lambda, B, C, x):
    """``h_t = Lambda * h_{t-1} + B x_t``, ``y_t = Re(C h_t)``, ``h_0 = 0``.

    Args:
        Lambda: ``(H,)`` complex diagonal of the state matrix.
        B: ``(H, D)`` complex input matrix.
        C: ``(O, H)`` complex output matrix.
        x: ``(N, T, D)`` real inputs.

    Returns:
        ``(N, T, O)`` real outputs.
    """
    _check_lti(Lambda, B, C)
    if x.dim() != 3 or x.shape[-1] != B.shape[1]:
        raise ValueError(f"x must have shape (N, T, D={B.shape[1]}), got {tuple(x.shape)}")
    h = torch.zeros(x.shape[0], Lambda.shape[0], dtype=Lambda.dtype)  # (N, H)
    ys = []
    for t in range(x.shape[1]):
        h = Lambda * h + x[:, t].to(B.dtype) @ B.T  # (N, H)
        ys.append((h @ C.T).real)  # (N, O)
    return torch.stack(ys, dim=1)  # (N, T, O)


def lti_kernel(Lambda, B, C, T):
    """The convolution kernel ``K_k = Re(C diag(Lambda^k) B)``, k = 0..T-1: ``(T, O, D)``."""
    _check_lti(Lambda, B, C)
    T = check_positive_int("T", T)
    powers = Lambda[None, :] ** torch.arange(T)[:, None]  # (T, H)
    return torch.einsum("oh,th,hd->tod", C, powers, B).real  # (T, O, D)


def causal_conv(K, x, *, fft=True):
    """``y_t = sum_{k=0}^{t} K_k x_{t-k}``: ``K (T, O, D)``, ``x (N, T, D)`` -> ``(N, T, O)``.

    With ``fft=True`` the sum is computed by FFTs of length 2T (no wrap-around);
    otherwise directly, in O(T^2).
    """
    if K.dim() != 3 or x.dim() != 3 or K.shape[0] != x.shape[1] or K.shape[2] != x.shape[2]:
        raise ValueError(
            f"K must have shape (T, O, D) matching x (N, T, D); got K {tuple(K.shape)}, x {tuple(x.shape)}"
        )
    T = x.shape[1]
    if not fft:
        idx = torch.arange(T)
        lag = idx[:, None] - idx[None, :]  # (T, T): t - s
        Kts = K[lag.clamp(min=0)] * (lag >= 0)[..., None, None]  # (T, T, O, D)
        return torch.einsum("tsod,nsd->nto", Kts, x)
    Kf = torch.fft.rfft(K, n=2 * T, dim=0)  # (T+1, O, D)
    xf = torch.fft.rfft(x, n=2 * T, dim=1)  # (N, T+1, D)
    yf = torch.einsum("fod,nfd->nfo", Kf, xf)  # (N, T+1, O)
    return torch.fft.irfft(yf, n=2 * T, dim=1)[:, :T]  # (N, T, O)


# --------------------------------------------------------- linear attention
def elu_feature_map(x):
    """phi(x) = elu(x) + 1 > 0 (Katharopoulos et al. 2020)."""
    return F.elu(x) + 1


def _check_qkv(q, k, v):
    if q.dim() != 3 or k.shape != q.shape or v.dim() != 3 or v.shape[:2] != q.shape[:2]:
        raise ValueError(
            f"q, k must have shape (N, T, D) and v (N, T, E); got q {tuple(q.shape)}, "
            f"k {tuple(k.shape)}, v {tuple(v.shape)}"
        )


def linear_attention_recurrent(q, k, v, feature_map=elu_feature_map):
    """Causal linear attention as an RNN with a matrix state.

    ``S_t = S_{t-1} + phi(k_t) v_t^T``, ``z_t = z_{t-1} + phi(k_t)``,
    ``y_t = S_t^T phi(q_t) / (z_t . phi(q_t))``. ``q, k (N, T, D)``, ``v (N, T, E)``.
    """
    _check_qkv(q, k, v)
    fq, fk = feature_map(q), feature_map(k)  # (N, T, D)
    N, T, D = q.shape
    S = q.new_zeros(N, D, v.shape[-1])  # (N, D, E)
    z = q.new_zeros(N, D)  # (N, D)
    ys = []
    for t in range(T):
        S = S + fk[:, t, :, None] * v[:, t, None, :]  # (N, D, E)
        z = z + fk[:, t]  # (N, D)
        num = torch.einsum("nd,nde->ne", fq[:, t], S)  # (N, E)
        ys.append(num / (fq[:, t] * z).sum(-1, keepdim=True))
    return torch.stack(ys, dim=1)  # (N, T, E)


def linear_attention_parallel(q, k, v, feature_map=elu_feature_map):
    """The same outputs as attention with a causal mask and similarity phi(q).phi(k).

    ``y_t = sum_{s<=t} (phi(q_t).phi(k_s)) v_s / sum_{s<=t} phi(q_t).phi(k_s)``.
    """
    _check_qkv(q, k, v)
    fq, fk = feature_map(q), feature_map(k)  # (N, T, D)
    T = q.shape[1]
    scores = fq @ fk.transpose(1, 2)  # (N, T, T)
    scores = scores * torch.tril(torch.ones(T, T, dtype=torch.bool))  # causal mask
    return (scores @ v) / scores.sum(-1, keepdim=True)  # (N, T, E)


# ------------------------------------------- xLSTM exponential gates (sLSTM)
def _check_gates(i_pre, f_pre, z):
    if i_pre.dim() != 2 or f_pre.shape != i_pre.shape or z.shape != i_pre.shape:
        raise ValueError(
            f"i_pre, f_pre and z must have the same shape (N, T); got {tuple(i_pre.shape)}, "
            f"{tuple(f_pre.shape)}, {tuple(z.shape)}"
        )


def exp_gate_memory_naive(i_pre, f_pre, z):
    """``c_t = f_t c_{t-1} + i_t z_t``, ``n_t = f_t n_{t-1} + i_t``, returns ``c_t / n_t``.

    Exponential gates ``i_t = exp(i_pre_t)``, ``f_t = exp(f_pre_t)`` as in sLSTM
    (Beck et al. 2024), computed as written: they overflow for large pre-activations.
    All arguments ``(N, T)``; returns ``(N, T)``.
    """
    _check_gates(i_pre, f_pre, z)
    c = n = i_pre.new_zeros(i_pre.shape[0])
    out = []
    for t in range(i_pre.shape[1]):
        i_t, f_t = torch.exp(i_pre[:, t]), torch.exp(f_pre[:, t])
        c = f_t * c + i_t * z[:, t]
        n = f_t * n + i_t
        out.append(c / n)
    return torch.stack(out, dim=1)


def exp_gate_memory_stable(i_pre, f_pre, z):
    """``c_t / n_t`` of ``exp_gate_memory_naive`` with the stabiliser of Beck et al. (2024).

    ``m_t = max(log f_t + m_{t-1}, log i_t)``, ``i'_t = exp(log i_t - m_t)``,
    ``f'_t = exp(log f_t + m_{t-1} - m_t)``: every exponent is <= 0, so nothing
    overflows; c and n are both scaled by ``exp(-m_t)``, so their ratio is unchanged.
    """
    _check_gates(i_pre, f_pre, z)
    c = n = i_pre.new_zeros(i_pre.shape[0])
    m = i_pre.new_full((i_pre.shape[0],), -torch.inf)  # m_0 = -inf: no past yet
    out = []
    for t in range(i_pre.shape[1]):
        log_i, log_f = i_pre[:, t], f_pre[:, t]
        m_new = torch.maximum(log_f + m, log_i)
        i_t = torch.exp(log_i - m_new)
        f_t = torch.exp(log_f + m - m_new)  # exp(-inf) = 0 at t = 1
        c = f_t * c + i_t * z[:, t]
        n = f_t * n + i_t
        m = m_new
        out.append(c / n)
    return torch.stack(out, dim=1)
