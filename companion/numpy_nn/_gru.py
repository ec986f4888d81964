r"""GRU in NumPy, forward and backward by hand, in torch's layout (gate order r, z, n).

.. math::

    r_t &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}), \qquad
    z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
    n_t &= \tanh\big(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})\big) \\
    h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}

Unlike RNN and LSTM, ``b_hh`` cannot be folded into the input term: ``b_hn`` sits inside
``r_t * (...)``. Shapes: ``x`` (N, T, D), ``h`` (L, N, H), ``weight_ih_l0`` (3H, D).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import LayerParams, check_cache, check_step
from ._sequence import layer_grads, project_inputs, sequence_backward, sequence_forward, sigmoid_


class GRUStepCache(NamedTuple):
    h_prev: np.ndarray  # (N, H) h_{t-1}
    gates: np.ndarray  # (N, 3H) [r, z, n]
    hw: np.ndarray  # (N, 3H) W_hh h_{t-1} + b_hh


def gru_step_forward(xw_t, h_prev, w_hh, b_hh=None, out=None):
    """One GRU step.

    xw_t (N, 3H): the input term ``x_t @ W_ih.T + b_ih``; h_prev (N, H); w_hh (3H, H); b_hh (3H,) or None.
    Returns ``h`` (N, H) and the step cache. ``out``, if given, is a tuple ``(gates, hw, h)`` of
    arrays to write into, so that a sequence loop allocates nothing per step; ``gates`` (N, 3H)
    may be ``xw_t`` itself.
    """
    check_step(3, w_hh, xw_t, b_hh, h_prev=h_prev)
    return _step_forward(xw_t, h_prev, w_hh, b_hh, out)


def _step_forward(xw_t, h_prev, w_hh, b_hh, out):
    """:func:`gru_step_forward` without the checks, for the sequence loop."""
    H = h_prev.shape[-1]
    gates, hw, h = (None,) * 3 if out is None else out
    hw = np.matmul(w_hh, h_prev.T, out=None if hw is None else hw.T).T  # (N, 3H): W_hh h_{t-1}, column form
    if b_hh is not None:
        hw += b_hh  # + b_hh
    if gates is None:
        gates = np.empty_like(hw)
    rz = np.add(xw_t[:, : 2 * H], hw[:, : 2 * H], out=gates[:, : 2 * H])
    sigmoid_(rz)  # r, z = sigma(W_i x + b_i + W_h h + b_h), both at once
    r, z = rz[:, :H], rz[:, H:]
    n = np.add(xw_t[:, 2 * H :], r * hw[:, 2 * H :], out=gates[:, 2 * H :])  # W_in x + b_in + r * (W_hn h + b_hn)
    np.tanh(n, out=n)
    h = np.subtract(h_prev, n, out=h)  # h = (1 - z) * n + z * h_prev = n + z * (h_prev - n)
    h *= z
    h += n
    return h, GRUStepCache(h_prev, gates, hw)


def gru_step_backward(dh, cache, w_hh):
    """Backward of one step. dh (N, H) is dL/dh_t.

    Returns ``da_x`` = dL/d(W_ih x_t + b_ih) (N, 3H), ``da_h`` = dL/d(W_hh h_{t-1} + b_hh) (N, 3H)
    and ``dh_prev`` (N, H). The two differ only in the n block: ``da_h[:, n] = r * da_x[:, n]``.
    """
    check_cache(cache, GRUStepCache, "gru_step_forward")
    check_step(3, w_hh, h_prev=cache.h_prev, dh=dh)
    return _step_backward(dh, cache, w_hh)


def _step_backward(dh, cache, w_hh):
    """:func:`gru_step_backward` without the checks, for the sequence loop."""
    h_prev, gates, hw = cache
    H = h_prev.shape[-1]
    rz, n, hw_n = gates[:, : 2 * H], gates[:, 2 * H :], hw[:, 2 * H :]
    r, z = rz[:, :H], rz[:, H:]
    da_x = np.empty_like(gates)  # (N, 3H), same memory layout as the gates
    da_h = np.empty_like(gates)
    dan = da_x[:, 2 * H :]
    np.multiply(dh, 1.0 - z, out=dan)  # through h = (1 - z) * n + ...: dn = dh * (1 - z)
    dan *= 1.0 - n * n  # through tanh: 1 - n**2
    np.multiply(dan, hw_n, out=da_x[:, :H])  # dr = dan * (W_hn h + b_hn)
    np.multiply(dh, h_prev - n, out=da_x[:, H : 2 * H])  # dz = dh * (h_prev - n)
    da_x[:, : 2 * H] *= rz * (1.0 - rz)  # through sigma: s * (1 - s), for r and z at once
    da_h[:, : 2 * H] = da_x[:, : 2 * H]
    np.multiply(dan, r, out=da_h[:, 2 * H :])  # through r * (W_hn h + b_hn)
    dh_prev = (w_hh.T @ da_h.T).T  # through W_hh h_{t-1}: W_hh^T da_h
    dh_prev += dh * z  # through z * h_prev
    return da_x, da_h, dh_prev


class GRULayerCache(NamedTuple):
    x: np.ndarray  # (D, T, N) layer input
    hs: np.ndarray  # (H, T+1, N) h_0 .. h_T
    gates: np.ndarray  # (T, 3H, N) [r, z, n] at each step
    hws: np.ndarray  # (T, 3H, N) W_hh h_{t-1} + b_hh at each step
    p: LayerParams

    def step(self, t):
        """The cache of step t, as gru_step_forward returned it."""
        return GRUStepCache(self.hs[:, t].T, self.gates[t].T, self.hws[t].T)


def _layer_forward(x, state0, p):
    (h0,) = state0
    gates = project_inputs(x, p.w_ih, p.b_ih)  # (T, 3H, N): W_ih x_t + b_ih, becomes the gates
    T, H, N = gates.shape[0], h0.shape[1], h0.shape[0]
    hs = np.empty((H, T + 1, N), dtype=x.dtype)  # (H, T+1, N)
    hws = np.empty_like(gates)  # (T, 3H, N)
    hs[:, 0] = h0.T
    for t in range(T):  # .T turns each (K, N) block into an (N, K) view; nothing is allocated per step
        out = (gates[t].T, hws[t].T, hs[:, t + 1].T)
        _step_forward(gates[t].T, hs[:, t].T, p.w_hh, p.b_hh, out=out)
    return hs, (hs[:, T].T,), GRULayerCache(x, hs, gates, hws, p)


def _layer_backward(dhs, dfinal, cache):
    (dh,) = dfinal
    H, T, N = dhs.shape
    da_x, da_h = np.empty((3 * H, T, N), dtype=dh.dtype), np.empty((3 * H, T, N), dtype=dh.dtype)
    dh = np.asfortranarray(dh)
    for t in reversed(range(T)):
        dax_t, dah_t, dh = _step_backward(dh + dhs[:, t].T, cache.step(t), cache.p.w_hh)
        da_x[:, t], da_h[:, t] = dax_t.T, dah_t.T
    dx, grads = layer_grads(da_x, cache.x, da_h, cache.hs[:, :-1], cache.p)
    return dx, (dh,), grads


def gru_forward(x, h0, params):
    """Multi-layer GRU over a batch of sequences.

    x (N, T, D); h0 (L, N, H) or None (zeros); params: dict shaped like ``torch.nn.GRU(...).state_dict()``.
    Returns ``out`` (N, T, H), ``h_n`` (L, N, H), and a cache.
    """
    out, (h_n,), cache = sequence_forward("gru", x, (h0,), params, 3, _layer_forward, ("h0",))
    return out, h_n, cache


def gru_backward(dout, dh_n, cache):
    """Backward of :func:`gru_forward`. dout (N, T, H) or None, dh_n (L, N, H) or None.

    Returns ``dx`` (N, T, D), ``dh0`` (L, N, H) and ``grads`` keyed and shaped like the params.
    """
    dx, (dh0,), grads = sequence_backward("gru", dout, (dh_n,), cache, _layer_backward, ("dh_n",))
    return dx, dh0, grads
