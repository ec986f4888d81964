"""Activation functions of the recurrent cells, with the derivatives their backward passes use."""

from __future__ import annotations

import numpy as np


def sigmoid(a):
    """The logistic function ``1 / (1 + exp(-a))``, computed as ``(1 + tanh(a / 2)) / 2``.

    The two are equal, but the second never overflows (``exp(-a)`` does for a < -709)
    and costs one ``tanh`` instead of an ``exp`` and a division. It differs from the
    exact value by at most one unit in the last place of 1 (2.2e-16 in float64).
    Its derivative, which the backward passes use, is
    ``sigmoid(a) * (1 - sigmoid(a))``.
    """
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(a)))


def tanh_derivative(a):
    """``tanh'(a) = 1 - tanh(a)**2``."""
    return 1.0 - np.tanh(a) ** 2


def sigmoid_derivative(a):
    """``sigmoid'(a) = sigmoid(a) * (1 - sigmoid(a))``, at most 1/4 (at a = 0)."""
    s = sigmoid(a)
    return s * (1.0 - s)


def relu(a):
    """``max(a, 0)``."""
    return np.maximum(np.asarray(a), 0.0)


def relu_derivative(a):
    """1 where a > 0, else 0 (the value PyTorch uses at the kink, a = 0)."""
    return (np.asarray(a) > 0).astype(float)


#: name -> (f, f'), for the recurrent cells' activations.
ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (np.tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
}
