"""Input checks shared by the NumPy layers: every error names the argument, what it got and what was expected."""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from .._validate import as_rng, check_one_of, check_positive_int

CELL_KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")  # torch's state_dict order
GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # G: how many blocks of H rows the weights stack


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


def _check_cell_arrays(arrays: dict, gates: int, input_size: int, dtype, name) -> dict:
    """Cast and check one cell's arrays, keyed without layer suffix; ``name(key)`` names an entry."""
    if "weight_hh" not in arrays or np.ndim(arrays["weight_hh"]) != 2 or np.shape(arrays["weight_hh"])[1] == 0:
        raise ValueError(f"{name('weight_hh')} is missing or is not a (G*H, H) matrix")
    H = np.shape(arrays["weight_hh"])[1]
    expected = {"weight_ih": (gates * H, input_size), "weight_hh": (gates * H, H),
                "bias_ih": (gates * H,), "bias_hh": (gates * H,)}
    checked = {}
    for key in ("weight_hh", "weight_ih", "bias_ih", "bias_hh"):  # weight_hh first: it sets H
        if key in arrays:
            arr = as_float_array(arrays[key], name(key), dtype=dtype)
            hint = f"for G={gates}, H={H}, D={input_size}" if key == "weight_ih" else f"for G={gates}, H={H}"
            check_shape(arr, name(key), expected[key], hint)
            checked[key] = arr
    return {key: checked[key] for key in CELL_KEYS if key in checked}  # torch's order


def unpack(params: dict):
    """``(W_ih, W_hh, b_ih, b_hh)`` of one cell; without bias keys (``bias=False``) the biases are 0."""
    return (params["weight_ih"], params["weight_hh"], params.get("bias_ih", 0.0), params.get("bias_hh", 0.0))


def check_cell_params(params, gates: int, input_size: int, dtype, name: str = "params") -> dict:
    """Check the parameters of one cell and return them cast to ``dtype``.

    ``params`` is keyed like ``torch.nn.RNNCell/LSTMCell/GRUCell(...).state_dict()``:
    ``weight_ih`` (G*H, D), ``weight_hh`` (G*H, H) and, unless ``bias=False``,
    ``bias_ih`` and ``bias_hh`` (G*H,). G is 1 (RNN), 4 (LSTM) or 3 (GRU).
    """
    if not isinstance(params, Mapping):
        raise ValueError(f"{name} must be a dict of arrays keyed like a torch cell's state_dict, "
                         f"got {type(params).__name__}")
    unknown = sorted(set(params) - set(CELL_KEYS))
    if unknown:
        raise ValueError(f"{name} has unexpected key {unknown[0]!r}: expected {CELL_KEYS}, "
                         "the keys of torch.nn.RNNCell/LSTMCell/GRUCell.state_dict()")
    if "weight_ih" not in params:
        raise ValueError(f"{name} is missing key 'weight_ih'")
    if ("bias_ih" in params) != ("bias_hh" in params):
        raise ValueError(f"{name} must have both bias_ih and bias_hh, or neither (bias=False)")
    return _check_cell_arrays(params, gates, input_size, dtype, lambda key: f"{name}[{key!r}]")


def check_step_inputs(x_t, states: dict, params, gates: int):
    """Checks of a public step function: ``x_t`` (N, D), each of ``states`` (N, H), the cell's params.

    Returns ``x_t``, the list of states and the params, as arrays of ``x_t``'s dtype.
    """
    x_t = as_float_array(x_t, "x_t", ndim=2)
    p = check_cell_params(params, gates, x_t.shape[1], x_t.dtype)
    shape = (x_t.shape[0], p["weight_hh"].shape[1])
    checked = []
    for name, state in states.items():
        arr = as_float_array(state, name, dtype=x_t.dtype)
        check_shape(arr, name, shape, "(N, H): N from x_t, H from params['weight_hh']")
        checked.append(arr)
    return x_t, checked, p


