r"""A recurrent network with a linear head and a loss, forward and backward, in NumPy.

The model of most of the book's NumPy experiments:

.. math::  h_t = \text{cell}(x_t, h_{t-1}), \qquad y_t = W_{hy} h_t + b_y, \qquad \mathcal{L} = \text{loss}(y, y^\star)

with the head read at every step (``readout="all"``, y (N, T, V)) or after the
last one (``readout="last"``, y (N, V)). Parameters are nested, so that no key
has to be filtered::

    {"rnn": {"weight_ih_l0": ..., "weight_hh_l0": ..., ...},   # as torch.nn.RNN/LSTM/GRU
     "head": {"weight": (V, H), "bias": (V,)}}                  # as torch.nn.Linear

and the gradients come back nested the same way. The optimisers take flat dicts:
``flatten(params)`` gives one whose arrays are the nested ones, so an in-place
update of the flat dict updates the model.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import as_rng, check_one_of, check_positive_int
from ._checks import init_params
from ._gru import gru_backward, gru_forward
from ._layers import linear_backward, linear_forward
from ._losses import mse_loss, softmax_cross_entropy
from ._lstm import lstm_backward, lstm_forward
from ._rnn import rnn_backward, rnn_forward

CELLS = {"rnn": (rnn_forward, rnn_backward), "lstm": (lstm_forward, lstm_backward),
         "gru": (gru_forward, gru_backward)}
READOUTS = ("all", "last")
LOSSES = ("mse", "cross_entropy")


def linear_init(in_features, out_features, *, rng, bias=True, dtype=np.float64):
    """``{"weight": (out, in), "bias": (out,)}`` drawn from U(-1/sqrt(in), 1/sqrt(in)), as torch.nn.Linear does."""
    in_features = check_positive_int("in_features", in_features)
    out_features = check_positive_int("out_features", out_features)
    rng = as_rng(rng)
    bound = 1.0 / np.sqrt(in_features)
    layer = {"weight": rng.uniform(-bound, bound, (out_features, in_features)).astype(dtype)}
    if bias:
        layer["bias"] = rng.uniform(-bound, bound, out_features).astype(dtype)
    return layer


def init_model(cell, input_size, hidden_size, output_size, num_layers=1, bias=True, *, rng, dtype=np.float64):
    """Nested parameters ``{"rnn": ..., "head": ...}``, each part initialised as torch.nn does.

    The recurrent part comes first from ``rng``, then the head.
    """
    rng = as_rng(rng)
    return {"rnn": init_params(cell, input_size, hidden_size, num_layers, bias, rng=rng, dtype=dtype),
            "head": linear_init(hidden_size, output_size, rng=rng, bias=bias, dtype=dtype)}


def flatten(tree: dict, prefix: str = "") -> dict:
    """``{"rnn": {"weight_ih_l0": a}}`` -> ``{"rnn.weight_ih_l0": a}``: the same arrays, for the optimisers."""
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def unflatten(flat: dict) -> dict:
    """``{"rnn.weight_ih_l0": a}`` -> ``{"rnn": {"weight_ih_l0": a}}``: the inverse of :func:`flatten`."""
    tree = {}
    for key, value in flat.items():
        *parts, name = key.split(".")
        node = tree
        for part in parts:
            node = node.setdefault(part, {})
        node[name] = value
    return tree


def from_state_dict(state_dict, dtype=np.float64) -> dict:
    """NumPy copies of a torch ``state_dict``, nested at the dots: a SequenceToOne gives ``{"rnn", "head"}``."""
    return unflatten({key: value.detach().cpu().numpy().astype(dtype) for key, value in state_dict.items()})


def to_state_dict(params) -> dict:
    """The flat dict of tensors that ``module.load_state_dict`` takes, from nested or flat NumPy parameters."""
    import torch  # only this function needs torch

    return {key: torch.from_numpy(np.array(value)) for key, value in flatten(params).items()}


class ModelCache(NamedTuple):
    """What :func:`model_backward` needs; ``cache.rnn.layers[k]`` holds layer k's states and gates."""

    cell: str
    readout: str
    rnn: object  # the cache of rnn/lstm/gru_forward
    head: object  # the cache of linear_forward
    out_shape: tuple  # (N, T, H)


def model_forward(params, x, *, cell="rnn", readout="all", state=None, nonlinearity="tanh"):
    """Predictions of the model, the final state and a cache: ``y, state_n, cache``.

    x (N, T, D); y (N, T, V) with ``readout="all"``, (N, V) with ``"last"``. ``state`` is the
    initial state as the cell's forward takes it (None: zeros) and ``state_n`` the final one,
    as the cell's forward returns it, so a long sequence can be fed in chunks.
    """
    check_one_of("cell", cell, tuple(CELLS))
    check_one_of("readout", readout, READOUTS)
    forward = CELLS[cell][0]
    if cell == "rnn":
        out, state_n, rnn_cache = forward(x, state, params["rnn"], nonlinearity)  # (N, T, H)
    else:
        out, state_n, rnn_cache = forward(x, state, params["rnn"])
    h = out if readout == "all" else out[:, -1]  # (N, T, H) or (N, H)
    y, head_cache = linear_forward(h, params["head"]["weight"], params["head"].get("bias"))
    return y, state_n, ModelCache(cell, readout, rnn_cache, head_cache, out.shape)


def model_backward(dy, cache):
    """Backward of :func:`model_forward`: ``grads`` nested like the params, ``dx`` (N, T, D) and ``dstate``.

    ``dstate`` is the gradient with respect to the initial state, shaped like it (``(dh0, dc0)`` for the LSTM).
    """
    dh, dweight, dbias = linear_backward(dy, cache.head)
    if cache.readout == "all":
        dout = dh  # (N, T, H)
    else:
        dout = np.zeros(cache.out_shape, dtype=dh.dtype)
        dout[:, -1] = dh  # only h_T feeds the head
    dx, dstate, rnn_grads = CELLS[cache.cell][1](dout, None, cache.rnn)
    head = {"weight": dweight} if dbias is None else {"weight": dweight, "bias": dbias}
    return {"rnn": rnn_grads, "head": head}, dx, dstate


def loss_and_grads(params, x, target, *, cell="rnn", readout="all", loss="mse", nonlinearity="tanh",
                   state=None, ignore_index=None):
    """The loss of the model on ``(x, target)`` and its gradient with respect to every parameter.

    ``loss="mse"``: target has the shape of y. ``loss="cross_entropy"``: y holds class scores and
    target integer classes, (N, T) or (N,); targets equal to ``ignore_index`` are left out.
    Returns ``loss`` (a float) and ``grads`` nested like ``params``.
    """
    check_one_of("loss", loss, LOSSES)
    y, _, cache = model_forward(params, x, cell=cell, readout=readout, state=state, nonlinearity=nonlinearity)
    if loss == "mse":
        value, dy = mse_loss(y, target)
    else:
        value, dy = softmax_cross_entropy(y, target, ignore_index=ignore_index)
    grads, _, _ = model_backward(dy, cache)
    return value, grads
