"""One time step of an RNN, an LSTM and a GRU, as functions and as ``nn.Module`` cells.

Notation: N batch, D input size, H hidden size, G gates (1 RNN, 4 LSTM, 3 GRU).
The equations are written for one sample, with column vectors, as in the book:

    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh

In code a batch stores one sample per row, so ``W x`` becomes ``x @ W.T``:
``x`` is (N, D), ``W_ih`` is (G*H, D) and ``x @ W_ih.T`` is (N, G*H).

Each step is split in two halves, and the split is what makes the layers fast:

1. ``gx = x @ W_ih.T + b_ih`` (+ ``b_hh`` where it can be folded in) does not
   depend on the previous state, so a layer computes it for all time steps in
   one matmul before its time loop;
2. ``rnn_step``, ``lstm_step`` and ``gru_step`` take that ``gx`` and do the
   part that must run step after step: one ``h @ W_hh.T`` for all G gates at
   once, then the pointwise gate math.

The cells below are exactly "project the input, then step". Their parameters
have the names, shapes, gate order and initialisation of ``torch.nn.RNNCell``,
``torch.nn.LSTMCell`` and ``torch.nn.GRUCell``, so either state dict loads
into the other.
"""

import math
import numbers

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._validate import check_positive_int

NONLINEARITIES = {"tanh": torch.tanh, "relu": torch.relu}


# ---------------------------------------------------------------------------
# The steps: the part of the computation that runs inside the time loop
# ---------------------------------------------------------------------------


def rnn_step(gx: Tensor, h: Tensor, w_hh: Tensor, nonlinearity: str = "tanh") -> Tensor:
    """One Elman RNN step: ``h_t = phi(gx + W_hh h_{t-1})``.

    gx: (N, H) the input part ``W_ih x_t + b_ih + b_hh`` (both biases folded in);
    h: (N, H) previous hidden state; w_hh: (H, H); phi is tanh or relu.
    Returns the new hidden state, (N, H).
    """
    a = torch.addmm(gx, h, w_hh.T)  # (N, H)   gx + h W_hh^T in one call
    return NONLINEARITIES[nonlinearity](a)  # (N, H)


