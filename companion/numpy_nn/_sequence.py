"""What RNN, LSTM and GRU share: input projection, the loop over layers, weight gradients.

Memory layout. The public functions take and return batch-first ``(N, T, D)`` arrays.
Inside, the batch at one step is a ``(D, N)`` matrix whose columns are the samples, the
``x_t`` of the equations, and ``W_hh h_{t-1}`` is computed as ``w_hh @ h.T``: a ``(G*H, N)``
block in which each gate occupies contiguous memory, so the gate math runs on contiguous
blocks (several times faster than on the column slices of an ``(N, G*H)`` array).
Whole sequences are stored ``(K, T, N)`` (feature, time, batch): then all time steps side
by side, ``(K, T*N)``, are a free reshape, and each weight gradient is one matrix product.
The step functions see ``(N, ...)`` views either way; only speed depends on the layout.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Callable, NamedTuple

import numpy as np

from ._checks import LayerParams, as_float_array, check_shape, check_state, parse_params


_PARAM_ORDER = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")  # torch's state_dict order


class SequenceCache(NamedTuple):
    """What a sequence backward needs: one layer cache per layer, plus the shapes it checks against."""

    cell: str  # "rnn", "lstm" or "gru"
    layers: list
    input_shape: tuple  # (N, T, D)
    hidden_size: int
    dtype: np.dtype


def sigmoid_(a: np.ndarray) -> np.ndarray:
    """In-place logistic sigmoid, written as 0.5 * tanh(0.5 a) + 0.5: no overflow, and faster than 1 / (1 + exp(-a))."""
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def project_inputs(x: np.ndarray, w_ih: np.ndarray, b_ih: np.ndarray | None = None) -> np.ndarray:
    """``W_ih x_t (+ b_ih)`` for all time steps, before the loop: (D, T, N) -> (T, G*H, N)."""
    xw = np.matmul(w_ih, x.transpose(1, 0, 2))  # (T, G*H, N): W_ih x_t for every t
    if b_ih is not None:
        xw += b_ih[:, None]
    return xw


def summed_bias(p: LayerParams) -> np.ndarray | None:
    """``b_ih + b_hh``: for RNN and LSTM only the sum matters, added once per step."""
    return None if p.b_ih is None else p.b_ih + p.b_hh


def layer_grads(da_x: np.ndarray, x: np.ndarray, da_h: np.ndarray, h_prev: np.ndarray, p: LayerParams):
    """Weight gradients of one layer, each a sum over all time steps formed in one product.

    ``da_x`` (G*H, T, N) is dL/d(W_ih x_t + b_ih), ``da_h`` is dL/d(W_hh h_{t-1} + b_hh)
    (the same array for RNN and LSTM), ``x`` (D, T, N) the layer input and
    ``h_prev`` (H, T, N) the states h_0 .. h_{T-1}. Returns dx (D, T, N) and a dict of grads.
    """
    GH, T, N = da_x.shape
    ax = da_x.reshape(GH, T * N)  # all steps side by side: (G*H, T*N)
    ah = ax if da_h is da_x else da_h.reshape(GH, T * N)
    grads = {
        "weight_ih": ax @ x.reshape(-1, T * N).T,  # sum_t da_t x_t^T      (G*H, D)
        "weight_hh": ah @ h_prev.reshape(-1, T * N).T,  # sum_t da_t h_{t-1}^T  (G*H, H)
    }
    if p.b_ih is not None:
        ones = np.ones(T * N, dtype=ax.dtype)
        grads["bias_ih"] = ax @ ones  # sum_t da_t, as one matrix-vector product
        grads["bias_hh"] = grads["bias_ih"].copy() if ah is ax else ah @ ones
    dx = (p.w_ih.T @ ax).reshape(-1, T, N)  # (D, T, N): W_ih^T da_t for every t
    return dx, grads


def sequence_forward(cell: str, x, states, params, gates: int, layer_forward: Callable, state_names, **kwargs):
    """Check the inputs, run ``layer_forward`` over the layers, return ``out, finals, cache``.

    ``states`` is a tuple of initial states (h0, or h0 and c0), each ``(L, N, H)`` or None.
    """
    x = as_float_array(x, "x", ndim=3)
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"x must have N >= 1 and T >= 1, got shape {x.shape}")
    N, T, D = x.shape
    w0 = params.get("weight_ih_l0") if isinstance(params, Mapping) else None
    if w0 is not None and np.ndim(w0) == 2 and np.shape(w0)[1] != D:
        raise ValueError(f"x must have D={np.shape(w0)[1]} features (the columns of params['weight_ih_l0'], "
                         f"shape {np.shape(w0)}), got x of shape {x.shape}")
    layers = parse_params(params, gates, D, x.dtype)
    L, H = len(layers), layers[0].w_hh.shape[1]
    init = [check_state(s, name, (L, N, H), x.dtype) for s, name in zip(states, state_names)]

    inp = np.ascontiguousarray(x.transpose(2, 1, 0))  # (D, T, N)
    finals, caches = [], []
    for k, p in enumerate(layers):
        hs, final, cache = layer_forward(inp, tuple(s[k] for s in init), p, **kwargs)
        inp = hs[:, 1:]  # (H, T, N): h_1 .. h_T, the next layer's input
        finals.append(final)
        caches.append(cache)
    out = inp.transpose(2, 1, 0)  # (N, T, H)
    final_states = tuple(np.stack([f[i] for f in finals]) for i in range(len(states)))
    return out, final_states, SequenceCache(cell, caches, (N, T, D), H, x.dtype)


def sequence_backward(cell: str, dout, dfinals, cache, layer_backward: Callable, state_names):
    """Backward of :func:`sequence_forward`: returns ``dx, dinit_states, grads`` (grads keyed like the params)."""
    if not isinstance(cache, SequenceCache) or cache.cell != cell:
        got = cache.cell + " cache" if isinstance(cache, SequenceCache) else type(cache).__name__
        raise ValueError(f"cache must be the cache returned by {cell}_forward, got {got}")
    N, T, D = cache.input_shape
    L, H, dtype = len(cache.layers), cache.hidden_size, cache.dtype
    if dout is None:
        dout = np.zeros((N, T, H), dtype=dtype)
    dout = as_float_array(dout, "dout", dtype=dtype)
    check_shape(dout, "dout", (N, T, H), "(N, T, H), the shape of out")
    dfin = [check_state(d, name, (L, N, H), dtype) for d, name in zip(dfinals, state_names)]

    d = dout.transpose(2, 1, 0)  # (H, T, N), a view
    per_layer, dinit = [None] * L, [[None] * L for _ in dfinals]
    for k in reversed(range(L)):
        d, dstate0, per_layer[k] = layer_backward(d, tuple(s[k] for s in dfin), cache.layers[k])
        for i, ds in enumerate(dstate0):
            dinit[i][k] = ds
    dx = d.transpose(2, 1, 0)  # (N, T, D)
    grads = {f"{name}_l{k}": g[name] for k, g in enumerate(per_layer) for name in _PARAM_ORDER if name in g}
    return dx, tuple(np.stack(s) for s in dinit), grads
