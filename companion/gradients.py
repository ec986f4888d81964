r"""Vanishing and exploding gradients: exact state Jacobians of a simple RNN.

For one layer of the simple RNN (the book's convention, batch of sequences)

.. math::  a_k = W_{ih} x_k + b_{ih} + W_{hh} h_{k-1} + b_{hh}, \qquad h_k = f(a_k),

the gradient that reaches :math:`h_t` from a loss at step :math:`T` is multiplied by

.. math::  \frac{\partial h_T}{\partial h_t}
           = \prod_{k=T}^{t+1} \operatorname{diag}\big(f'(a_k)\big) W_{hh}
           \qquad (\text{later steps on the left}),

a product of :math:`T - t` Jacobians :math:`\partial h_k / \partial h_{k-1}`.
This module computes those products exactly (no autograd) and their spectral
norms :math:`\|\partial h_T / \partial h_t\|_2`, the largest singular value.

Notation (shared with the book): N batch, T time steps, D input size,
H hidden size. ``x`` is ``(N, T, D)``; ``x[:, k]`` is the input of step
``k + 1``, so ``h_t`` is the state after reading ``x[:, :t]`` and the index
``t = 0 .. T-1`` of the results is the step whose state is differentiated:
the lag is ``T - t``. Parameters are a dict laid out like the
``state_dict()`` of a one-layer ``torch.nn.RNN`` (``weight_ih_l0`` (H, D),
``weight_hh_l0`` (H, H), optional ``bias_ih_l0``, ``bias_hh_l0`` (H,)), as in
:mod:`companion.numpy_nn`; torch tensors are accepted as they are.

Functions:

- :func:`state_jacobians` -- every :math:`\partial h_T / \partial h_t`, (N, T, H, H);
- :func:`jacobian_norms` -- their spectral norms, per sequence (N, T) or
  averaged over the batch (T,);
- :func:`rnn_params` -- a parameter dict whose :math:`W_{hh}` is Gaussian,
  orthogonal, the identity or torch's default, optionally rescaled to a
  given spectral radius, optionally with zero biases;
- :func:`spectral_radius`, :func:`set_spectral_radius`, :func:`orthogonal`;
- :func:`power_norms` -- :math:`\|W^k\|_2` for k = 1, 2, ...: the Jacobian norms
  of a linear RNN;
- :data:`MAX_SLOPE` -- :math:`\gamma = \max_a f'(a)`: 1/4 for the sigmoid,
  1 for tanh and ReLU.

Randomness enters through an explicit ``rng`` (a ``numpy.random.Generator``
or an int seed). Everything is computed in float64.
"""

from __future__ import annotations

import numbers

import numpy as np

from companion._validate import as_rng, check_positive_int
from companion.numpy_nn import init_params
from companion.numpy_nn._checks import as_float_array, parse_params

__all__ = [
    "MAX_SLOPE",
    "state_jacobians",
    "jacobian_norms",
    "rnn_params",
    "spectral_radius",
    "power_norms",
    "set_spectral_radius",
    "orthogonal",
]

#: gamma, the largest slope of each nonlinearity: sup_a f'(a).
MAX_SLOPE = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0}

_REDUCE = ("mean", "none")
_W_HH = ("uniform", "gaussian", "orthogonal", "identity")


# ------------------------------------------------------------------ checks
def _check_nonlinearity(nonlinearity):
    if nonlinearity not in MAX_SLOPE:
        raise ValueError(f"nonlinearity must be one of {tuple(MAX_SLOPE)}, got {nonlinearity!r}")


def _square(w, name="w"):
    w = as_float_array(w, name, ndim=2, dtype=np.float64)
    if w.shape[0] != w.shape[1] or w.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix (H, H), got shape {w.shape}")
    return w


