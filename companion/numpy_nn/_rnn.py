r"""Simple (Elman) RNN in NumPy, forward and backward by hand.

One step, with the input term computed beforehand for all steps (see :func:`project_inputs`):

.. math::  a_t = \underbrace{W_{ih} x_t + b_{ih}}_{\texttt{xw\_t}} + W_{hh} h_{t-1} + b_{hh}, \qquad h_t = f(a_t)

with :math:`f` = tanh or ReLU. Shapes: ``x`` (N, T, D), ``h`` (L, N, H), ``weight_ih_l0`` (H, D).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import LayerParams
from ._sequence import layer_grads, project_inputs, sequence_backward, sequence_forward

NONLINEARITIES = ("tanh", "relu")


class RNNStepCache(NamedTuple):
    h: np.ndarray  # (N, H) h_t, enough for f'(a_t): 1 - h_t**2 (tanh) or h_t > 0 (relu)
    nonlinearity: str


def _check_nonlinearity(nonlinearity):
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity must be one of {NONLINEARITIES}, got {nonlinearity!r}")


def rnn_step_forward(xw_t, h_prev, w_hh, b_hh=None, nonlinearity="tanh"):
    """One step: ``h_t = f(xw_t + h_prev @ w_hh.T + b_hh)``.

    xw_t (N, H): the input term ``x_t @ W_ih.T + b_ih``; h_prev (N, H); w_hh (H, H); b_hh (H,) or None.
    Returns ``h`` (N, H) and the step cache.
    """
    _check_nonlinearity(nonlinearity)
    a = h_prev @ w_hh.T  # (N, H)  W_hh h_{t-1}
    a += xw_t  # + W_ih x_t + b_ih
    if b_hh is not None:
        a += b_hh
    h = np.tanh(a, out=a) if nonlinearity == "tanh" else np.maximum(a, 0, out=a)
    return h, RNNStepCache(h, nonlinearity)


def rnn_step_backward(dh, cache, w_hh):
    """Backward of one step. dh (N, H) is dL/dh_t (from the output and from step t+1).

    Returns ``da`` = dL/da_t (N, H), which is also dL/d(xw_t), and ``dh_prev`` = dL/dh_{t-1} (N, H).
    The weight gradients are sums over steps, ``dW_hh = sum_t da_t^T h_{t-1}``: the sequence
    function forms them in one product after the loop.
    """
    h = cache.h
    if cache.nonlinearity == "tanh":
        da = dh * (1.0 - h * h)  # through tanh: 1 - h**2
    else:
        da = dh * (h > 0)  # through relu: 1 where a_t > 0
    dh_prev = da @ w_hh  # through W_hh h_{t-1}: W_hh^T da, (N, H)
    return da, dh_prev


class RNNLayerCache(NamedTuple):
    x: np.ndarray  # (T, N, D) layer input
    hs: np.ndarray  # (T+1, N, H) h_0 .. h_T
    nonlinearity: str
    p: LayerParams


def _layer_forward(x, state0, p, nonlinearity):
    (h0,) = state0
    T, N, _ = x.shape
    xw = project_inputs(x, p, fold_b_hh=True)  # (T, N, H)
    hs = np.empty((T + 1,) + h0.shape, dtype=x.dtype)  # (T+1, N, H)
    hs[0] = h0
    w_hh = np.asfortranarray(p.w_hh)  # same (G*H, H) matrix; its .T is C-contiguous: a faster h @ w_hh.T
    for t in range(T):
        hs[t + 1], _ = rnn_step_forward(xw[t], hs[t], w_hh, None, nonlinearity)
    return hs, (hs[T],), RNNLayerCache(x, hs, nonlinearity, p)


def _layer_backward(dhs, dfinal, cache):
    (dh,) = dfinal
    T = dhs.shape[0]
    da = np.empty((T,) + dh.shape, dtype=dh.dtype)  # (T, N, H)
    dh = dh.copy()
    for t in reversed(range(T)):
        dh += dhs[t]  # dL/dh_t: from the output at t and from step t+1
        da[t], dh = rnn_step_backward(dh, RNNStepCache(cache.hs[t + 1], cache.nonlinearity), cache.p.w_hh)
    dx, grads = layer_grads(da, cache.x, da, cache.hs[:-1], cache.p)
    return dx, (dh,), grads


def rnn_forward(x, h0, params, nonlinearity="tanh"):
    """Multi-layer Elman RNN over a batch of sequences.

    x (N, T, D); h0 (L, N, H) or None (zeros); params: dict shaped like ``torch.nn.RNN(...).state_dict()``
    (``weight_ih_l{k}`` (H, D_k), ``weight_hh_l{k}`` (H, H), optional ``bias_ih_l{k}``, ``bias_hh_l{k}``).
    Returns ``out`` (N, T, H): the last layer's h_t at every step, ``h_n`` (L, N, H), and a cache.
    """
    _check_nonlinearity(nonlinearity)
    out, (h_n,), cache = sequence_forward("rnn", x, (h0,), params, 1, _layer_forward, ("h0",), nonlinearity=nonlinearity)
    return out, h_n, cache


def rnn_backward(dout, dh_n, cache):
    """Backward of :func:`rnn_forward`. dout (N, T, H) or None, dh_n (L, N, H) or None.

    Returns ``dx`` (N, T, D), ``dh0`` (L, N, H) and ``grads`` keyed and shaped like the params.
    """
    dx, (dh0,), grads = sequence_backward("rnn", dout, (dh_n,), cache, _layer_backward, ("dh_n",))
    return dx, dh0, grads
