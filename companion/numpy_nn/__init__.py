"""Recurrent networks in NumPy with every backward pass written by hand.

Parameters and gradients are dicts keyed and shaped like the ``state_dict()`` of
``torch.nn.RNN/LSTM/GRU`` (``batch_first=True``), so
``{k: v.detach().numpy() for k, v in m.state_dict().items()}`` is a valid parameter set.
Shapes: x (N, T, D); states (L, N, H); ``weight_ih_l{k}`` (G*H, D); ``weight_hh_l{k}`` (G*H, H).
Convention: ``a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh``.
"""

from ._checks import init_params
from ._gradcheck import gradient_check, numerical_gradient, relative_error
from ._gru import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from ._layers import embedding_backward, embedding_forward, linear_backward, linear_forward
from ._losses import mse_loss, softmax, softmax_cross_entropy
from ._lstm import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from ._optim import SGD, Adam, clip_grad_norm
from ._rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

__all__ = [
    "rnn_forward", "rnn_backward", "rnn_step_forward", "rnn_step_backward",
    "lstm_forward", "lstm_backward", "lstm_step_forward", "lstm_step_backward",
    "gru_forward", "gru_backward", "gru_step_forward", "gru_step_backward",
    "init_params",
    "linear_forward", "linear_backward", "embedding_forward", "embedding_backward",
    "softmax", "softmax_cross_entropy", "mse_loss",
    "SGD", "Adam", "clip_grad_norm",
    "numerical_gradient", "relative_error", "gradient_check",
]
