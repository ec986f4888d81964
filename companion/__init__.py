"""Companion package of the open course on recurrent neural networks.

Import what you need from the submodules; nothing heavy is imported here, so
``companion.numpy_nn`` can be used in a process without PyTorch:

- :mod:`companion.numpy_nn` -- RNN, LSTM and GRU in NumPy, every backward pass
  written by hand: step functions (one cell's parameters, every gradient),
  sequence functions, a model with a linear head and a loss, layers, losses,
  optimisers, activations and a gradient checker;
- :mod:`companion.torch_nn` -- the same cells as readable ``torch.nn.Module`` s,
  equal to ``torch.nn.RNN/LSTM/GRU`` (bidirectional, projections, unbatched);
- :mod:`companion.models` -- ready-made PyTorch models: a recurrent layer and a
  linear head, sequence-to-one or per step, uni- or bidirectional, and a
  Keras-style stack of layers of different sizes;
- :mod:`companion.data` -- synthetic tasks, windowing, splits, standardisation
  (with the RMSE in the original units), packaged data (sunspots, monthly CO2,
  daily S&P 500, hourly NYC weather, UCR anomaly series 135, yeast gene
  expression, digits and digit strips, Japanese vowels, rated sentences,
  Chinese reviews, R data-set titles);
- :mod:`companion.forecast` -- rolling origins, the naive and seasonal naive
  baselines, linear autoregressions (recursive and direct), error per horizon,
  intervals from past errors and their coverage, EWMA and GARCH(1,1)
  volatility, a paired block bootstrap for differences of errors, a rolling
  z-score for anomalies;
- :mod:`companion.text` -- character language models: corpora (Shakespeare,
  People's Daily), a vocabulary, stream batches for stateful training, a
  Kneser-Ney n-gram baseline, a character RNN, its per-character loss, and
  sampling with temperature and top-k;
- :mod:`companion.text_classify` -- tokenisers (English, Chinese with jieba), a
  word vocabulary, padding, a packed RNN text classifier, length buckets,
  Wilson intervals and a paired bootstrap;
- :mod:`companion.seq2seq` -- dates in many languages (CLDR via babel), an
  encoder-decoder with Bahdanau or dot-product attention, teacher forcing,
  greedy decoding and beam search, exact match and a nearest-neighbour baseline;
- :mod:`companion.summarise` -- word vocabulary, lead and retrieval baselines,
  ROUGE and bootstrap intervals for the summarisation page;
- :mod:`companion.ctc` -- CTC decoding (greedy and prefix beam search), the CTC
  likelihood by the forward recursion, and the label error rate;
- :mod:`companion.scan` -- linear recurrences by a loop, a log-space scan and
  recursive doubling, minGRU, state-space recurrence and convolution, linear
  attention in recurrent and parallel form, xLSTM's stabilised gates;
- :mod:`companion.train` -- a training loop (one step, one epoch, ``fit``),
  evaluation, accuracy (of a model, or of scores already computed), exact
  checkpoints and ``seed_everything``;
- :mod:`companion.gradients` -- exact Jacobians of a simple RNN through time,
  their norms, norms of matrix powers, spectral radii, orthogonal and
  identity initialisations;
- :mod:`companion.keras_weights` -- Keras 3 recurrent and dense weights as
  PyTorch state dicts;
- :mod:`companion.plot` -- figures and diagrams used by the book;
- :mod:`companion.prose` -- numbers for the prose: ``glue(name, value, spec)``
  formats a number once and records it for the role ``{eval}`name```.

Argument checks shared by all of them live in ``companion._validate``: a value
of the wrong type raises ``TypeError``, a wrong value ``ValueError``, and every
message names the argument.

Notation (shared with the book): N batch, T time steps, D input size,
H hidden size, L layers, V vocabulary or number of outputs, G gates
(1 RNN, 3 GRU, 4 LSTM), P projection size of an LSTM (``proj_size``);
a shape comment such as ``# (N, T, 4H)`` uses them.
"""

__version__ = "0.2.0"
