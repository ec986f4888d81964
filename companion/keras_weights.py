"""Keras recurrent and dense weights as PyTorch ``state_dict`` entries.

Keras and PyTorch store the same recurrent layers differently:

- input weights: Keras ``kernel`` ``(D, G*H)``; PyTorch ``weight_ih_l{k}``
  ``(G*H, D)``;
- recurrent weights: Keras ``recurrent_kernel`` ``(H, G*H)``; PyTorch
  ``weight_hh_l{k}`` ``(G*H, H)``;
- biases: Keras keeps one ``bias`` ``(G*H,)``, except the GRU, which keeps
  two rows ``(2, G*H)``; PyTorch keeps ``bias_ih_l{k}`` and ``bias_hh_l{k}``,
  ``(G*H,)`` each;
- gate order: the LSTM's is i, f, c, o in Keras and i, f, g, o in PyTorch
  (the same blocks); the GRU's is z, r, h in Keras and r, z, n in PyTorch.

``G`` is 1, 4 and 3 for the simple RNN, the LSTM and the GRU. Keras
multiplies ``x @ kernel`` (row vectors), PyTorch ``W @ x`` (column vectors),
so every matrix is transposed. Where Keras has one bias, PyTorch's second
bias is set to zero: only their sum matters.

The functions take plain NumPy arrays (what ``get_weights()`` returns), so
this module does not import Keras. Each returns a dict of float arrays that
``torch.nn.Module.load_state_dict`` accepts once converted with
``torch.from_numpy`` (see :func:`to_tensors`).
"""

import numpy as np

__all__ = [
    "dense_state_dict",
    "gru_state_dict",
    "lstm_state_dict",
    "simple_rnn_state_dict",
    "stack_layers",
    "to_tensors",
]

_GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}


def _as_list(weights, name):
    if not isinstance(weights, (list, tuple)):
        raise TypeError(
            f"{name} must be the list returned by layer.get_weights(), "
            f"got {type(weights).__name__}")
    return [np.asarray(w) for w in weights]


def _split(weights, cell):
    """Check a recurrent layer's [kernel, recurrent_kernel, (bias)] list."""
    weights = _as_list(weights, "weights")
    if len(weights) not in (2, 3):
        raise ValueError(
            f"weights must be [kernel, recurrent_kernel] or [kernel, "
            f"recurrent_kernel, bias] of a Keras {cell} layer, got "
            f"{len(weights)} arrays")
    kernel, recurrent = weights[0], weights[1]
    bias = weights[2] if len(weights) == 3 else None
    gates = _GATES[cell]
    if recurrent.ndim != 2 or recurrent.shape[1] != gates * recurrent.shape[0]:
        raise ValueError(
            f"recurrent_kernel (weights[1]) of a Keras {cell} layer must "
            f"have shape (H, {gates}*H), got {recurrent.shape}")
    hidden = recurrent.shape[0]
    if kernel.ndim != 2 or kernel.shape[1] != gates * hidden:
        raise ValueError(
            f"kernel (weights[0]) must have shape (D, {gates * hidden}) "
            f"to match recurrent_kernel {recurrent.shape}, got "
            f"{kernel.shape}")
    return kernel, recurrent, bias, hidden


def _check_bias(bias, shape):
    if bias.shape != shape:
        raise ValueError(
            f"bias (weights[2]) must have shape {shape}, got {bias.shape}")


def _entries(w_ih, w_hh, b_ih, b_hh, layer):
    if not isinstance(layer, (int, np.integer)) or layer < 0:
        raise ValueError(f"layer must be an integer >= 0, got {layer!r}")
    out = {f"weight_ih_l{layer}": w_ih, f"weight_hh_l{layer}": w_hh}
    if b_ih is not None:
        out[f"bias_ih_l{layer}"] = b_ih
        out[f"bias_hh_l{layer}"] = b_hh
    return {k: np.ascontiguousarray(v) for k, v in out.items()}


def simple_rnn_state_dict(weights, layer=0):
    """``nn.RNN`` entries for layer ``layer`` from a Keras ``SimpleRNN``.

    Args:
        weights: ``[kernel (D, H), recurrent_kernel (H, H), bias (H,)]``;
            the bias is absent when the layer was built with
            ``use_bias=False`` (then build ``nn.RNN(bias=False)``).
        layer: the index ``k`` in the keys ``weight_ih_l{k}``, ... .
    """
    kernel, recurrent, bias, hidden = _split(weights, "simple_rnn")
    b_ih = b_hh = None
    if bias is not None:
        _check_bias(bias, (hidden,))
        b_ih, b_hh = bias, np.zeros_like(bias)
    return _entries(kernel.T, recurrent.T, b_ih, b_hh, layer)