def lstm_step(gx: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, w_hr: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step with torch's gate order i, f, g, o.

    With ``gx = W_ih x_t + b_ih + b_hh`` (both biases folded in), (N, 4H)::

        [a_i, a_f, a_g, a_o] = gx + W_hh h_{t-1}
        i = sigmoid(a_i)    f = sigmoid(a_f)    g = tanh(a_g)    o = sigmoid(a_o)
        c_t = f * c_{t-1} + i * g
        h_t = o * tanh(c_t)                 # without a projection
        h_t = W_hr (o * tanh(c_t))          # with one (LSTM with proj_size = P)

    h: (N, H), or (N, P) with a projection; c: (N, H); w_hh: (4H, H) or (4H, P);
    w_hr: (P, H) or None. Returns ``(h_t, c_t)``, (N, H) or (N, P), and (N, H).
    """
    a = torch.addmm(gx, h, w_hh.T)  # (N, 4H)  all four gates in one product
    a_i, a_f, a_g, a_o = a.chunk(4, dim=1)  # each (N, H)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c = f * c + i * g  # (N, H)   forget part of the old memory, write the new
    h = o * torch.tanh(c)  # (N, H)   expose part of the memory
    if w_hr is not None:
        h = h @ w_hr.T  # (N, P)   project it to P < H numbers (Sak et al. 2014)
    return h, c


def gru_step(gx: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """One GRU step with torch's gate order r, z, n.

    With ``gx = W_ih x_t + b_ih`` split as ``[x_r, x_z, x_n]`` and
    ``W_hh h_{t-1} + b_hh`` split as ``[h_r, h_z, h_n]``, each (N, H)::

        r = sigmoid(x_r + h_r)
        z = sigmoid(x_z + h_z)
        n = tanh(x_n + r * h_n)           # = tanh(W_in x + b_in + r * (W_hn h + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}

    ``b_hh`` cannot be folded into ``gx`` because ``b_hn`` sits inside ``r * (...)``.
    h: (N, H); w_hh: (3H, H); b_hh: (3H,) or None. Returns h_t, (N, H).
    """
    gh = F.linear(h, w_hh, b_hh)  # (N, 3H)  all three gates in one product
    x_r, x_z, x_n = gx.chunk(3, dim=1)  # each (N, H)
    h_r, h_z, h_n = gh.chunk(3, dim=1)  # each (N, H)
    r = torch.sigmoid(x_r + h_r)  # (N, H)   reset gate
    z = torch.sigmoid(x_z + h_z)  # (N, H)   update gate
    n = torch.tanh(x_n + r * h_n)  # (N, H)   candidate state
    return torch.lerp(n, h, z)  # (N, H)   (1 - z) * n + z * h, in one call


def add_biases(b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor | None:
    """``b_ih + b_hh`` (they only ever appear summed in the RNN and the LSTM), or None."""
    if b_ih is None:
        return None
    return b_ih + b_hh


# ---------------------------------------------------------------------------
# Argument checks shared with _layers.py
# ---------------------------------------------------------------------------


def init_uniform(module: nn.Module, hidden_size: int) -> None:
    """Draw every parameter of ``module`` from U(-1/sqrt(H), 1/sqrt(H)) in registration order, as torch.nn does."""
    bound = 1.0 / math.sqrt(hidden_size)
    for p in module.parameters():
        nn.init.uniform_(p, -bound, bound)


def check_size(name: str, value) -> None:
    """Raise unless ``value`` is a positive int: TypeError for another type, ValueError for 0 or less."""
    check_positive_int(name, value)


def check_proj_size(proj_size, hidden_size: int, module: str) -> None:
    """Raise unless ``proj_size`` is 0 (no projection) or, for an LSTM, an int with 0 < P < hidden_size."""
    if isinstance(proj_size, bool) or not isinstance(proj_size, numbers.Integral):
        raise TypeError(f"proj_size: expected an int, got {proj_size!r} of type {type(proj_size).__name__}")
    if proj_size != 0 and module != "LSTM":
        raise ValueError(f"proj_size: supported only by LSTM, not by {module}; got proj_size={proj_size}")
    if proj_size < 0:
        raise ValueError(f"proj_size: expected a positive int, or zero to disable projections, got {proj_size}")
    if proj_size >= hidden_size:
        raise ValueError(f"proj_size: expected a value smaller than hidden_size={hidden_size} "
                         f"(the projection makes h_t shorter than c_t), got {proj_size}")


def check_nonlinearity(nonlinearity) -> None:
    """Raise unless ``nonlinearity`` is 'tanh' or 'relu'."""
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity: expected 'tanh' or 'relu', got {nonlinearity!r}")


def check_tensor(name: str, value) -> None:
    """Raise TypeError unless ``value`` is a tensor (PackedSequence gets its own message)."""
    if isinstance(value, nn.utils.rnn.PackedSequence):
        raise TypeError(
            f"{name}: PackedSequence is not supported by companion.torch_nn; "
            "pad the batch (torch.nn.utils.rnn.pad_packed_sequence) or use torch.nn"
        )
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(value).__name__}")


def check_shape(name: str, value, expected: tuple, meaning: str) -> None:
    """Raise unless ``value`` is a tensor of shape ``expected``; ``meaning`` names the axes."""
    check_tensor(name, value)
    if tuple(value.shape) != tuple(expected):
        raise ValueError(f"{name}: expected shape {tuple(expected)} = {meaning}, got {tuple(value.shape)}")


# ---------------------------------------------------------------------------
# The cells
# ---------------------------------------------------------------------------


class _CellBase(nn.Module):
    """Parameters, initialisation and input checks shared by the three cells."""

    def __init__(self, input_size, hidden_size, bias, num_gates, device=None, dtype=None):
        super().__init__()
        check_size("input_size", input_size)
        check_size("hidden_size", hidden_size)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bool(bias)
        G, H, D = num_gates, hidden_size, input_size
        kw = {"device": device, "dtype": dtype}
        # Registration order = torch's order, so the same seed gives the same weights.
        self.weight_ih = nn.Parameter(torch.empty(G * H, D, **kw))  # (G*H, D)
        self.weight_hh = nn.Parameter(torch.empty(G * H, H, **kw))  # (G*H, H)
        if self.bias:
            self.bias_ih = nn.Parameter(torch.empty(G * H, **kw))  # (G*H,)
            self.bias_hh = nn.Parameter(torch.empty(G * H, **kw))  # (G*H,)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), as in torch.nn."""
        init_uniform(self, self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        return s

    def _check_input(self, input: Tensor) -> bool:
        """Check ``input`` is (N, D) or (D,); return True if it is batched."""
        check_tensor("input", input)
        if input.dim() not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"input: expected shape (N, {self.input_size}) or ({self.input_size},) "
                f"= (batch, input_size) or (input_size,), got {tuple(input.shape)}"
            )
        return input.dim() == 2

    def _state(self, name: str, value: Tensor | None, x: Tensor, batched: bool) -> Tensor:
        """Return the state ``value`` as (N, H), zeros if None, after checking its shape."""
        N, H = x.shape[0], self.hidden_size
        if value is None:
            return torch.zeros(N, H, dtype=x.dtype, device=x.device)
        if batched:
            check_shape(name, value, (N, H), "(N, hidden_size)")
            return value
        check_shape(name, value, (H,), "(hidden_size,) for an unbatched input")
        return value.unsqueeze(0)


class RNNCell(_CellBase):
    """Elman RNN cell, a drop-in for ``torch.nn.RNNCell``::

        h' = phi(W_ih x + b_ih + W_hh h + b_hh),   phi = tanh or relu

    Parameters: ``weight_ih`` (H, D), ``weight_hh`` (H, H), ``bias_ih`` (H,), ``bias_hh`` (H,).
    ``forward(input, hx=None)``: input (N, D) or (D,), hx (N, H) or (H,) (zeros if None);
    returns h' with the shape of hx.
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        batched = self._check_input(input)
        x = input if batched else input.unsqueeze(0)  # (N, D)
        h = self._state("hx", hx, x, batched)  # (N, H)
        gx = F.linear(x, self.weight_ih, add_biases(self.bias_ih, self.bias_hh))  # (N, H)
        h = rnn_step(gx, h, self.weight_hh, self.nonlinearity)  # (N, H)
        return h if batched else h.squeeze(0)


class LSTMCell(_CellBase):
    """LSTM cell, a drop-in for ``torch.nn.LSTMCell`` (gate order i, f, g, o)::

        i  = sigmoid(W_ii x + b_ii + W_hi h + b_hi)
        f  = sigmoid(W_if x + b_if + W_hf h + b_hf)
        g  = tanh(W_ig x + b_ig + W_hg h + b_hg)
        o  = sigmoid(W_io x + b_io + W_ho h + b_ho)
        c' = f * c + i * g
        h' = o * tanh(c')

    ``weight_ih`` (4H, D) stacks W_ii, W_if, W_ig, W_io; ``weight_hh`` (4H, H) and the
    biases (4H,) likewise. ``forward(input, hx=None)``: input (N, D) or (D,),
    hx = (h, c), each (N, H) or (H,) (zeros if None); returns ``(h', c')``.
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        batched = self._check_input(input)
        x = input if batched else input.unsqueeze(0)  # (N, D)
        if hx is None:
            hx = (None, None)
        elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise ValueError(f"hx: expected a tuple (h, c) of two tensors, got {type(hx).__name__}")
        h = self._state("hx[0]", hx[0], x, batched)  # (N, H)
        c = self._state("hx[1]", hx[1], x, batched)  # (N, H)
        gx = F.linear(x, self.weight_ih, add_biases(self.bias_ih, self.bias_hh))  # (N, 4H)
        h, c = lstm_step(gx, h, c, self.weight_hh)  # (N, H), (N, H)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(_CellBase):
    """GRU cell, a drop-in for ``torch.nn.GRUCell`` (gate order r, z, n)::

        r  = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
        z  = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n  = tanh(W_in x + b_in + r * (W_hn h + b_hn))
        h' = (1 - z) * n + z * h

    ``weight_ih`` (3H, D) stacks W_ir, W_iz, W_in; ``weight_hh`` (3H, H) and the
    biases (3H,) likewise. ``forward(input, hx=None)``: input (N, D) or (D,),
    hx (N, H) or (H,) (zeros if None); returns h' with the shape of hx.
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        batched = self._check_input(input)
        x = input if batched else input.unsqueeze(0)  # (N, D)
        h = self._state("hx", hx, x, batched)  # (N, H)
        gx = F.linear(x, self.weight_ih, self.bias_ih)  # (N, 3H)
        h = gru_step(gx, h, self.weight_hh, self.bias_hh)  # (N, H)
        return h if batched else h.squeeze(0)
