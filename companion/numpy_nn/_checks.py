"""Input checks shared by the NumPy layers: every error names the argument, what it got and what was expected."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np


def as_float_array(value, name: str, ndim: int | None = None, dtype=None) -> np.ndarray:
    """Return ``value`` as a finite floating array, or raise ValueError naming ``name``."""
    arr = np.asarray(value)
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)  # integers and booleans become float64
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def check_shape(arr: np.ndarray, name: str, expected: tuple, hint: str = "") -> None:
    """Raise ValueError unless ``arr.shape == expected``."""
    if arr.shape != tuple(expected):
        extra = f" {hint}" if hint else ""
        raise ValueError(f"{name} must have shape {tuple(expected)}{extra}, got {arr.shape}")


def check_step(gates: int, w_hh, xw_t=None, b_hh=None, **states) -> None:
    """Shape checks of a public step function; ``w_hh`` (G*H, H) fixes H.

    Each of ``states`` (keyword name -> array) must be (N, H), with the N of the
    first one; ``xw_t`` must be (N, G*H) and ``b_hh`` (G*H,). Arrays are only
    inspected, never copied, so views into a sequence's buffers pass through.
    """
    w_hh = np.asarray(w_hh)
    if w_hh.ndim != 2 or w_hh.shape[0] != gates * w_hh.shape[1]:
        raise ValueError(f"w_hh must have shape (G*H, H) with G={gates}, got {w_hh.shape}")
    GH, H = w_hh.shape
    N = None
    for name, state in states.items():
        shape = np.shape(state)
        if len(shape) != 2 or shape[1] != H or (N is not None and shape[0] != N):
            expected = f"({'N' if N is None else N}, {H})"
            raise ValueError(f"{name} must have shape (N, H) = {expected} (H from w_hh {w_hh.shape}), got {shape}")
        N = shape[0]
    if xw_t is not None and np.shape(xw_t) != (N, GH):
        raise ValueError(f"xw_t must have shape (N, G*H) = ({N}, {GH}), the input term x_t @ W_ih.T + b_ih, "
                         f"got {np.shape(xw_t)}")
    if b_hh is not None and np.shape(b_hh) != (GH,):
        raise ValueError(f"b_hh must have shape (G*H,) = ({GH},) or be None, got {np.shape(b_hh)}")


def check_cache(cache, cache_type: type, function: str) -> None:
    """Raise unless ``cache`` is the step cache that ``function`` returns."""
    if not isinstance(cache, cache_type):
        raise ValueError(f"cache must be the {cache_type.__name__} returned by {function}, got {type(cache).__name__}")


class LayerParams(NamedTuple):
    """Weights of one recurrent layer, in torch's layout: ``w_ih`` (G*H, D), ``w_hh`` (G*H, H), biases (G*H,) or None."""

    w_ih: np.ndarray
    w_hh: np.ndarray
    b_ih: np.ndarray | None
    b_hh: np.ndarray | None


_KEY = re.compile(r"(weight|bias)_(ih|hh)_l(\d+)$")


