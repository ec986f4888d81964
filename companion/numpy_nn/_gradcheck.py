"""Centred finite differences, to check hand-written gradients."""

from __future__ import annotations

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """dF/dx of a pure scalar function ``f`` by centred differences ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``.

    ``f`` must not modify its argument or depend on hidden state: each evaluation gets a fresh copy of ``x``.
    The error is O(eps**2) plus rounding of order 1e-16 / eps, so use float64.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"x must be a floating array, got dtype {x.dtype}")
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    grad = np.empty(x.shape, dtype=np.float64)
    flat = grad.reshape(-1)
    for i in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp.reshape(-1)[i] += eps
        xm.reshape(-1)[i] -= eps
        fp, fm = f(xp), f(xm)
        if np.ndim(fp) != 0:
            raise ValueError(f"f must return a scalar, got shape {np.shape(fp)}")
        flat[i] = (fp - fm) / (2 * eps)
    return grad


def relative_error(a, b):
    """``||a - b|| / max(||a|| + ||b||, tiny)``: 0 for equal arrays, 1 for opposite ones."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


def gradient_check(f, x, analytic, eps=1e-6):
    """Relative error between the ``analytic`` gradient of ``f`` at ``x`` and the numerical one."""
    return relative_error(analytic, numerical_gradient(f, x, eps))
