"""Optimisers and gradient clipping that update a dict of NumPy arrays in place, step for step as ``torch.optim``."""

from __future__ import annotations

import math

import numpy as np

from .._validate import check_nonnegative


def _check_grads(params, grads):
    missing = set(params) - set(grads)
    if missing:
        raise ValueError(f"grads is missing keys {sorted(missing)} present in params")
    for k, p in params.items():
        if np.shape(grads[k]) != p.shape:
            raise ValueError(f"grads[{k!r}] must have shape {p.shape} like params[{k!r}], got {np.shape(grads[k])}")


class SGD:
    """Stochastic gradient descent with optional momentum (torch's form), Nesterov and weight decay.

    ``g = grad + weight_decay * p``;  ``b = momentum * b + (1 - dampening) * g`` (``b = g`` at the first step);
    ``p -= lr * (g + momentum * b if nesterov else b)``.
    """

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        check_nonnegative("lr", lr)
        check_nonnegative("momentum", momentum)
        check_nonnegative("weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("nesterov=True needs momentum > 0 and dampening == 0")
        self.params, self.lr, self.momentum = params, lr, momentum
        self.dampening, self.weight_decay, self.nesterov = dampening, weight_decay, nesterov
        self.buffers = {}

    def step(self, grads):
        """Update every array of ``params`` in place from ``grads`` (same keys and shapes)."""
        _check_grads(self.params, grads)
        for k, p in self.params.items():
            g = np.asarray(grads[k], dtype=p.dtype)
            if self.weight_decay:
                g = g + self.weight_decay * p
            if self.momentum:
                b = self.buffers.get(k)
                if b is None:
                    b = self.buffers[k] = g.copy()
                else:
                    b *= self.momentum
                    b += (1 - self.dampening) * g
                g = g + self.momentum * b if self.nesterov else b
            p -= self.lr * g


class Adam:
    """Adam (Kingma & Ba, 2015) as ``torch.optim.Adam``: bias-corrected first and second moments.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g**2``,
    ``p -= lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)``.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        check_nonnegative("lr", lr)
        check_nonnegative("eps", eps)
        check_nonnegative("weight_decay", weight_decay)
        if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"betas must both lie in [0, 1), got {betas}")
        self.params, self.lr, self.betas, self.eps, self.weight_decay = params, lr, betas, eps, weight_decay
        self.m = {k: np.zeros_like(p) for k, p in params.items()}
        self.v = {k: np.zeros_like(p) for k, p in params.items()}
        self.t = 0

    def step(self, grads):
        """Update every array of ``params`` in place from ``grads`` (same keys and shapes)."""
        _check_grads(self.params, grads)
        self.t += 1
        b1, b2 = self.betas
        for k, p in self.params.items():
            g = np.asarray(grads[k], dtype=p.dtype)
            if self.weight_decay:
                g = g + self.weight_decay * p
            m, v = self.m[k], self.v[k]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            denom = np.sqrt(v) / math.sqrt(1 - b2**self.t) + self.eps
            p -= (self.lr / (1 - b1**self.t)) * m / denom


def clip_grad_norm(grads, max_norm):
    """Scale all gradients in place so that their joint L2 norm is at most ``max_norm``.

    As ``torch.nn.utils.clip_grad_norm_``: the factor is ``max_norm / (norm + 1e-6)``, capped at 1.
    Returns the norm before clipping.
    """
    check_nonnegative("max_norm", max_norm, strict=True)
    if not grads:
        raise ValueError("grads must contain at least one array")
    total = math.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads.values()))
    coef = min(max_norm / (total + 1e-6), 1.0)
    if coef < 1.0:
        for g in grads.values():
            g *= coef
    return total
