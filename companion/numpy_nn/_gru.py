r"""GRU in NumPy, forward and backward by hand, in torch's layout (gate order r, z, n).

.. math::

    r_t &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}), \qquad
    z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
    n_t &= \tanh\big(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})\big) \\
    h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}

Unlike RNN and LSTM, ``b_hh`` cannot be added to ``b_ih``: ``b_hn`` sits inside ``r_t * (...)``.
Shapes: ``x_t`` (N, D), ``h_t`` (N, H), ``weight_ih`` (3H, D), ``weight_hh`` (3H, H);
sequences ``x`` (N, T, D), states (L, N, H).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._activations import sigmoid
from ._checks import GATES, check_step_grads, check_step_inputs, unpack
from ._sequence import check_sequence, sequence_backward, sequence_forward


class GRUStepCache(NamedTuple):
    """What :func:`gru_step_backward` needs from the forward step."""

    x_t: np.ndarray  # (N, D)
    h_prev: np.ndarray  # (N, H) h_{t-1}
    r: np.ndarray  # (N, H) reset gate
    z: np.ndarray  # (N, H) update gate
    n: np.ndarray  # (N, H) candidate
    hn: np.ndarray  # (N, H) W_hn h_{t-1} + b_hn, the part that r multiplies
    params: dict


class GRULayerCache(NamedTuple):
    """The step caches of one layer, stacked over time: ``z[:, t]`` is the update gate at step t."""

    x: np.ndarray  # (N, T, D) the layer's input
    h: np.ndarray  # (N, T+1, H) h_0 .. h_T
    r: np.ndarray  # (N, T, H)
    z: np.ndarray  # (N, T, H)
    n: np.ndarray  # (N, T, H)
    hn: np.ndarray  # (N, T, H)
    params: dict

    def step(self, t: int) -> GRUStepCache:
        """The cache of step t, as :func:`gru_step_forward` returned it."""
        return GRUStepCache(self.x[:, t], self.h[:, t], self.r[:, t], self.z[:, t], self.n[:, t], self.hn[:, t],
                            self.params)

    @classmethod
    def stack(cls, steps: list, final: tuple) -> GRULayerCache:
        """The caches of steps 1 .. T and the final state ``(h_T,)``, as one layer cache."""
        def over_time(name):
            return np.stack([getattr(s, name) for s in steps], axis=1)

        h = np.stack([s.h_prev for s in steps] + [final[0]], axis=1)
        return cls(over_time("x_t"), h, over_time("r"), over_time("z"), over_time("n"), over_time("hn"),
                   steps[0].params)


def _step(x_t, state, p):
    """One step without input checks; ``state`` is ``(h_prev,)``. Returns ``(h,)`` and the cache."""
    (h_prev,) = state
    H = h_prev.shape[1]
    W_ih, W_hh, b_ih, b_hh = unpack(p)
    xw = x_t @ W_ih.T + b_ih  # (N, 3H): W_ir x_t + b_ir, W_iz x_t + b_iz, W_in x_t + b_in
    hw = h_prev @ W_hh.T + b_hh  # (N, 3H): the same for h_{t-1}, with W_hr, W_hz, W_hn
    r = sigmoid(xw[:, :H] + hw[:, :H])  # reset gate
    z = sigmoid(xw[:, H:2 * H] + hw[:, H:2 * H])  # update gate
    hn = hw[:, 2 * H:]  # W_hn h_{t-1} + b_hn
    n = np.tanh(xw[:, 2 * H:] + r * hn)  # candidate state
    h = (1.0 - z) * n + z * h_prev  # (N, H)
    return (h,), GRUStepCache(x_t, h_prev, r, z, n, hn, p)


def _step_backward(dstate, cache):
    """Backward of :func:`_step`; ``dstate`` is ``(dh,)``. Returns dx_t, ``(dh_prev,)`` and the grads."""
    (dh,) = dstate
    x_t, h_prev, r, z, n, hn, p = cache
    dn = dh * (1.0 - z)  # through h = (1 - z) * n + z * h_prev
    dz = dh * (h_prev - n)
    dh_prev = dh * z
    dan = dn * (1.0 - n * n)  # through tanh: 1 - n**2
    dr = dan * hn  # through r * (W_hn h + b_hn)
    dhn = dan * r
    dar = dr * r * (1.0 - r)  # through sigmoid: s * (1 - s)
    daz = dz * z * (1.0 - z)
    dxw = np.concatenate([dar, daz, dan], axis=1)  # (N, 3H): dL/d(W_ih x_t + b_ih)
    dhw = np.concatenate([dar, daz, dhn], axis=1)  # (N, 3H): dL/d(W_hh h_{t-1} + b_hh)
    W_ih, W_hh, _, _ = unpack(p)
    dx_t = dxw @ W_ih  # through W_ih x_t, (N, D)
    dh_prev = dh_prev + dhw @ W_hh  # and through W_hh h_{t-1}, (N, H)
    grads = {"weight_ih": dxw.T @ x_t, "weight_hh": dhw.T @ h_prev}
    if "bias_ih" in p:
        grads["bias_ih"] = dxw.sum(axis=0)
        grads["bias_hh"] = dhw.sum(axis=0)
    return dx_t, (dh_prev,), grads


def gru_step_forward(x_t, h_prev, params):
    """One GRU step. x_t (N, D); h_prev (N, H); params keyed like ``torch.nn.GRUCell(D, H).state_dict()``
    (``weight_ih`` (3H, D), ``weight_hh`` (3H, H), ``bias_ih``, ``bias_hh`` (3H,); no bias keys: ``bias=False``).

    Returns ``h`` (N, H) and the cache for :func:`gru_step_backward`.
    """
    x_t, (h_prev,), p = check_step_inputs(x_t, {"h_prev": h_prev}, params, GATES["gru"])
    (h,), cache = _step(x_t, (h_prev,), p)
    return h, cache


def gru_step_backward(dh, cache):
    """Backward of one step. dh (N, H) is dL/dh_t.

    Returns ``dx_t`` (N, D), ``dh_prev`` (N, H) and ``grads``, keyed like the params.
    """
    (dh,) = check_step_grads(cache, GRUStepCache, "gru_step_forward", {"dh": dh})
    dx_t, (dh_prev,), grads = _step_backward((dh,), cache)
    return dx_t, dh_prev, grads


def gru_forward(x, h0, params):
    """Multi-layer GRU over a batch of sequences.

    x (N, T, D); h0 (L, N, H) or None (zeros); params: dict shaped like ``torch.nn.GRU(...).state_dict()``.
    Returns ``out`` (N, T, H), ``h_n`` (L, N, H), and a cache.
    """
    x, (h0,), layers = check_sequence("gru", GATES["gru"], x, (h0,), params, ("h0",))
    out, (h_n,), cache = sequence_forward("gru", x, (h0,), layers, _step, GRULayerCache)
    return out, h_n, cache


def gru_backward(dout, dh_n, cache):
    """Backward of :func:`gru_forward`. dout (N, T, H) or None, dh_n (L, N, H) or None.

    Returns ``dx`` (N, T, D), ``dh0`` (L, N, H) and ``grads`` keyed and shaped like the params.
    """
    dx, (dh0,), grads = sequence_backward("gru", dout, (dh_n,), cache, _step_backward, ("dh_n",))
    return dx, dh0, grads
