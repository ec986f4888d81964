"""Linear and embedding layers in NumPy, with torch's weight layout (``weight`` is (out, in))."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import as_float_array, check_shape


class LinearCache(NamedTuple):
    x: np.ndarray  # (..., D_in)
    weight: np.ndarray  # (D_out, D_in)
    has_bias: bool


def linear_forward(x, weight, bias=None):
    """``y = x @ weight.T + bias`` over any leading dimensions: x (..., D_in), weight (D_out, D_in), bias (D_out,)."""
    weight = as_float_array(weight, "weight", ndim=2)
    x = as_float_array(x, "x", dtype=weight.dtype)
    if x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"x must have shape (..., {weight.shape[1]}) to match weight {weight.shape}, got {x.shape}")
    y = x @ weight.T  # (..., D_out)
    if bias is not None:
        bias = as_float_array(bias, "bias", dtype=weight.dtype)
        check_shape(bias, "bias", (weight.shape[0],), "(D_out,)")
        y += bias
    return y, LinearCache(x, weight, bias is not None)


def linear_backward(dy, cache):
    """Returns ``dx`` (..., D_in), ``dweight`` (D_out, D_in), ``dbias`` (D_out,) or None."""
    x, weight, has_bias = cache
    dy = as_float_array(dy, "dy", dtype=weight.dtype)
    check_shape(dy, "dy", x.shape[:-1] + (weight.shape[0],), "(..., D_out)")
    dx = dy @ weight  # through x @ W^T
    dy2, x2 = dy.reshape(-1, weight.shape[0]), x.reshape(-1, weight.shape[1])
    dweight = dy2.T @ x2  # sum over all leading positions of dy^T x
    dbias = dy2.sum(axis=0) if has_bias else None
    return dx, dweight, dbias


class EmbeddingCache(NamedTuple):
    indices: np.ndarray
    num_embeddings: int
    weight_dtype: np.dtype


def embedding_forward(indices, weight):
    """Rows of ``weight`` (V, E) picked by integer ``indices`` of any shape: returns (..., E)."""
    weight = as_float_array(weight, "weight", ndim=2)
    indices = np.asarray(indices)
    if not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(f"indices must be integers, got dtype {indices.dtype}")
    V = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= V):
        raise ValueError(f"indices must lie in [0, {V - 1}] for weight with V={V} rows, "
                         f"got values in [{indices.min()}, {indices.max()}]")
    return weight[indices], EmbeddingCache(indices, V, weight.dtype)


def embedding_backward(dout, cache):
    """Gradient with respect to the weight (V, E): rows used several times accumulate (``np.add.at``)."""
    indices, V, dtype = cache
    dout = as_float_array(dout, "dout", dtype=dtype)
    if dout.shape[:-1] != indices.shape:
        raise ValueError(f"dout must have shape {indices.shape + ('E',)}, got {dout.shape}")
    dweight = np.zeros((V, dout.shape[-1]), dtype=dtype)
    np.add.at(dweight, indices.reshape(-1), dout.reshape(-1, dout.shape[-1]))
    return dweight
