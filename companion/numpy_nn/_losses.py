r"""Losses, each returning the loss and its gradient with respect to the prediction.

Softmax cross-entropy, mean over the counted targets (as ``torch.nn.functional.cross_entropy``):

.. math::  \ell = -\frac{1}{M}\sum_{m} \log \mathrm{softmax}(z_m)_{y_m}, \qquad
           \frac{\partial \ell}{\partial z_m} = \frac{\mathrm{softmax}(z_m) - \mathrm{onehot}(y_m)}{M}
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array


def softmax(logits, axis=-1):
    """Numerically stable softmax of ``logits`` (..., C) along ``axis``: the max is subtracted before ``exp``."""
    logits = as_float_array(logits, "logits")
    if logits.ndim < 1:
        raise ValueError(f"logits must have at least one axis, shape (..., C), got shape {logits.shape}")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -logits.ndim <= axis < logits.ndim:
        raise ValueError(f"axis must be an int in [{-logits.ndim}, {logits.ndim}) for logits of shape "
                         f"{logits.shape}, got {axis!r}")
    z = logits - logits.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def softmax_cross_entropy(logits, targets, ignore_index=None):
    """Mean cross-entropy of ``logits`` (..., C) against integer ``targets`` (...).

    Targets equal to ``ignore_index`` (e.g. padding) are left out of the sum and of the count M.
    Returns ``loss`` (a float) and ``dlogits`` (..., C).
    """
    logits = as_float_array(logits, "logits")
    if logits.ndim < 1:
        raise ValueError(f"logits must have shape (..., C), got {logits.shape}")
    targets = np.asarray(targets)
    if not np.issubdtype(targets.dtype, np.integer):
        raise ValueError(f"targets must be integers (class indices), got dtype {targets.dtype}")
    if targets.shape != logits.shape[:-1]:
        raise ValueError(f"targets must have shape {logits.shape[:-1]} (logits without the class axis), "
                         f"got {targets.shape}")
    C = logits.shape[-1]
    keep = np.ones(targets.shape, bool) if ignore_index is None else targets != ignore_index
    if np.any((targets[keep] < 0) | (targets[keep] >= C)):
        raise ValueError(f"targets must lie in [0, {C - 1}] (or equal ignore_index), got values in "
                         f"[{targets.min()}, {targets.max()}]")
    M = int(keep.sum())
    if M == 0:
        raise ValueError("targets has no entry to count: every target equals ignore_index")
    safe = np.where(keep, targets, 0)
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))  # log softmax
    picked = np.take_along_axis(log_p, safe[..., None], axis=-1)[..., 0]
    loss = -(picked * keep).sum() / M
    dlogits = np.exp(log_p)  # softmax - onehot, over M
    np.put_along_axis(dlogits, safe[..., None], np.take_along_axis(dlogits, safe[..., None], -1) - 1.0, axis=-1)
    dlogits *= keep[..., None] / M
    return float(loss), dlogits


def mse_loss(pred, target):
    """Mean squared error over all elements; returns ``loss`` and ``dpred = 2 (pred - target) / size``."""
    pred = as_float_array(pred, "pred")
    target = as_float_array(target, "target", dtype=pred.dtype)
    if pred.shape != target.shape:
        raise ValueError(f"target must have the shape of pred {pred.shape}, got {target.shape}")
    diff = pred - target
    return float(np.mean(diff * diff)), 2.0 * diff / diff.size