def check_step_grads(cache, cache_type: type, function: str, grads: dict) -> list:
    """Checks of a public step backward: the cache type, and each upstream gradient (N, H)."""
    if not isinstance(cache, cache_type):
        raise ValueError(f"cache must be the {cache_type.__name__} returned by {function}, got {type(cache).__name__}")
    shape = cache.h_prev.shape
    checked = []
    for name, value in grads.items():
        arr = as_float_array(value, name, dtype=cache.h_prev.dtype)
        check_shape(arr, name, shape, "(N, H), the shape of the step's output")
        checked.append(arr)
    return checked


_KEY = re.compile(r"(weight|bias)_(ih|hh)_l(\d+)$")


def parse_params(params, gates: int, input_size: int, dtype, name: str = "params") -> list[dict]:
    """Check a torch-style parameter dict and return one cell-parameter dict per layer.

    ``gates`` is G (1 RNN, 3 GRU, 4 LSTM); ``input_size`` is D of the first layer; every
    array is cast to ``dtype``. Layer k's ``weight_ih_l{k}`` becomes ``weight_ih`` of
    the k-th dict, and so on. A missing pair of bias keys means ``bias=False``.
    """
    if not isinstance(params, Mapping):
        raise ValueError(f"{name} must be a dict of arrays keyed like a torch state_dict, got {type(params).__name__}")
    for key in params:
        if key.startswith("weight_hr_l"):
            raise ValueError(f"{name} has key {key!r}: an LSTM with projections (proj_size > 0) is not supported "
                             "by numpy_nn; use companion.torch_nn.LSTM or torch.nn.LSTM")
        if key.endswith("_reverse"):
            raise ValueError(f"{name} has key {key!r}: bidirectional layers are not supported by numpy_nn; "
                             "run the reversed sequence through a second layer, or use companion.torch_nn")
        if not _KEY.match(key):
            raise ValueError(f"{name} has unexpected key {key!r}: expected weight_ih_l{{k}}, weight_hh_l{{k}}, "
                             "bias_ih_l{k}, bias_hh_l{k}")
    if "weight_ih_l0" not in params:
        raise ValueError(f"{name} is missing key 'weight_ih_l0'")
    num_layers = 1 + max(int(_KEY.match(k).group(3)) for k in params)
    has_bias = "bias_ih_l0" in params
    layers = []
    for k in range(num_layers):
        kinds = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if has_bias else [])
        for kind in kinds:
            if f"{kind}_l{k}" not in params:
                raise ValueError(f"{name} is missing key '{kind}_l{k}' "
                                 f"(layers 0..{num_layers - 1} must all be present)")
        if not has_bias and (f"bias_ih_l{k}" in params or f"bias_hh_l{k}" in params):
            raise ValueError(f"{name} has bias keys for layer {k} but not for layer 0: "
                             "use biases in all layers or none")
        d_in = input_size if k == 0 else layers[0]["weight_hh"].shape[1]
        cell = {kind: params[f"{kind}_l{k}"] for kind in kinds}
        layers.append(_check_cell_arrays(cell, gates, d_in, dtype, lambda key, k=k: f"{name}['{key}_l{k}']"))
    return layers


def check_state(state, name: str, shape: tuple, dtype) -> np.ndarray:
    """Return the initial state as an array of ``shape``; ``None`` means zeros."""
    if state is None:
        return np.zeros(shape, dtype=dtype)
    arr = as_float_array(state, name, dtype=dtype)
    check_shape(arr, name, shape, "(L, N, H)")
    return arr


def init_params(cell, input_size, hidden_size, num_layers=1, bias=True, *, rng, dtype=np.float64):
    """A parameter dict for ``cell`` ("rnn", "lstm" or "gru") initialised like torch.nn.

    Every entry is drawn from U(-1/sqrt(H), 1/sqrt(H)), as torch.nn.RNN/LSTM/GRU do.
    Keys and shapes are those of the torch ``state_dict`` (``weight_ih_l{k}`` (G*H, D_k), ...).
    ``rng`` is a ``numpy.random.Generator`` (or an int seed).
    """
    check_one_of("cell", cell, tuple(GATES))
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
        check_positive_int(name, value)
    rng = as_rng(rng)
    G, H = GATES[cell], hidden_size
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