def _layer(params, x, h0):
    """Checked float64 arrays: x (N, T, D), h0 (N, H), W_ih, W_hh, summed bias."""
    x = as_float_array(x, "x", ndim=3, dtype=np.float64)
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"x must have N >= 1 and T >= 1, got shape {x.shape}")
    N, T, D = x.shape
    w0 = params.get("weight_ih_l0") if hasattr(params, "get") else None
    if w0 is not None and np.ndim(w0) == 2 and np.shape(w0)[1] != D:
        raise ValueError(f"x must have D={np.shape(w0)[1]} features (the columns of params['weight_ih_l0'], "
                         f"shape {tuple(np.shape(w0))}), got x of shape {x.shape}")
    layers = parse_params(params, 1, D, np.float64)
    if len(layers) != 1:
        raise ValueError(f"params must describe one layer (keys ending in _l0), got {len(layers)} layers")
    p = layers[0]
    H = p["weight_hh"].shape[1]
    b = p["bias_ih"] + p["bias_hh"] if "bias_ih" in p else np.zeros(H)
    if h0 is None:
        h = np.zeros((N, H))
    else:
        h = as_float_array(h0, "h0", dtype=np.float64)
        if h.shape != (1, N, H):
            raise ValueError(f"h0 must have shape (1, N, H) = {(1, N, H)} (L=1), got {h.shape}")
        h = h[0]
    return x, h, p["weight_ih"], p["weight_hh"], b


# ---------------------------------------------------------------- forward
def _slopes(params, x, h0, nonlinearity):
    """f'(a_k) for k = 1..T: (N, T, H), and W_hh (H, H)."""
    _check_nonlinearity(nonlinearity)
    x, h, w_ih, w_hh, b = _layer(params, x, h0)
    N, T, _ = x.shape
    xw = x @ w_ih.T + b  # (N, T, H): W_ih x_k + b_ih + b_hh, every k
    slopes = np.empty((N, T, w_hh.shape[0]))
    for k in range(T):
        a = xw[:, k] + h @ w_hh.T  # (N, H): a_k
        if nonlinearity == "tanh":
            h = np.tanh(a)
            slopes[:, k] = 1.0 - h * h  # tanh' = 1 - tanh**2
        elif nonlinearity == "relu":
            h = np.maximum(a, 0.0)
            slopes[:, k] = a > 0  # relu' = 1 where a > 0 (0 at a = 0, as torch)
        else:
            h = 0.5 * np.tanh(0.5 * a) + 0.5  # sigmoid, without overflow
            slopes[:, k] = h * (1.0 - h)  # sigmoid' = s (1 - s)
    return slopes, w_hh


def _products(slopes, w_hh):
    """Yield (t, dh_T/dh_t) for t = T-1 down to 0, each (N, H, H)."""
    N, T, H = slopes.shape
    J = np.broadcast_to(np.eye(H), (N, H, H))  # dh_T/dh_T = I
    for t in reversed(range(T)):
        # dh_{t+1}/dh_t = diag(f'(a_{t+1})) W_hh; the slopes of step t+1 sit at index t
        J = (J * slopes[:, t, None, :]) @ w_hh  # J diag(d) W_hh: scale J's columns
        yield t, J


def state_jacobians(params, x, h0=None, nonlinearity="tanh"):
    r"""Every Jacobian :math:`\partial h_T / \partial h_t` of a one-layer RNN, t = 0 .. T-1.

    params: one-layer ``torch.nn.RNN``-style dict; x (N, T, D); h0 (1, N, H) or None (zeros);
    nonlinearity: "tanh", "relu" or "sigmoid" (torch.nn.RNN has no sigmoid; it is here for the
    bound with :math:`\gamma = 1/4`).
    Returns J (N, T, H, H) with ``J[n, t] = dh_T/dh_t`` for sequence n: the product of the
    T - t step Jacobians ``diag(f'(a_k)) W_hh``, k = t+1 .. T. ``J[:, T-1]`` is one step.
    Memory is N T H^2 floats; use :func:`jacobian_norms` for long sequences.
    """
    slopes, w_hh = _slopes(params, x, h0, nonlinearity)
    N, T, H = slopes.shape
    out = np.empty((N, T, H, H))
    for t, J in _products(slopes, w_hh):
        out[:, t] = J
    return out


def jacobian_norms(params, x, h0=None, nonlinearity="tanh", reduce="mean"):
    r"""Spectral norms :math:`\|\partial h_T / \partial h_t\|_2` for t = 0 .. T-1 (lag T - t).

    Arguments as :func:`state_jacobians`. ``reduce="none"`` returns the norms of each sequence,
    (N, T); ``reduce="mean"`` (the default) their arithmetic mean over the batch, (T,).
    Index t holds lag T - t: ``norms[::-1]`` runs over lags 1 .. T. The products are formed
    one step at a time and only their norms are kept, so memory is N H^2, not N T H^2.
    """
    if reduce not in _REDUCE:
        raise ValueError(f"reduce must be one of {_REDUCE}, got {reduce!r}")
    slopes, w_hh = _slopes(params, x, h0, nonlinearity)
    N, T, _ = slopes.shape
    norms = np.empty((N, T))
    for t, J in _products(slopes, w_hh):
        norms[:, t] = np.linalg.norm(J, ord=2, axis=(1, 2))  # largest singular value
    return norms.mean(axis=0) if reduce == "mean" else norms


