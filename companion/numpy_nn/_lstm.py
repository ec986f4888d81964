r"""LSTM in NumPy, forward and backward by hand, in torch's layout (gate order i, f, g, o).

.. math::

    a_t &= W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh} = [a^i_t;\ a^f_t;\ a^g_t;\ a^o_t] \in \mathbb{R}^{4H} \\
    i_t &= \sigma(a^i_t), \quad f_t = \sigma(a^f_t), \quad g_t = \tanh(a^g_t), \quad o_t = \sigma(a^o_t) \\
    c_t &= f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)

Shapes: ``x`` (N, T, D), ``h`` and ``c`` (L, N, H), ``weight_ih_l0`` (4H, D), ``weight_hh_l0`` (4H, H).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import LayerParams, check_cache, check_step
from ._sequence import layer_grads, project_inputs, sequence_backward, sequence_forward, sigmoid_, summed_bias


class LSTMStepCache(NamedTuple):
    c_prev: np.ndarray  # (N, H) c_{t-1}
    gates: np.ndarray  # (N, 4H) activated [i, f, g, o]
    tanh_c: np.ndarray  # (N, H) tanh(c_t)


def lstm_step_forward(xw_t, h_prev, c_prev, w_hh, b_hh=None, out=None):
    """One LSTM step with the four gates in one (N, 4H) product.

    xw_t (N, 4H): the input term ``x_t @ W_ih.T + b_ih``; h_prev, c_prev (N, H); w_hh (4H, H); b_hh (4H,) or None.
    Returns ``h`` (N, H), ``c`` (N, H) and the step cache.
    ``out``, if given, is a tuple ``(gates, h, c, tanh_c)`` of arrays to write into, so that a
    sequence loop allocates nothing per step; ``gates`` (N, 4H) may be ``xw_t`` itself.
    """
    check_step(4, w_hh, xw_t, b_hh, h_prev=h_prev, c_prev=c_prev)
    return _step_forward(xw_t, h_prev, c_prev, w_hh, b_hh, out)


def _step_forward(xw_t, h_prev, c_prev, w_hh, b_hh, out):
    """:func:`lstm_step_forward` without the checks, for the sequence loop."""
    H = h_prev.shape[-1]
    gates, h, c, tanh_c = (None,) * 4 if out is None else out
    a = (w_hh @ h_prev.T).T  # (N, 4H): W_hh h_{t-1} in column form, each gate contiguous
    gates = np.add(a, xw_t, out=gates)  # a_t = W_ih x_t + b_ih + W_hh h_{t-1} (+ b_hh)
    if b_hh is not None:
        gates += b_hh
    sigmoid_(gates[:, : 2 * H])  # i, f = sigma(a_i), sigma(a_f)   (in place: gates now holds them)
    np.tanh(gates[:, 2 * H : 3 * H], out=gates[:, 2 * H : 3 * H])  # g = tanh(a_g)
    sigmoid_(gates[:, 3 * H :])  # o = sigma(a_o)
    i, f, g, o = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H : 3 * H], gates[:, 3 * H :]
    c = np.multiply(f, c_prev, out=c)  # c_t = f * c_{t-1} + i * g
    c += i * g
    tanh_c = np.tanh(c, out=tanh_c)
    h = np.multiply(o, tanh_c, out=h)  # h_t = o * tanh(c_t)
    return h, c, LSTMStepCache(c_prev, gates, tanh_c)


def lstm_step_backward(dh, dc, cache, w_hh, out=None):
    """Backward of one step. dh, dc (N, H): dL/dh_t and the dL/dc_t carried back from step t+1.

    Returns ``da`` = dL/da_t (N, 4H) (also dL/d(xw_t)), ``dh_prev`` and ``dc_prev`` (N, H).
    ``out``, if given, is an (N, 4H) array that receives ``da``.
    """
    check_cache(cache, LSTMStepCache, "lstm_step_forward")
    check_step(4, w_hh, c_prev=cache.c_prev, dh=dh, dc=dc)
    return _step_backward(dh, dc, cache, w_hh, out)


def _step_backward(dh, dc, cache, w_hh, out=None):
    """:func:`lstm_step_backward` without the checks, for the sequence loop."""
    c_prev, gates, tanh_c = cache
    H = c_prev.shape[-1]
    i, f, g, o = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H : 3 * H], gates[:, 3 * H :]
    da = np.empty_like(gates) if out is None else out  # (N, 4H), same memory layout as gates
    dc = dc + dh * o * (1.0 - tanh_c * tanh_c)  # through h = o * tanh(c): o * (1 - tanh(c)**2)
    np.multiply(dc, g, out=da[:, :H])  # di = dc * g
    np.multiply(dc, c_prev, out=da[:, H : 2 * H])  # df = dc * c_{t-1}
    np.multiply(dc, i, out=da[:, 2 * H : 3 * H])  # dg = dc * i
    np.multiply(dh, tanh_c, out=da[:, 3 * H :])  # do = dh * tanh(c)
    s = 1.0 - gates  # through the activations, all four gates at once:
    s[:, : 2 * H] *= gates[:, : 2 * H]  # sigma'(a) = s * (1 - s) for i, f, o
    s[:, 3 * H :] *= gates[:, 3 * H :]
    np.multiply(g, g, out=s[:, 2 * H : 3 * H])  # tanh'(a) = 1 - g**2 for g
    np.subtract(1.0, s[:, 2 * H : 3 * H], out=s[:, 2 * H : 3 * H])
    da *= s
    dh_prev = (w_hh.T @ da.T).T  # through W_hh h_{t-1}: W_hh^T da, (N, H)
    dc_prev = dc * f  # through c_t = f * c_{t-1} + ...
    return da, dh_prev, dc_prev


class LSTMLayerCache(NamedTuple):
    x: np.ndarray  # (D, T, N) layer input
    hs: np.ndarray  # (H, T+1, N) h_0 .. h_T
    cs: np.ndarray  # (T+1, H, N) c_0 .. c_T
    gates: np.ndarray  # (T, 4H, N) activated [i, f, g, o] at each step
    tanh_cs: np.ndarray  # (T, H, N) tanh(c_1) .. tanh(c_T)
    p: LayerParams

    def step(self, t):
        """The cache of step t, as lstm_step_forward returned it."""
        return LSTMStepCache(self.cs[t].T, self.gates[t].T, self.tanh_cs[t].T)


def _layer_forward(x, state0, p):
    h0, c0 = state0
    gates = project_inputs(x, p.w_ih)  # (T, 4H, N): W_ih x_t, becomes the gates
    b = summed_bias(p)  # b_ih + b_hh, added in the step
    T, H, N = gates.shape[0], h0.shape[1], h0.shape[0]
    hs = np.empty((H, T + 1, N), dtype=x.dtype)  # (H, T+1, N)
    cs, tanh_cs = np.empty((T + 1, H, N), dtype=x.dtype), np.empty((T, H, N), dtype=x.dtype)
    hs[:, 0], cs[0] = h0.T, c0.T
    for t in range(T):  # .T turns each (H, N) block into an (N, H) view; nothing is allocated per step
        out = (gates[t].T, hs[:, t + 1].T, cs[t + 1].T, tanh_cs[t].T)
        _step_forward(gates[t].T, hs[:, t].T, cs[t].T, p.w_hh, b, out=out)
    return hs, (hs[:, T].T, cs[T].T), LSTMLayerCache(x, hs, cs, gates, tanh_cs, p)


def _layer_backward(dhs, dfinal, cache):
    dh, dc = dfinal
    H, T, N = dhs.shape
    da = np.empty((4 * H, T, N), dtype=dh.dtype)  # (4H, T, N)
    dh, dc = np.asfortranarray(dh), np.asfortranarray(dc)
    for t in reversed(range(T)):
        da_t, dh, dc = _step_backward(dh + dhs[:, t].T, dc, cache.step(t), cache.p.w_hh)
        da[:, t] = da_t.T
    dx, grads = layer_grads(da, cache.x, da, cache.hs[:, :-1], cache.p)
    return dx, (dh, dc), grads


def lstm_forward(x, state, params):
    """Multi-layer LSTM over a batch of sequences.

    x (N, T, D); state: ``(h0, c0)`` each (L, N, H), or None for zeros (either element may be None);
    params: dict shaped like ``torch.nn.LSTM(...).state_dict()``.
    Returns ``out`` (N, T, H), ``(h_n, c_n)`` each (L, N, H), and a cache.
    """
    h0, c0 = _split_state(state, "state")
    out, (h_n, c_n), cache = sequence_forward("lstm", x, (h0, c0), params, 4, _layer_forward, ("state[0] (h0)", "state[1] (c0)"))
    return out, (h_n, c_n), cache


def lstm_backward(dout, dstate, cache):
    """Backward of :func:`lstm_forward`. dout (N, T, H) or None; dstate ``(dh_n, dc_n)`` or None.

    Returns ``dx`` (N, T, D), ``(dh0, dc0)`` each (L, N, H), and ``grads`` keyed and shaped like the params.
    """
    dh_n, dc_n = _split_state(dstate, "dstate")
    dx, (dh0, dc0), grads = sequence_backward("lstm", dout, (dh_n, dc_n), cache, _layer_backward,
                                              ("dstate[0] (dh_n)", "dstate[1] (dc_n)"))
    return dx, (dh0, dc0), grads


def _split_state(state, name):
    if state is None:
        return None, None
    if not isinstance(state, (tuple, list)) or len(state) != 2:
        raise ValueError(f"{name} must be a pair (h, c) of (L, N, H) arrays or None, got {type(state).__name__}")
    return state[0], state[1]
