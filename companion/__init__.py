"""Companion package of the open course on recurrent neural networks.

Import what you need from the submodules; nothing heavy is imported here, so
``companion.numpy_nn`` can be used in a process without PyTorch:

- :mod:`companion.numpy_nn` -- RNN, LSTM, GRU, layers, losses and optimisers in
  NumPy, every backward pass written by hand;
- :mod:`companion.torch_nn` -- the same cells as readable ``torch.nn.Module`` s;
- :mod:`companion.data` -- synthetic tasks, windowing, splits, packaged data;
- :mod:`companion.train` -- a small training loop and ``seed_everything``;
- :mod:`companion.plot` -- figures used by the book.

Notation (shared with the book): N batch, T time steps, D input size,
H hidden size, L layers, V vocabulary, G gates (1 RNN, 3 GRU, 4 LSTM).
"""

__version__ = "0.1.0"
