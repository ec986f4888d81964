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

from ._checks import LayerParams
from ._sequence import layer_grads, project_inputs, sequence_backward, sequence_forward, sigmoid_


class GRUStepCache(NamedTuple):
    h_prev: np.ndarray  # (N, H) h_{t-1}
    rz: np.ndarray  # (N, 2H) [r, z]
    n: np.ndarray  # (N, H) candidate n_t
    hw_n: np.ndarray  # (N, H) W_hn h_{t-1} + b_hn


def gru_step_forward(xw_t, h_prev, w_hh, b_hh=None):
    """One GRU step.

    xw_t (N, 3H): the input term ``x_t @ W_ih.T + b_ih``; h_prev (N, H); w_hh (3H, H); b_hh (3H,) or None.
    Returns ``h`` (N, H) and the step cache.
    """
    H = h_prev.shape[-1]
    hw = h_prev @ w_hh.T  # (N, 3H)  W_hh h_{t-1}
    if b_hh is not None:
        hw += b_hh  # + b_hh
    rz = hw[:, : 2 * H]  # reuse the buffer: r, z = sigma(xw + hw)
    rz += xw_t[:, : 2 * H]
    sigmoid_(rz)
    r, z = rz[:, :H], rz[:, H:]
    hw_n = hw[:, 2 * H :]
    n = r * hw_n  # n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    n += xw_t[:, 2 * H :]
    np.tanh(n, out=n)
    h = h_prev - n  # h = (1 - z) * n + z * h_prev = n + z * (h_prev - n)
    h *= z
    h += n
    return h, GRUStepCache(h_prev, rz, n, hw_n)


def gru_step_backward(dh, cache, w_hh, out_x=None, out_h=None):
    """Backward of one step. dh (N, H) is dL/dh_t.

    Returns ``da_x`` = dL/d(W_ih x_t + b_ih) (N, 3H), ``da_h`` = dL/d(W_hh h_{t-1} + b_hh) (N, 3H)
    and ``dh_prev`` (N, H). The two differ only in the n block: ``da_h[:, n] = r * da_x[:, n]``.
    """
    h_prev, rz, n, hw_n = cache
    H = n.shape[-1]
    r, z = rz[:, :H], rz[:, H:]
    da_x = np.empty(n.shape[:-1] + (3 * H,), dtype=n.dtype) if out_x is None else out_x
    da_h = np.empty_like(da_x) if out_h is None else out_h
    dan = da_x[:, 2 * H :]
    np.multiply(dh, 1.0 - z, out=dan)  # through h = (1 - z) * n + ...: dn = dh * (1 - z)
    dan *= 1.0 - n * n  # through tanh: 1 - n**2
    np.multiply(dan, hw_n, out=da_x[:, :H])  # dr = dan * (W_hn h + b_hn)
    np.multiply(dh, h_prev - n, out=da_x[:, H : 2 * H])  # dz = dh * (h_prev - n)
    da_x[:, : 2 * H] *= rz * (1.0 - rz)  # through sigma: s * (1 - s), for r and z at once
    da_h[:, : 2 * H] = da_x[:, : 2 * H]
    np.multiply(dan, r, out=da_h[:, 2 * H :])  # through r * (W_hn h + b_hn)
    dh_prev = da_h @ w_hh  # through W_hh h_{t-1}
    dh_prev += dh * z  # through z * h_prev
    return da_x, da_h, dh_prev


class GRULayerCache(NamedTuple):
    x: np.ndarray  # (T, N, D) layer input
    hs: np.ndarray  # (T+1, N, H) h_0 .. h_T
    steps: list  # T step caches
    p: LayerParams


def _layer_forward(x, state0, p):
    (h0,) = state0
    T = x.shape[0]
    xw = project_inputs(x, p, fold_b_hh=False)  # (T, N, 3H)
    hs = np.empty((T + 1,) + h0.shape, dtype=x.dtype)  # (T+1, N, H)
    hs[0] = h0
    w_hh = np.asfortranarray(p.w_hh)  # same (G*H, H) matrix; its .T is C-contiguous: a faster h @ w_hh.T
    steps = []
    for t in range(T):
        h, step = gru_step_forward(xw[t], hs[t], w_hh, p.b_hh)
        hs[t + 1] = h
        steps.append(step._replace(h_prev=hs[t]))
    return hs, (hs[T],), GRULayerCache(x, hs, steps, p)


def _layer_backward(dhs, dfinal, cache):
    (dh,) = dfinal
    T, N = dhs.shape[:2]
    shape = (T, N, cache.p.w_hh.shape[0])
    da_x, da_h = np.empty(shape, dtype=dh.dtype), np.empty(shape, dtype=dh.dtype)  # (T, N, 3H) each
    for t in reversed(range(T)):
        _, _, dh = gru_step_backward(dh + dhs[t], cache.steps[t], cache.p.w_hh, out_x=da_x[t], out_h=da_h[t])
    dx, grads = layer_grads(da_x, cache.x, da_h, cache.hs[:-1], cache.p)
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