def parse_params(params, gates: int, input_size: int, dtype, name: str = "params") -> list[LayerParams]:
    """Check a torch-style parameter dict and return one :class:`LayerParams` per layer.

    ``gates`` is G (1 RNN, 3 GRU, 4 LSTM); ``input_size`` is D of the first layer;
    every array is cast to ``dtype``. A missing pair of bias keys means ``bias=False``.
    """
    if not isinstance(params, Mapping):
        raise ValueError(f"{name} must be a dict of arrays keyed like a torch state_dict, got {type(params).__name__}")
    for key in params:
        if key.startswith("weight_hr_l"):
            raise ValueError(
                f"{name} has key {key!r}: an LSTM with projections (proj_size > 0) is not supported "
                "by numpy_nn; use companion.torch_nn.LSTM or torch.nn.LSTM"
            )
        if key.endswith("_reverse"):
            raise ValueError(
                f"{name} has key {key!r}: bidirectional layers are not supported by numpy_nn; "
                "run the reversed sequence through a second layer, or use companion.torch_nn"
            )
        if not _KEY.match(key):
            raise ValueError(
                f"{name} has unexpected key {key!r}: expected weight_ih_l{{k}}, weight_hh_l{{k}}, "
                "bias_ih_l{k}, bias_hh_l{k} (bidirectional and projected layers are not supported in numpy_nn)"
            )
    if "weight_ih_l0" not in params:
        raise ValueError(f"{name} is missing key 'weight_ih_l0'")
    num_layers = 1 + max(int(_KEY.match(k).group(3)) for k in params)
    w_hh0 = np.asarray(params.get("weight_hh_l0", np.empty((0, 0))))
    if w_hh0.ndim != 2 or w_hh0.shape[1] == 0:
        raise ValueError(f"{name} is missing key 'weight_hh_l0' or it is not a (G*H, H) matrix")
    hidden = w_hh0.shape[1]
    has_bias = "bias_ih_l0" in params
    layers = []
    for k in range(num_layers):
        d_in = input_size if k == 0 else hidden
        arrays = {}
        kinds = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if has_bias else [])
        expected = {"weight_ih": (gates * hidden, d_in), "weight_hh": (gates * hidden, hidden),
                    "bias_ih": (gates * hidden,), "bias_hh": (gates * hidden,)}
        for kind in kinds:
            key = f"{kind}_l{k}"
            if key not in params:
                raise ValueError(f"{name} is missing key {key!r} (layers 0..{num_layers - 1} must all be present)")
            arrays[kind] = as_float_array(params[key], f"{name}[{key!r}]", dtype=dtype)
            hint = f"for G={gates}, H={hidden}, D={d_in}" if kind == "weight_ih" else f"for G={gates}, H={hidden}"
            check_shape(arrays[kind], f"{name}[{key!r}]", expected[kind], hint)
        if not has_bias and (f"bias_ih_l{k}" in params or f"bias_hh_l{k}" in params):
            raise ValueError(f"{name} has bias keys for layer {k} but not for layer 0: use biases in all layers or none")
        layers.append(LayerParams(arrays["weight_ih"], arrays["weight_hh"],
                                  arrays.get("bias_ih"), arrays.get("bias_hh")))
    return layers


def check_state(state, name: str, shape: tuple, dtype) -> np.ndarray:
    """Return the initial state as an array of ``shape``; ``None`` means zeros."""
    if state is None:
        return np.zeros(shape, dtype=dtype)
    arr = as_float_array(state, name, dtype=dtype)
    check_shape(arr, name, shape, "(L, N, H)")
    return arr


_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def init_params(cell, input_size, hidden_size, num_layers=1, bias=True, *, rng, dtype=np.float64):
    """A parameter dict for ``cell`` ("rnn", "lstm" or "gru") initialised like torch.nn.

    Every entry is drawn from U(-1/sqrt(H), 1/sqrt(H)), as torch.nn.RNN/LSTM/GRU do.
    Keys and shapes are those of the torch ``state_dict`` (``weight_ih_l{k}`` (G*H, D_k), ...).
    ``rng`` is a ``numpy.random.Generator`` (or an int seed).
    """
    if cell not in _GATES:
        raise ValueError(f"cell must be one of {tuple(_GATES)}, got {cell!r}")
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    rng = np.random.default_rng(rng)
    G, H = _GATES[cell], hidden_size
    bound = 1.0 / np.sqrt(H)
    params = {}
    for k in range(num_layers):
        d_in = input_size if k == 0 else H
        shapes = {"weight_ih": (G * H, d_in), "weight_hh": (G * H, H)}
        if bias:
            shapes.update({"bias_ih": (G * H,), "bias_hh": (G * H,)})
        for name, shape in shapes.items():
            params[f"{name}_l{k}"] = rng.uniform(-bound, bound, shape).astype(dtype)
    return params
