r"""LSTM in NumPy, forward and backward by hand, in torch's layout (gate order i, f, g, o).

.. math::

    a_t &= W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh} = [a^i_t;\ a^f_t;\ a^g_t;\ a^o_t] \in \mathbb{R}^{4H} \\
    i_t &= \sigma(a^i_t), \quad f_t = \sigma(a^f_t), \quad g_t = \tanh(a^g_t), \quad o_t = \sigma(a^o_t) \\
    c_t &= f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)

Shapes: ``x_t`` (N, D), ``h_t`` and ``c_t`` (N, H), ``weight_ih`` (4H, D), ``weight_hh`` (4H, H);
sequences ``x`` (N, T, D), states (L, N, H).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._activations import sigmoid
from ._checks import GATES, check_step_grads, check_step_inputs, unpack
from ._sequence import check_sequence, sequence_backward, sequence_forward


class LSTMStepCache(NamedTuple):
    """What :func:`lstm_step_backward` needs from the forward step."""

    x_t: np.ndarray  # (N, D)
    h_prev: np.ndarray  # (N, H) h_{t-1}
    c_prev: np.ndarray  # (N, H) c_{t-1}
    i: np.ndarray  # (N, H) input gate
    f: np.ndarray  # (N, H) forget gate
    g: np.ndarray  # (N, H) candidate
    o: np.ndarray  # (N, H) output gate
    tanh_c: np.ndarray  # (N, H) tanh(c_t)
    params: dict


class LSTMLayerCache(NamedTuple):
    """The step caches of one layer, stacked over time: ``f[:, t]`` is the forget gate at step t."""

    x: np.ndarray  # (N, T, D) the layer's input
    h: np.ndarray  # (N, T+1, H) h_0 .. h_T
    c: np.ndarray  # (N, T+1, H) c_0 .. c_T
    i: np.ndarray  # (N, T, H)
    f: np.ndarray  # (N, T, H)
    g: np.ndarray  # (N, T, H)
    o: np.ndarray  # (N, T, H)
    tanh_c: np.ndarray  # (N, T, H) tanh(c_1) .. tanh(c_T)
    params: dict

    def step(self, t: int) -> LSTMStepCache:
        """The cache of step t, as :func:`lstm_step_forward` returned it."""
        return LSTMStepCache(self.x[:, t], self.h[:, t], self.c[:, t], self.i[:, t], self.f[:, t],
                             self.g[:, t], self.o[:, t], self.tanh_c[:, t], self.params)

    @classmethod
    def stack(cls, steps: list, final: tuple) -> LSTMLayerCache:
        """The caches of steps 1 .. T and the final state ``(h_T, c_T)``, as one layer cache."""
        def over_time(name):
            return np.stack([getattr(s, name) for s in steps], axis=1)

        h = np.stack([s.h_prev for s in steps] + [final[0]], axis=1)
        c = np.stack([s.c_prev for s in steps] + [final[1]], axis=1)
        return cls(over_time("x_t"), h, c, over_time("i"), over_time("f"), over_time("g"), over_time("o"),
                   over_time("tanh_c"), steps[0].params)


def _step(x_t, state, p):
    """One step without input checks; ``state`` is ``(h_prev, c_prev)``. Returns ``(h, c)`` and the cache."""
    h_prev, c_prev = state
    H = h_prev.shape[1]
    W_ih, W_hh, b_ih, b_hh = unpack(p)
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh  # (N, 4H): the four gates side by side
    i = sigmoid(a[:, :H])  # input gate: how much of g to write
    f = sigmoid(a[:, H:2 * H])  # forget gate: how much of c_{t-1} to keep
    g = np.tanh(a[:, 2 * H:3 * H])  # candidate values
    o = sigmoid(a[:, 3 * H:])  # output gate: how much of the memory to expose
    c = f * c_prev + i * g  # (N, H)
    tanh_c = np.tanh(c)
    h = o * tanh_c  # (N, H)
    return (h, c), LSTMStepCache(x_t, h_prev, c_prev, i, f, g, o, tanh_c, p)


def _step_backward(dstate, cache):
    """Backward of :func:`_step`; ``dstate`` is ``(dh, dc)``. Returns dx_t, ``(dh_prev, dc_prev)``, grads."""
    dh, dc = dstate  # dc: the gradient carried back along the cell state from step t+1
    x_t, h_prev, c_prev, i, f, g, o, tanh_c, p = cache
    do = dh * tanh_c  # through h = o * tanh(c)
    dc = dc + dh * o * (1.0 - tanh_c * tanh_c)  # ... and through tanh(c): 1 - tanh(c)**2
    di = dc * g  # through c = f * c_prev + i * g
    df = dc * c_prev
    dg = dc * i
    dc_prev = dc * f
    da = np.concatenate([
        di * i * (1.0 - i),  # through sigmoid: s * (1 - s)
        df * f * (1.0 - f),
        dg * (1.0 - g * g),  # through tanh: 1 - g**2
        do * o * (1.0 - o),
    ], axis=1)  # (N, 4H): dL/da_t, in the gate order i, f, g, o
    W_ih, W_hh, _, _ = unpack(p)
    dx_t = da @ W_ih  # through W_ih x_t, (N, D)
    dh_prev = da @ W_hh  # through W_hh h_{t-1}, (N, H)
    grads = {"weight_ih": da.T @ x_t, "weight_hh": da.T @ h_prev}
    if "bias_ih" in p:
        grads["bias_ih"] = da.sum(axis=0)
        grads["bias_hh"] = da.sum(axis=0)
    return dx_t, (dh_prev, dc_prev), grads


def lstm_step_forward(x_t, state, params):
    """One LSTM step. x_t (N, D); ``state = (h_prev, c_prev)``, each (N, H);
    params keyed like ``torch.nn.LSTMCell(D, H).state_dict()`` (``weight_ih`` (4H, D),
    ``weight_hh`` (4H, H), ``bias_ih``, ``bias_hh`` (4H,); no bias keys: ``bias=False``).

    Returns ``(h, c)``, each (N, H), and the cache for :func:`lstm_step_backward`.
    """
    h_prev, c_prev = _split_pair(state, "state", "(h_prev, c_prev)")
    x_t, (h_prev, c_prev), p = check_step_inputs(x_t, {"h_prev": h_prev, "c_prev": c_prev}, params, GATES["lstm"])
    (h, c), cache = _step(x_t, (h_prev, c_prev), p)
    return (h, c), cache


def lstm_step_backward(dstate, cache):
    """Backward of one step. ``dstate = (dh, dc)``: dL/dh_t and the dL/dc_t carried back from step t+1.

    Returns ``dx_t`` (N, D), ``(dh_prev, dc_prev)`` and ``grads``, keyed like the params.
    """
    dh, dc = _split_pair(dstate, "dstate", "(dh, dc)")
    dh, dc = check_step_grads(cache, LSTMStepCache, "lstm_step_forward", {"dh": dh, "dc": dc})
    return _step_backward((dh, dc), cache)


def lstm_forward(x, state, params):
    """Multi-layer LSTM over a batch of sequences.

    x (N, T, D); state: ``(h0, c0)`` each (L, N, H), or None for zeros (either element may be None);
    params: dict shaped like ``torch.nn.LSTM(...).state_dict()``.
    Returns ``out`` (N, T, H), ``(h_n, c_n)`` each (L, N, H), and a cache.
    """
    h0, c0 = (None, None) if state is None else _split_pair(state, "state", "(h0, c0) of (L, N, H) arrays")
    x, (h0, c0), layers = check_sequence("lstm", GATES["lstm"], x, (h0, c0), params,
                                         ("state[0] (h0)", "state[1] (c0)"))
    out, (h_n, c_n), cache = sequence_forward("lstm", x, (h0, c0), layers, _step, LSTMLayerCache)
    return out, (h_n, c_n), cache


def lstm_backward(dout, dstate, cache):
    """Backward of :func:`lstm_forward`. dout (N, T, H) or None; dstate ``(dh_n, dc_n)`` or None.

    Returns ``dx`` (N, T, D), ``(dh0, dc0)`` each (L, N, H), and ``grads`` keyed and shaped like the params.
    """
    dh_n, dc_n = (None, None) if dstate is None else _split_pair(dstate, "dstate", "(dh_n, dc_n)")
    dx, (dh0, dc0), grads = sequence_backward("lstm", dout, (dh_n, dc_n), cache, _step_backward,
                                              ("dstate[0] (dh_n)", "dstate[1] (dc_n)"))
    return dx, (dh0, dc0), grads


def _split_pair(pair, name, what):
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ValueError(f"{name} must be a pair {what}, got {type(pair).__name__}")
    return pair[0], pair[1]
