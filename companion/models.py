"""Ready-made PyTorch models for the book's experiments: a recurrent layer and a linear head.

Notation: N batch, T time steps, D input size, H hidden size, V outputs
(classes, or regression targets), dirs = 2 if bidirectional else 1.

- :class:`SequenceToOne` reads a sequence and gives one output vector:
  classification (V class scores) or regression (V values), from the last
  state of the top layer (for a bidirectional layer, the forward direction's
  state after step T beside the backward direction's state after step 1);
- :class:`PerStep` gives one output vector at every step: tagging, or a
  forecast at every step (``return_sequences=True`` in Keras);
- :class:`StackedSequenceToOne` is :class:`SequenceToOne` with recurrent
  layers of different sizes, one module per layer, as a Keras ``Sequential``
  stacks them (``LSTM(128, return_sequences=True)``, then ``LSTM(64)``).

The recurrent layer is ``torch.nn``'s by default; ``layers=companion.torch_nn``
uses the book's from-scratch modules, which hold the same parameters.
"""

import torch
from torch import nn

from ._validate import check_one_of, check_positive_int

__all__ = ["SequenceToOne", "PerStep", "StackedSequenceToOne", "LastStepClassifier"]

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


class _RecurrentAndHead(nn.Module):
    """``self.rnn``, a batch-first recurrent layer, and ``self.head``, a linear layer on its states."""

    def __init__(self, input_size, hidden_size, output_size, *, cell="GRU", nonlinearity="tanh",
                 num_layers=1, bidirectional=False, dropout=0.0, layers=nn):
        super().__init__()
        check_positive_int("output_size", output_size)
        self.rnn = _recurrent_layer(layers, cell, input_size, hidden_size, num_layers, nonlinearity,
                                    bidirectional, dropout)
        self.head = nn.Linear((2 if bidirectional else 1) * hidden_size, output_size)


class SequenceToOne(_RecurrentAndHead):
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

    def summary(self, x):
        """The vector the head reads: (N, dirs*H)."""
        _, h_n = self.rnn(x)  # (L*dirs, N, H), or (h_n, c_n) for an LSTM
        h_n = h_n[0] if isinstance(h_n, tuple) else h_n
        if self.rnn.bidirectional:
            return torch.cat([h_n[-2], h_n[-1]], dim=1)  # top layer: forward after T, backward after 1
        return h_n[-1]  # (N, H): top layer's h_T

    def forward(self, x):  # x (N, T, D)
        return self.head(self.summary(x))  # (N, V)


class PerStep(_RecurrentAndHead):
    """A recurrent layer reads x (N, T, D); a linear layer maps the state at every step to (N, T, V).

    Same arguments as :class:`SequenceToOne`. With ``bidirectional=True`` the head reads
    both directions' states at each step, (N, T, 2H): a tagger that sees the whole sequence.

    ``model(x, state)`` starts from a given initial state (as the recurrent layer takes it;
    None: zeros), and ``return_state=True`` also returns the final one, so that a long
    sequence can be fed in chunks (truncated BPTT).
    """

    def forward(self, x, state=None, *, return_state=False):  # x (N, T, D)
        out, state_n = self.rnn(x, state)  # (N, T, dirs*H): the top layer's states
        y = self.head(out)  # (N, T, V)
        return (y, state_n) if return_state else y


class StackedSequenceToOne(nn.Module):
    """Recurrent layers of sizes ``hidden_sizes`` read x (N, T, D) one after the other; a linear layer maps the
    top layer's last state to (N, V).

    ``self.rnns[k]`` is layer k, a one-layer module of ``layers`` (``torch.nn`` or ``companion.torch_nn``),
    so each can be loaded on its own (from a Keras layer, say); ``self.head`` is the linear layer.
    With equal sizes this is :class:`SequenceToOne` with ``num_layers=len(hidden_sizes)``.
    """

    def __init__(self, input_size, hidden_sizes, output_size, *, cell="GRU", layers=nn):
        super().__init__()
        check_positive_int("output_size", output_size)
        if isinstance(hidden_sizes, int) or len(hidden_sizes) == 0:
            raise ValueError(f"hidden_sizes must be a non-empty sequence of sizes, one per layer, "
                             f"got {hidden_sizes!r}")
        sizes = [input_size, *hidden_sizes]
        self.rnns = nn.ModuleList(
            _recurrent_layer(layers, cell, sizes[k], sizes[k + 1], 1, "tanh", False, 0.0)
            for k in range(len(hidden_sizes)))
        self.head = nn.Linear(sizes[-1], output_size)

    def forward(self, x):  # x (N, T, D)
        out = x
        for rnn in self.rnns:
            out, _ = rnn(out)  # (N, T, H_k): every step feeds the next layer
        return self.head(out[:, -1])  # (N, V): the top layer's h_T


class LastStepClassifier(SequenceToOne):
    """:class:`SequenceToOne` under the name the tuning pages use (same arguments, same weights)."""