# ------------------------------------------------------------ initialisation
def power_norms(w, k_max):
    r"""``[||W||_2, ||W^2||_2, ..., ||W^k_max||_2]``: the Jacobian norms of a linear RNN, lag 1 to k_max."""
    w = _square(w)
    k_max = check_positive_int("k_max", k_max)
    norms, power = np.empty(k_max), np.eye(len(w))
    for k in range(k_max):
        power = power @ w  # W^(k+1)
        norms[k] = np.linalg.norm(power, 2)
    return norms


def spectral_radius(w):
    """Largest absolute eigenvalue of the square matrix ``w``."""
    w = _square(w)
    return float(np.abs(np.linalg.eigvals(w)).max())


def set_spectral_radius(w, rho):
    """A copy of the square matrix ``w`` scaled so that its spectral radius is ``rho`` (>= 0).

    Scaling by c scales every eigenvalue by c, so the result is ``w * rho / spectral_radius(w)``.
    A matrix whose eigenvalues are all 0 (nilpotent) cannot be rescaled: ValueError.
    """
    w = _square(w)
    if isinstance(rho, bool) or not isinstance(rho, numbers.Real) or not np.isfinite(rho) or rho < 0:
        raise ValueError(f"rho must be a finite number >= 0, got {rho!r}")
    current = spectral_radius(w)
    if current < 1e-12:
        raise ValueError("w has spectral radius 0 (all eigenvalues are 0): it cannot be rescaled")
    return w * (rho / current)


def orthogonal(n, rng):
    """A random (n, n) orthogonal matrix, uniform over the orthogonal group (Haar measure).

    The Q of a QR decomposition of a standard Gaussian matrix, with the signs of R's diagonal
    moved into Q (without that correction Q is not uniformly distributed).
    """
    n = check_positive_int("n", n)
    rng = as_rng(rng)
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))  # multiply column j by sign(r_jj)


def rnn_params(input_size, hidden_size, *, w_hh="gaussian", spectral_radius=None, zero_bias=False, rng):
    r"""Parameters of a one-layer RNN (torch layout) with a chosen recurrent matrix.

    ``weight_ih_l0`` (H, D) and both biases (H,) are drawn like ``torch.nn.RNN``'s,
    from U(-1/sqrt(H), 1/sqrt(H)). ``weight_hh_l0`` (H, H) is, by ``w_hh``:

    - "uniform": torch's default, U(-1/sqrt(H), 1/sqrt(H)) (spectral radius near 1/sqrt(3));
    - "gaussian": entries N(0, 1/H) (spectral radius near 1, by the circular law);
    - "orthogonal": a random orthogonal matrix (:func:`orthogonal`; Saxe et al. 2014);
    - "identity": the identity matrix (Le et al. 2015's IRNN, with ReLU and zero biases).

    If ``spectral_radius`` is given, ``weight_hh_l0`` is rescaled to it
    (:func:`set_spectral_radius`; for "orthogonal" and "identity" this multiplies by it).
    ``zero_bias=True`` sets both biases to 0 (the IRNN's choice) after they were drawn.
    ``rng``: Generator or int seed. All four torch-style arrays are drawn first
    (:func:`companion.numpy_nn.init_params`), then the new ``weight_hh_l0``, so the
    options change no other draw.
    """
    D = check_positive_int("input_size", input_size)
    H = check_positive_int("hidden_size", hidden_size)
    if w_hh not in _W_HH:
        raise ValueError(f"w_hh must be one of {_W_HH}, got {w_hh!r}")
    rng = as_rng(rng)
    params = init_params("rnn", D, H, rng=rng)  # torch's init for every entry
    if w_hh == "gaussian":
        w = rng.standard_normal((H, H)) / np.sqrt(H)
    elif w_hh == "orthogonal":
        w = orthogonal(H, rng)
    elif w_hh == "identity":
        w = np.eye(H)
    else:
        w = params["weight_hh_l0"]
    if spectral_radius is not None:
        w = set_spectral_radius(w, spectral_radius)
    params["weight_hh_l0"] = w
    if zero_bias:
        params["bias_ih_l0"][:] = 0.0
        params["bias_hh_l0"][:] = 0.0
    return params
