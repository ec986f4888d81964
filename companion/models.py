"""Small ready-made models for the book's experiments."""

from torch import nn

__all__ = ["LastStepClassifier"]

_CELLS = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}


class LastStepClassifier(nn.Module):
    """A recurrent layer reads a sequence; a linear layer classifies ``h_T``.

    ``forward`` takes a batch-first ``x`` of shape ``(N, T, D)`` and returns
    class scores (logits) of shape ``(N, V)``, computed from the top layer's
    last hidden state.

    Args:
        input_size: D, features per step.
        hidden_size: H, size of the hidden state.
        num_classes: V, number of classes.
        cell: ``"RNN"``, ``"LSTM"`` or ``"GRU"`` (the ``torch.nn`` layer).
        nonlinearity: ``"tanh"`` or ``"relu"``, for ``cell="RNN"`` only.
        num_layers: stacked recurrent layers.
    """

    def __init__(self, input_size, hidden_size, num_classes, *, cell="GRU",
                 nonlinearity="tanh", num_layers=1):
        super().__init__()
        if cell not in _CELLS:
            raise ValueError(
                f"cell must be one of {sorted(_CELLS)}, got {cell!r}")
        kwargs = {}
        if cell == "RNN":
            kwargs["nonlinearity"] = nonlinearity
        elif nonlinearity != "tanh":
            raise ValueError(
                f"nonlinearity applies to cell='RNN' only, got "
                f"nonlinearity={nonlinearity!r} with cell={cell!r}")
        self.rnn = _CELLS[cell](input_size, hidden_size, num_layers,
                                batch_first=True, **kwargs)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, x):                    # x (N, T, D)
        out, _ = self.rnn(x)                 # (N, T, H)
        return self.head(out[:, -1])         # (N, V) scores from h_T
