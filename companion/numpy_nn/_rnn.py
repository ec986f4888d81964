r"""Simple (Elman) RNN in NumPy, forward and backward by hand.

One step, for a batch stored one sample per row (so :math:`W x` is ``x @ W.T``):

.. math::  a_t = W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}, \qquad h_t = f(a_t)

with :math:`f` = tanh or ReLU. Shapes: ``x_t`` (N, D), ``h_t`` (N, H), ``weight_ih`` (H, D),
``weight_hh`` (H, H); sequences ``x`` (N, T, D), states (L, N, H).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import numpy as np

from ._checks import GATES, check_step_grads, check_step_inputs, unpack
from ._sequence import check_sequence, sequence_backward, sequence_forward

NONLINEARITIES = ("tanh", "relu")


class RNNStepCache(NamedTuple):
    """What :func:`rnn_step_backward` needs from the forward step."""

    x_t: np.ndarray  # (N, D)
    h_prev: np.ndarray  # (N, H) h_{t-1}
    h: np.ndarray  # (N, H) h_t, enough for f'(a_t): 1 - h_t**2 (tanh) or h_t > 0 (relu)
    params: dict
    nonlinearity: str


class RNNLayerCache(NamedTuple):
    """The step caches of one layer, stacked over time."""

    x: np.ndarray  # (N, T, D) the layer's input
    h: np.ndarray  # (N, T+1, H) h_0 .. h_T
    params: dict
    nonlinearity: str

    def step(self, t: int) -> RNNStepCache:
        """The cache of step t, as :func:`rnn_step_forward` returned it."""
        return RNNStepCache(self.x[:, t], self.h[:, t], self.h[:, t + 1], self.params, self.nonlinearity)

    @classmethod
    def stack(cls, steps: list, final: tuple) -> RNNLayerCache:
        """The caches of steps 1 .. T and the final state ``(h_T,)``, as one layer cache."""
        h = np.stack([s.h_prev for s in steps] + [final[0]], axis=1)
        return cls(np.stack([s.x_t for s in steps], axis=1), h, steps[0].params, steps[0].nonlinearity)


def _check_nonlinearity(nonlinearity):
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity must be one of {NONLINEARITIES}, got {nonlinearity!r}")


def _step(x_t, state, p, nonlinearity="tanh"):
    """One step without input checks; ``state`` is ``(h_prev,)``. Returns ``(h,)`` and the cache."""
    (h_prev,) = state
    W_ih, W_hh, b_ih, b_hh = unpack(p)
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh  # (N, H): a_t
    h = np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0.0)  # h_t = f(a_t)
    return (h,), RNNStepCache(x_t, h_prev, h, p, nonlinearity)


def _step_backward(dstate, cache):
    """Backward of :func:`_step`; ``dstate`` is ``(dh,)``. Returns dx_t, ``(dh_prev,)`` and the grads."""
    (dh,) = dstate
    x_t, h_prev, h, p, nonlinearity = cache
    if nonlinearity == "tanh":
        da = dh * (1.0 - h * h)  # through tanh: 1 - h_t**2
    else:
        da = dh * (h > 0)  # through relu: 1 where a_t > 0
    W_ih, W_hh, _, _ = unpack(p)
    dx_t = da @ W_ih  # through W_ih x_t: W_ih^T da, (N, D)
    dh_prev = da @ W_hh  # through W_hh h_{t-1}: W_hh^T da, (N, H)
    grads = {"weight_ih": da.T @ x_t, "weight_hh": da.T @ h_prev}  # sum over the batch of da x^T, da h^T
    if "bias_ih" in p:
        grads["bias_ih"] = da.sum(axis=0)  # a_t depends on each bias with slope 1
        grads["bias_hh"] = da.sum(axis=0)
    return dx_t, (dh_prev,), grads


def rnn_step_forward(x_t, h_prev, params, nonlinearity="tanh"):
    """One step: ``h = f(x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)``, f = tanh or relu.

    x_t (N, D); h_prev (N, H); params keyed like ``torch.nn.RNNCell(D, H).state_dict()``:
    ``weight_ih`` (H, D), ``weight_hh`` (H, H), ``bias_ih`` (H,), ``bias_hh`` (H,) (no bias keys:
    ``bias=False``). Returns ``h`` (N, H) and the cache for :func:`rnn_step_backward`.
    """
    _check_nonlinearity(nonlinearity)
    x_t, (h_prev,), p = check_step_inputs(x_t, {"h_prev": h_prev}, params, GATES["rnn"])
    (h,), cache = _step(x_t, (h_prev,), p, nonlinearity)
    return h, cache


def rnn_step_backward(dh, cache):
    """Backward of one step. dh (N, H) is dL/dh_t (from the output at t and from step t+1).

    Returns ``dx_t`` (N, D), ``dh_prev`` (N, H) and ``grads``, keyed like the params.
    """
    (dh,) = check_step_grads(cache, RNNStepCache, "rnn_step_forward", {"dh": dh})
    dx_t, (dh_prev,), grads = _step_backward((dh,), cache)
    return dx_t, dh_prev, grads


def rnn_forward(x, h0, params, nonlinearity="tanh"):
    """Multi-layer Elman RNN over a batch of sequences.

    x (N, T, D); h0 (L, N, H) or None (zeros); params: dict shaped like ``torch.nn.RNN(...).state_dict()``
    (``weight_ih_l{k}`` (H, D_k), ``weight_hh_l{k}`` (H, H), optional ``bias_ih_l{k}``, ``bias_hh_l{k}``).
    Returns ``out`` (N, T, H): the last layer's h_t at every step, ``h_n`` (L, N, H), and a cache.
    """
    _check_nonlinearity(nonlinearity)
    x, (h0,), layers = check_sequence("rnn", GATES["rnn"], x, (h0,), params, ("h0",))
    step = partial(_step, nonlinearity=nonlinearity)
    out, (h_n,), cache = sequence_forward("rnn", x, (h0,), layers, step, RNNLayerCache)
    return out, h_n, cache


def rnn_backward(dout, dh_n, cache):
    """Backward of :func:`rnn_forward`. dout (N, T, H) or None, dh_n (L, N, H) or None.

    Returns ``dx`` (N, T, D), ``dh0`` (L, N, H) and ``grads`` keyed and shaped like the params.
    """
    dx, (dh0,), grads = sequence_backward("rnn", dout, (dh_n,), cache, _step_backward, ("dh_n",))
    return dx, dh0, grads
