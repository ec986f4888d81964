r"""Simple (Elman) RNN in NumPy, forward and backward by hand.

One step; the sequence function computes the input term for all steps in one product before the loop:

.. math::  a_t = \underbrace{W_{ih} x_t + b_{ih}}_{\texttt{xw\_t}} + W_{hh} h_{t-1} + b_{hh}, \qquad h_t = f(a_t)

with :math:`f` = tanh or ReLU. Shapes: ``x`` (N, T, D), ``h`` (L, N, H), ``weight_ih_l0`` (H, D).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import LayerParams, check_cache, check_step
from ._sequence import layer_grads, project_inputs, sequence_backward, sequence_forward, summed_bias

NONLINEARITIES = ("tanh", "relu")


class RNNStepCache(NamedTuple):
    h: np.ndarray  # (N, H) h_t, enough for f'(a_t): 1 - h_t**2 (tanh) or h_t > 0 (relu)
    nonlinearity: str


def _check_nonlinearity(nonlinearity):
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity must be one of {NONLINEARITIES}, got {nonlinearity!r}")


def rnn_step_forward(xw_t, h_prev, w_hh, b_hh=None, nonlinearity="tanh", out=None):
    """One step: ``h_t = f(xw_t + h_prev @ w_hh.T + b_hh)``.

    xw_t (N, H): the input term ``x_t @ W_ih.T + b_ih``; h_prev (N, H); w_hh (H, H); b_hh (H,) or None.
    Returns ``h`` (N, H) and the step cache. ``out``, if given, is an (N, H) array that receives ``h``.
    """
    _check_nonlinearity(nonlinearity)
    check_step(1, w_hh, xw_t, b_hh, h_prev=h_prev)
    return _step_forward(xw_t, h_prev, w_hh, b_hh, nonlinearity, out)


def _step_forward(xw_t, h_prev, w_hh, b_hh, nonlinearity, out):
    """:func:`rnn_step_forward` without the checks, for the sequence loop."""
    a = (w_hh @ h_prev.T).T  # (N, H): W_hh h_{t-1}, computed in column form (see _sequence.py)
    h = np.add(a, xw_t, out=out)  # a_t = W_ih x_t + b_ih + W_hh h_{t-1} (+ b_hh)
    if b_hh is not None:
        h += b_hh
    if nonlinearity == "tanh":
        np.tanh(h, out=h)
    else:
        np.maximum(h, 0, out=h)
    return h, RNNStepCache(h, nonlinearity)


def rnn_step_backward(dh, cache, w_hh, out=None):
    """Backward of one step. dh (N, H) is dL/dh_t (from the output and from step t+1).

    Returns ``da`` = dL/da_t (N, H), which is also dL/d(xw_t), and ``dh_prev`` = dL/dh_{t-1} (N, H).
    The weight gradients are sums over steps, ``dW_hh = sum_t da_t^T h_{t-1}``: the sequence
    function forms them in one product after the loop. ``out``, if given, receives ``da``.
    """
    check_cache(cache, RNNStepCache, "rnn_step_forward")
    check_step(1, w_hh, h=cache.h, dh=dh)
    return _step_backward(dh, cache, w_hh, out)


def _step_backward(dh, cache, w_hh, out):
    """:func:`rnn_step_backward` without the checks, for the sequence loop."""
    h = cache.h
    if cache.nonlinearity == "tanh":
        da = np.multiply(dh, 1.0 - h * h, out=out)  # through tanh: 1 - h**2
    else:
        da = np.multiply(dh, h > 0, out=out)  # through relu: 1 where a_t > 0
    dh_prev = (w_hh.T @ da.T).T  # through W_hh h_{t-1}: W_hh^T da, (N, H)
    return da, dh_prev


class RNNLayerCache(NamedTuple):
    x: np.ndarray  # (D, T, N) layer input
    hs: np.ndarray  # (H, T+1, N) h_0 .. h_T
    nonlinearity: str
    p: LayerParams


def _layer_forward(x, state0, p, nonlinearity):
    (h0,) = state0
    xw = project_inputs(x, p.w_ih)  # (T, H, N): W_ih x_t
    b = summed_bias(p)  # b_ih + b_hh, added in the step
    T, H, N = xw.shape
    hs = np.empty((H, T + 1, N), dtype=x.dtype)  # (H, T+1, N)
    hs[:, 0] = h0.T
    for t in range(T):  # hs[:, t].T is h_t as an (N, H) view; nothing is allocated per step
        _step_forward(xw[t].T, hs[:, t].T, p.w_hh, b, nonlinearity, out=hs[:, t + 1].T)
    return hs, (hs[:, T].T,), RNNLayerCache(x, hs, nonlinearity, p)


def _layer_backward(dhs, dfinal, cache):
    (dh,) = dfinal
    H, T, N = dhs.shape
    da = np.empty((H, T, N), dtype=dh.dtype)  # (H, T, N)
    for t in reversed(range(T)):
        dh = dh + dhs[:, t].T  # dL/dh_t: from the output at t and from step t+1
        step = RNNStepCache(cache.hs[:, t + 1].T, cache.nonlinearity)
        _, dh = _step_backward(dh, step, cache.p.w_hh, out=da[:, t].T)
    dx, grads = layer_grads(da, cache.x, da, cache.hs[:, :-1], cache.p)
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
