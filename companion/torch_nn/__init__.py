"""RNN, LSTM and GRU written from scratch in PyTorch, equal to ``torch.nn``'s.

The gates are plain code you can read; autograd does the backward pass. Each
class is a drop-in for its ``torch.nn`` namesake: same constructor, same
``state_dict`` keys, shapes and gate order (LSTM i, f, g, o; GRU r, z, n),
same initialisation, same ``forward`` arguments and return values. So
``ours.load_state_dict(torch_lstm.state_dict())`` works, and the reverse too.

- :class:`RNN`, :class:`LSTM`, :class:`GRU` -- multi-layer, bidirectional,
  ``batch_first``, dropout between layers (``_layers.py``);
- :class:`RNNCell`, :class:`LSTMCell`, :class:`GRUCell` -- one time step
  (``_cells.py``);
- :func:`rnn_step`, :func:`lstm_step`, :func:`gru_step` -- the part of a step
  that runs inside the time loop, shared by the cells and the layers.

Notation: N batch, T time steps, D input size, H hidden size, L layers,
G gates (1 RNN, 4 LSTM, 3 GRU). Equations are written per sample,
``W_ih x_t + b_ih + W_hh h_{t-1} + b_hh``; the code stores a batch one sample
per row, so ``W x`` appears as ``x @ W.T``.

Randomness: the initialisation (every parameter ~ U(-1/sqrt(H), 1/sqrt(H)))
and the dropout masks draw from torch's global generator, exactly as
``torch.nn`` does, so after the same ``torch.manual_seed`` our modules start
from the same weights as their ``torch.nn`` namesakes.

The LSTM takes ``proj_size`` (an LSTM with projections, h_t = W_hr (o_t * tanh(c_t)),
state shapes (L*dirs, N, P) for h and (L*dirs, N, H) for c), as ``torch.nn.LSTM`` does.

Not supported: ``PackedSequence`` inputs (a ``TypeError`` says so).
"""

from ._cells import GRUCell, LSTMCell, RNNCell, gru_step, lstm_step, rnn_step
from ._layers import GRU, LSTM, RNN

__all__ = ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "rnn_step", "lstm_step", "gru_step"]
