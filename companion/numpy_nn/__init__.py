"""Recurrent networks in NumPy with every backward pass written by hand.

Two levels, as in CS231n's ``rnn_layers.py``:

- a **step** takes one time step and the parameters of one cell, keyed like
  ``torch.nn.RNNCell/LSTMCell/GRUCell(D, H).state_dict()`` (``weight_ih`` (G*H, D),
  ``weight_hh`` (G*H, H), ``bias_ih``, ``bias_hh`` (G*H,); no bias keys: ``bias=False``)::

      h, cache = rnn_step_forward(x_t, h_prev, params, nonlinearity="tanh")
      dx_t, dh_prev, grads = rnn_step_backward(dh, cache)
      (h, c), cache = lstm_step_forward(x_t, (h_prev, c_prev), params)
      dx_t, (dh_prev, dc_prev), grads = lstm_step_backward((dh, dc), cache)
      h, cache = gru_step_forward(x_t, h_prev, params)
      dx_t, dh_prev, grads = gru_step_backward(dh, cache)

  with ``x_t`` (N, D), states (N, H), and ``grads`` keyed like ``params``;
- a **sequence** function loops over the steps and the layers, with parameters keyed and
  shaped like ``torch.nn.RNN/LSTM/GRU(...).state_dict()`` (``weight_ih_l{k}``, ...), so
  ``{k: v.detach().numpy() for k, v in m.state_dict().items()}`` is a valid parameter set:
  ``out, h_n, cache = rnn_forward(x, h0, params)``, x (N, T, D), states (L, N, H).

A **model** adds a linear head and a loss, with nested parameters
``{"rnn": ..., "head": {"weight", "bias"}}`` (``init_model``, ``loss_and_grads``);
``from_state_dict(module.state_dict())`` and ``module.load_state_dict(to_state_dict(params))``
carry them between NumPy and torch (``companion.models.SequenceToOne`` has the same keys).

Convention: ``a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh``, in code ``x_t @ W_ih.T + ...``.
"""

from ._activations import ACTIVATIONS, relu, sigmoid
from ._checks import init_params
from ._gradcheck import gradient_check, numerical_gradient, relative_error
from ._gru import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from ._layers import embedding_backward, embedding_forward, linear_backward, linear_forward
from ._losses import mse_loss, softmax, softmax_cross_entropy
from ._lstm import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from ._model import (
    flatten,
    from_state_dict,
    init_model,
    linear_init,
    loss_and_grads,
    model_backward,
    model_forward,
    to_state_dict,
    unflatten,
)
from ._optim import SGD, Adam, clip_grad_norm
from ._rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

__all__ = [
    "rnn_forward", "rnn_backward", "rnn_step_forward", "rnn_step_backward",
    "lstm_forward", "lstm_backward", "lstm_step_forward", "lstm_step_backward",
    "gru_forward", "gru_backward", "gru_step_forward", "gru_step_backward",
    "init_params", "sigmoid", "relu", "ACTIVATIONS",
    "linear_forward", "linear_backward", "embedding_forward", "embedding_backward",
    "softmax", "softmax_cross_entropy", "mse_loss",
    "linear_init", "init_model", "model_forward", "model_backward", "loss_and_grads", "flatten",
    "unflatten", "from_state_dict", "to_state_dict",
    "SGD", "Adam", "clip_grad_norm",
    "numerical_gradient", "relative_error", "gradient_check",
]
