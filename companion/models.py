"""Ready-made PyTorch models for the book's experiments: a recurrent layer and a linear head.

Notation: N batch, T time steps, D input size, H hidden size, V outputs
(classes, or regression targets), dirs = 2 if bidirectional else 1.

- :class:`SequenceToOne` reads a sequence and gives one output vector:
  classification (V class scores) or regression (V values), from the last
  state of the top layer (for a bidirectional layer, the forward direction's
  state after step T beside the backward direction's state after step 1);
- :class:`PerStep` gives one output vector at every step: tagging, or a
  forecast at every step (``return_sequences=True`` in Keras).

The recurrent layer is ``torch.nn``'s by default; ``layers=companion.torch_nn``
uses the book's from-scratch modules, which hold the same parameters.
"""

import torch
from torch import nn

from ._validate import check_one_of, check_positive_int

__all__ = ["SequenceToOne", "PerStep", "LastStepClassifier"]

CELLS = ("RNN", "LSTM", "GRU")


def _recurrent_layer(layers, cell, input_size, hidden_size, num_layers, nonlinearity, bidirectional, dropout):
    """The ``cell`` class of ``layers`` (``torch.nn`` or ``companion.torch_nn``), batch-first."""
    check_one_of("cell", cell, CELLS)
    check_positive_int("input_size", input_size)
    check_positive_int("hidden_size", hidden_size)
    check_positive_int("num_layers", num_layers)
    kwargs = {}
    if cell == "RNN":
        kwargs["nonlinearity"] = nonlinearity
    elif nonlinearity != "tanh":
        raise ValueError(f"nonlinearity applies to cell='RNN' only, got nonlinearity={nonlinearity!r} "
                         f"with cell={cell!r}")
    return getattr(layers, cell)(input_size, hidden_size, num_layers, batch_first=True,
                                 bidirectional=bidirectional, dropout=dropout, **kwargs)


class SequenceToOne(nn.Module):
    """A recurrent layer reads x (N, T, D); a linear layer maps its last state to (N, V).

    Args:
        input_size: D, features per step.
        hidden_size: H, size of the hidden state (per direction).
        output_size: V, number of classes (the outputs are logits) or of values to predict.
        cell: ``"RNN"``, ``"LSTM"`` or ``"GRU"``.
        nonlinearity: ``"tanh"`` or ``"relu"``, for ``cell="RNN"`` only.
        num_layers: stacked recurrent layers.
        bidirectional: read the sequence in both directions; the head then sees
            ``[h_T of the forward direction; h_1 of the backward direction]``, (N, 2H).
        dropout: dropout between recurrent layers (num_layers > 1).
        layers: the module that provides the recurrent class: ``torch.nn`` or ``companion.torch_nn``.
    """

    def __init__(self, input_size, hidden_size, output_size, *, cell="GRU", nonlinearity="tanh",
                 num_layers=1, bidirectional=False, dropout=0.0, layers=nn):
        super().__init__()
        check_positive_int("output_size", output_size)
        self.rnn = _recurrent_layer(layers, cell, input_size, hidden_size, num_layers, nonlinearity,
                                    bidirectional, dropout)
        self.head = nn.Linear((2 if bidirectional else 1) * hidden_size, output_size)

    def summary(self, x):
        """The vector the head reads: (N, dirs*H)."""
        _, h_n = self.rnn(x)  # (L*dirs, N, H), or (h_n, c_n) for an LSTM
        h_n = h_n[0] if isinstance(h_n, tuple) else h_n
        if self.rnn.bidirectional:
            return torch.cat([h_n[-2], h_n[-1]], dim=1)  # top layer: forward after T, backward after 1
        return h_n[-1]  # (N, H): top layer's h_T

    def forward(self, x):  # x (N, T, D)
        return self.head(self.summary(x))  # (N, V)


class PerStep(nn.Module):
    """A recurrent layer reads x (N, T, D); a linear layer maps the state at every step to (N, T, V).

    Same arguments as :class:`SequenceToOne`. With ``bidirectional=True`` the head reads
    both directions' states at each step, (N, T, 2H): a tagger that sees the whole sequence.
    """

    def __init__(self, input_size, hidden_size, output_size, *, cell="GRU", nonlinearity="tanh",
                 num_layers=1, bidirectional=False, dropout=0.0, layers=nn):
        super().__init__()
        check_positive_int("output_size", output_size)
        self.rnn = _recurrent_layer(layers, cell, input_size, hidden_size, num_layers, nonlinearity,
                                    bidirectional, dropout)
        self.head = nn.Linear((2 if bidirectional else 1) * hidden_size, output_size)

    def forward(self, x):  # x (N, T, D)
        out, _ = self.rnn(x)  # (N, T, dirs*H): the top layer's states
        return self.head(out)  # (N, T, V)


class LastStepClassifier(SequenceToOne):
    """:class:`SequenceToOne` under the name the tuning pages use (same arguments, same weights)."""