def lstm_state_dict(weights, layer=0):
    """``nn.LSTM`` entries for layer ``layer`` from a Keras ``LSTM``.

    Both libraries order the four gate blocks input, forget, cell candidate,
    output, so the blocks are kept and only the matrices are transposed.

    Args:
        weights: ``[kernel (D, 4H), recurrent_kernel (H, 4H), bias (4H,)]``.
        layer: the index ``k`` in the keys.
    """
    kernel, recurrent, bias, hidden = _split(weights, "lstm")
    b_ih = b_hh = None
    if bias is not None:
        _check_bias(bias, (4 * hidden,))
        b_ih, b_hh = bias, np.zeros_like(bias)
    return _entries(kernel.T, recurrent.T, b_ih, b_hh, layer)


def _zr_to_rz(matrix, hidden):
    """Reorder Keras's GRU blocks (z, r, h) on the last axis to (r, z, n)."""
    z, r, h = (matrix[..., i * hidden:(i + 1) * hidden] for i in range(3))
    return np.concatenate([r, z, h], axis=-1)


def gru_state_dict(weights, layer=0, *, reset_after=True):
    """``nn.GRU`` entries for layer ``layer`` from a Keras ``GRU``.

    PyTorch's GRU applies the reset gate after the recurrent product,
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, which is Keras's
    ``reset_after=True`` (its default). Keras's ``reset_after=False``
    computes a different function that ``nn.GRU`` cannot express, so it is
    refused.

    Args:
        weights: ``[kernel (D, 3H), recurrent_kernel (H, 3H),
            bias (2, 3H)]``; the bias rows are the input and the recurrent
            biases.
        layer: the index ``k`` in the keys.
        reset_after: the Keras layer's ``reset_after``; must be True.
    """
    if not reset_after:
        raise ValueError(
            "reset_after must be True: a Keras GRU with reset_after=False "
            "applies the reset gate before the recurrent product, which "
            "torch.nn.GRU cannot represent")
    kernel, recurrent, bias, hidden = _split(weights, "gru")
    b_ih = b_hh = None
    if bias is not None:
        _check_bias(bias, (2, 3 * hidden))
        b_ih = _zr_to_rz(bias[0], hidden)
        b_hh = _zr_to_rz(bias[1], hidden)
    return _entries(_zr_to_rz(kernel, hidden).T,
                    _zr_to_rz(recurrent, hidden).T, b_ih, b_hh, layer)


def dense_state_dict(weights, prefix=""):
    """``nn.Linear`` entries from a Keras ``Dense`` layer.

    Args:
        weights: ``[kernel (H, O), bias (O,)]``, or ``[kernel]`` without bias.
        prefix: prepended to the keys, e.g. ``"fc."`` for a submodule ``fc``.
    """
    weights = _as_list(weights, "weights")
    if len(weights) not in (1, 2) or weights[0].ndim != 2:
        raise ValueError(
            "weights must be [kernel (H, O)] or [kernel (H, O), bias (O,)] "
            f"of a Keras Dense layer, got shapes "
            f"{[w.shape for w in weights]}")
    out = {f"{prefix}weight": np.ascontiguousarray(weights[0].T)}
    if len(weights) == 2:
        _check_bias(weights[1], (weights[0].shape[1],))
        out[f"{prefix}bias"] = weights[1]
    return out


def stack_layers(layer_weights, cell, prefix=""):
    """Entries of one multi-layer ``nn.RNN/LSTM/GRU`` from stacked layers.

    Keras stacks recurrent layers as separate layers (all but the last with
    ``return_sequences=True``); PyTorch uses one module with ``num_layers``.

    Args:
        layer_weights: a list with ``get_weights()`` of each Keras layer,
            bottom first.
        cell: ``"simple_rnn"``, ``"lstm"`` or ``"gru"``.
        prefix: prepended to the keys, e.g. ``"rnn."``.
    """
    convert = {"simple_rnn": simple_rnn_state_dict, "lstm": lstm_state_dict,
               "gru": gru_state_dict}
    if cell not in convert:
        raise ValueError(
            f"cell must be one of {sorted(convert)}, got {cell!r}")
    if not isinstance(layer_weights, (list, tuple)) or not layer_weights:
        raise ValueError(
            "layer_weights must be a non-empty list of get_weights() lists")
    out = {}
    for k, weights in enumerate(layer_weights):
        entries = convert[cell](weights, layer=k)
        if k > 0:
            below = layer_weights[k - 1]
            h_below = np.asarray(below[1]).shape[0]
            if entries[f"weight_ih_l{k}"].shape[1] != h_below:
                raise ValueError(
                    f"layer_weights[{k}] expects inputs of size "
                    f"{entries[f'weight_ih_l{k}'].shape[1]}, but the layer "
                    f"below has H = {h_below}")
        out.update({prefix + key: value for key, value in entries.items()})
    return out


def to_tensors(state, dtype=None):
    """The arrays of ``state`` as torch tensors (``dtype`` optional)."""
    import torch

    return {k: torch.as_tensor(np.asarray(v), dtype=dtype)
            for k, v in state.items()}
