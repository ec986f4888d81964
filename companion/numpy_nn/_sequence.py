"""What RNN, LSTM and GRU share: the loop over layers and time steps around a step function.

A sequence function (``rnn_forward``, ...) checks its inputs and hands its step function
to :func:`sequence_forward`, the only level between the public function and the step::

    for each layer k:                 # layer k > 0 reads the outputs of layer k - 1
        for t in 0 .. T-1:
            state, cache_t = step(x[:, t], state, params of layer k)

Every array is batch-first, as in the public API: x (N, T, D), outputs (N, T, H).
The backward pass runs the same loops the other way round; each step returns the
gradients of the weights it used, and since all steps share the weights their
gradients are summed (``+=``). Writing the step's math once, per step, costs some
speed against forming each weight gradient in one product after the loop; the
README's benchmark gives the ratio.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

import numpy as np

from ._checks import as_float_array, check_shape, check_state, parse_params


class SequenceCache(NamedTuple):
    """What a sequence backward needs: one layer cache per layer, and the shapes it checks against.

    Each layer cache holds (N, T, ...) arrays (the step caches of that layer stacked
    over time) and the layer's parameters; its ``step(t)`` method returns the cache of
    step t as the step function returned it.
    """

    cell: str  # "rnn", "lstm" or "gru"
    layers: list
    input_shape: tuple  # (N, T, D)
    hidden_size: int
    dtype: np.dtype


def check_sequence(cell: str, gates: int, x, states, params, state_names):
    """Check a sequence function's inputs: returns x (N, T, D), the initial states (each (L, N, H)), the layers."""
    x = as_float_array(x, "x", ndim=3)
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"x must have N >= 1 and T >= 1, got shape {x.shape}")
    N, T, D = x.shape
    w0 = params.get("weight_ih_l0") if isinstance(params, Mapping) else None
    if w0 is not None and np.ndim(w0) == 2 and np.shape(w0)[1] != D:
        raise ValueError(f"x must have D={np.shape(w0)[1]} features (the columns of params['weight_ih_l0'], "
                         f"shape {np.shape(w0)}), got x of shape {x.shape}")
    layers = parse_params(params, gates, D, x.dtype)
    shape = (len(layers), N, layers[0]["weight_hh"].shape[1])
    states = tuple(check_state(s, name, shape, x.dtype) for s, name in zip(states, state_names))
    return x, states, layers


def sequence_forward(cell: str, x, states: tuple, layers: list, step: Callable, layer_cache: type):
    """Run ``step`` over the time steps of every layer.

    x (N, T, D); ``states`` the initial states, each (L, N, H): ``(h0,)`` or ``(h0, c0)``;
    ``layers`` one cell-parameter dict per layer; ``step(x_t, state, params)`` returns the
    new state tuple and the step's cache; ``layer_cache.stack`` stacks the caches of a layer
    and its final state.
    Returns the last layer's outputs (N, T, H), the final states (each (L, N, H)) and a cache.
    """
    N, T, D = x.shape
    inp, finals, caches = x, [], []
    for k, p in enumerate(layers):
        state = tuple(s[k] for s in states)  # (N, H) each: this layer's initial state
        outs, steps = [], []
        for t in range(T):
            state, cache = step(inp[:, t], state, p)  # state[0] is h_t, (N, H)
            outs.append(state[0])
            steps.append(cache)
        inp = np.stack(outs, axis=1)  # (N, T, H): h_1 .. h_T, the next layer's input
        finals.append(state)
        caches.append(layer_cache.stack(steps, state))
    final_states = tuple(np.stack(f) for f in zip(*finals))  # each (L, N, H)
    H = layers[0]["weight_hh"].shape[1]
    return inp, final_states, SequenceCache(cell, caches, (N, T, D), H, x.dtype)


def sequence_backward(cell: str, dout, dfinals: tuple, cache, step_backward: Callable, state_names):
    """Backward of :func:`sequence_forward`: returns ``dx`` (N, T, D), the gradients of the
    initial states (each (L, N, H)) and ``grads`` keyed like the params (``weight_ih_l0``, ...).

    ``dout`` (N, T, H) or None is dL/d(outputs); ``dfinals`` holds dL/d(final states), each
    (L, N, H) or None; ``step_backward(dstate, step_cache)`` returns ``dx_t``, the gradient of
    the previous state and the step's weight gradients.
    """
    if not isinstance(cache, SequenceCache) or cache.cell != cell:
        got = cache.cell + " cache" if isinstance(cache, SequenceCache) else type(cache).__name__
        raise ValueError(f"cache must be the cache returned by {cell}_forward, got {got}")
    N, T, D = cache.input_shape
    L, H, dtype = len(cache.layers), cache.hidden_size, cache.dtype
    dout = np.zeros((N, T, H), dtype=dtype) if dout is None else as_float_array(dout, "dout", dtype=dtype)
    check_shape(dout, "dout", (N, T, H), "(N, T, H), the shape of out")
    dfinals = [check_state(d, name, (L, N, H), dtype) for d, name in zip(dfinals, state_names)]

    d, grads, dinit = dout, {}, [[None] * L for _ in dfinals]
    for k in reversed(range(L)):
        layer = cache.layers[k]
        dstate = tuple(ds[k] for ds in dfinals)  # dL/d(final state) of layer k, (N, H) each
        layer_grads = {key: np.zeros_like(value) for key, value in layer.params.items()}
        dx = np.empty_like(layer.x)  # (N, T, D_k)
        for t in reversed(range(T)):
            dstate = (dstate[0] + d[:, t],) + dstate[1:]  # dL/dh_t: from the output at t and from step t+1
            dx[:, t], dstate, step_grads = step_backward(dstate, layer.step(t))
            for key, g in step_grads.items():
                layer_grads[key] += g  # every step uses the same weights: sum over t
        for i, ds in enumerate(dstate):
            dinit[i][k] = ds  # dL/d(initial state) of layer k
        grads.update({f"{key}_l{k}": g for key, g in layer_grads.items()})
        d = dx  # dL/d(outputs of layer k - 1)
    grads = {key: grads[key] for key in sorted(grads, key=_param_order)}
    return d, tuple(np.stack(s) for s in dinit), grads


def _param_order(key: str):
    """Sort keys as torch's state_dict does: by layer, then weight_ih, weight_hh, bias_ih, bias_hh."""
    name, layer = key.rsplit("_l", 1)
    return int(layer), ("weight_ih", "weight_hh", "bias_ih", "bias_hh").index(name)
