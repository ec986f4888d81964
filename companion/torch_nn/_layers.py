"""Multi-layer, optionally bidirectional RNN, LSTM and GRU, drop-ins for torch.nn's.

Notation: N batch, T time steps, D input size, H hidden size, L layers,
G gates (1 RNN, 4 LSTM, 3 GRU), dirs = 2 if bidirectional else 1.

A layer runs one direction over the sequence in two stages:

1. project the inputs of all T time steps at once, one matmul
   ``gx = x @ W_ih.T + b_ih`` of shape (T, N, G*H);
2. loop over time, calling the step function of ``_cells.py``: one
   ``h @ W_hh.T`` for all gates, then the pointwise gate math.

This is equivalent to the plain loop (shown for the LSTM, one direction)::

    for t in range(T):
        h, c = LSTMCell(D, H)(x[t], (h, c))       # weights of layer k
        out[t] = h

but only the work that really depends on ``h_{t-1}`` is left inside the loop.
The backward direction runs the same loop from t = T-1 down to 0, and the
output of a bidirectional layer is ``cat([forward, backward], dim=-1)``; layer
k > 0 reads the output of layer k-1, so its D_k is ``dirs * H``.

An LSTM with ``proj_size = P > 0`` (Sak et al. 2014) multiplies each new
hidden state by ``W_hr`` (P, H): ``h_t = W_hr (o_t * tanh(c_t))``, so h_t has P
numbers while c_t keeps H, and ``W_hh`` and the next layer read P-vectors.

The parameter names, shapes, gate orders, initialisation, forward signature and
return values are those of ``torch.nn.RNN``, ``torch.nn.LSTM`` and ``torch.nn.GRU``
(without ``PackedSequence``).
"""

import numbers
import warnings

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._cells import (
    add_biases,
    check_nonlinearity,
    check_proj_size,
    check_shape,
    check_size,
    check_tensor,
    gru_step,
    init_uniform,
    lstm_step,
    rnn_step,
)


def _time_steps(gx: Tensor, reverse: bool) -> tuple[Tensor, ...]:
    """The T slices (N, G*H) of ``gx`` (T, N, G*H), last first if ``reverse``."""
    steps = gx.unbind(0)
    return steps[::-1] if reverse else steps


def _stack_time(hs: list[Tensor], reverse: bool) -> Tensor:
    """Stack T states (N, H) into (T, N, H) in time order."""
    return torch.stack(hs[::-1] if reverse else hs)


class _RNNBase(nn.Module):
    """Parameters, checks and the loop over layers and directions shared by RNN, LSTM, GRU.

    A subclass sets ``num_gates`` and ``num_states`` (1, or 2 for the LSTM's (h, c))
    and writes ``_direction(x, state, *params, reverse)``, which runs one layer in
    one direction: x (T, N, D_k), state a tuple of (N, H) tensors, params those
    returned by ``_params``; it returns the output (T, N, H) and the final states.
    ``proj_size`` is accepted by the LSTM only; with it, h has P = proj_size numbers
    instead of H (``H_out`` below), the cell state c keeps H.
    """

    num_gates: int
    num_states: int

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
        *,
        proj_size=0,
    ):
        super().__init__()
        check_size("input_size", input_size)
        check_size("hidden_size", hidden_size)
        check_size("num_layers", num_layers)
        check_proj_size(proj_size, hidden_size, type(self).__name__)
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout <= 1:
            raise ValueError(f"dropout: expected a number in [0, 1], got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout is applied between layers only, so it has no effect with "
                f"num_layers=1 (got dropout={dropout})",
                stacklevel=2,
            )
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if bidirectional else 1
        self.proj_size = proj_size

        G, H, P = self.num_gates, hidden_size, proj_size
        H_out = P if P > 0 else H  # the size of h_t
        kw = {"device": device, "dtype": dtype}
        # Registration order = torch's order, so the same seed gives the same weights.
        for k in range(num_layers):
            D_k = input_size if k == 0 else self.num_directions * H_out
            for suffix in ["", "_reverse"][: self.num_directions]:
                shapes = {"weight_ih": (G * H, D_k), "weight_hh": (G * H, H_out)}
                if self.bias:
                    shapes |= {"bias_ih": (G * H,), "bias_hh": (G * H,)}
                if P > 0:
                    shapes["weight_hr"] = (P, H)  # the projection W_hr
                for name, shape in shapes.items():
                    setattr(self, f"{name}_l{k}{suffix}", nn.Parameter(torch.empty(shape, **kw)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), as in torch.nn (same order, same draws)."""
        init_uniform(self, self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        for name, default in [("bias", True), ("batch_first", False), ("dropout", 0.0), ("bidirectional", False)]:
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        return s

    def _params(self, k: int, d: int) -> tuple:
        """(w_ih, w_hh, b_ih, b_hh) of layer k, direction d (0 forward, 1 backward); None for absent biases."""
        suffix = "_reverse" if d == 1 else ""
        return tuple(getattr(self, f"{name}_l{k}{suffix}", None)
                     for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def _check_input(self, input) -> bool:
        """Check the rank and last dimension of ``input``; return True if it is batched."""
        check_tensor("input", input)
        D = self.input_size
        if input.dim() not in (2, 3) or input.shape[-1] != D:
            batched = f"(N, T, {D})" if self.batch_first else f"(T, N, {D})"
            raise ValueError(
                f"input: expected shape {batched} (batch_first={self.batch_first}) "
                f"or (T, {D}) unbatched, with input_size={D}, got {tuple(input.shape)}"
            )
        T = input.shape[1] if input.dim() == 3 and self.batch_first else input.shape[0]
        if T == 0:
            raise ValueError(f"input: expected at least one time step, got shape {tuple(input.shape)}")
        return input.dim() == 3

    def _initial_state(self, name: str, value, x: Tensor, batched: bool, cell_state: bool = False) -> Tensor:
        """Return the initial state ``value`` as (L*dirs, N, H_out), zeros if None.

        H_out is proj_size for h of a projected LSTM, hidden_size otherwise (and for c).
        """
        LD, N = self.num_layers * self.num_directions, x.shape[1]
        if cell_state or not self.proj_size:
            H, size = self.hidden_size, "hidden_size"
        else:
            H, size = self.proj_size, "proj_size"
        if value is None:
            return torch.zeros(LD, N, H, dtype=x.dtype, device=x.device)
        if batched:
            check_shape(name, value, (LD, N, H), f"(num_layers * num_directions, N, {size})")
            return value
        check_shape(name, value, (LD, H), f"(num_layers * num_directions, {size}) for an unbatched input")
        return value.unsqueeze(1)

    def _run(self, input: Tensor, hx: tuple) -> tuple[Tensor, tuple[Tensor, ...]]:
        """Check arguments, run all layers and directions, return output and final states.

        ``hx`` holds ``num_states`` initial states (or Nones); so do the returned states.
        """
        batched = self._check_input(input)
        if not batched:
            x = input.unsqueeze(1)  # (T, 1, D)
        elif self.batch_first:
            x = input.transpose(0, 1)  # (T, N, D)
        else:
            x = input  # (T, N, D)
        names = ["hx"] if self.num_states == 1 else ["hx[0]", "hx[1]"]
        states = [self._initial_state(n, v, x, batched, cell_state=i == 1)
                  for i, (n, v) in enumerate(zip(names, hx))]  # (L*dirs, N, H_out), (L*dirs, N, H)

        finals = []  # one tuple of num_states (N, H) tensors per layer and direction
        for k in range(self.num_layers):
            outs = []
            for d in range(self.num_directions):
                j = k * self.num_directions + d  # index into the state's first axis
                state = tuple(s[j] for s in states)  # (N, H) each
                out, final = self._direction(x, state, *self._params(k, d), reverse=d == 1)  # (T, N, H)
                outs.append(out)
                finals.append(final)
            x = torch.cat(outs, dim=2) if len(outs) == 2 else outs[0]  # (T, N, dirs*H)
            if self.dropout > 0 and k < self.num_layers - 1:
                x = F.dropout(x, p=self.dropout, training=self.training)  # between layers only
        final_states = tuple(torch.stack([f[i] for f in finals]) for i in range(self.num_states))  # (L*dirs, N, H)

        if not batched:
            return x.squeeze(1), tuple(s.squeeze(1) for s in final_states)  # (T, dirs*H), (L*dirs, H)
        if self.batch_first:
            x = x.transpose(0, 1)  # (N, T, dirs*H)
        return x, final_states


class RNN(_RNNBase):
    """Multi-layer Elman RNN, a drop-in for ``torch.nn.RNN``.

    For each layer and direction, with phi = tanh or relu::

        h_t = phi(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)

    Args: input_size (D), hidden_size (H), num_layers (L), nonlinearity ('tanh'
    or 'relu'), bias, batch_first, dropout (between layers, in training mode),
    bidirectional, device, dtype -- in the order of ``torch.nn.RNN``.

    Parameters of layer k: ``weight_ih_l{k}`` (H, D_k), ``weight_hh_l{k}`` (H, H),
    ``bias_ih_l{k}`` (H,), ``bias_hh_l{k}`` (H,), with suffix ``_reverse`` for the
    backward direction.
    """

    num_gates = 1
    num_states = 1

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
        *,
        proj_size=0,
    ):
        check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device, dtype, proj_size=proj_size)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Run the RNN over a sequence.

        input: (T, N, D), or (N, T, D) if batch_first, or (T, D) unbatched;
        hx: (L*dirs, N, H), or (L*dirs, H) unbatched; zeros if None.
        Returns ``output`` (T, N, dirs*H) (or (N, T, dirs*H), or (T, dirs*H)),
        the last layer's h_t at every step, and ``h_n`` with the shape of hx.
        """
        output, (h_n,) = self._run(input, (hx,))
        return output, h_n

    def _direction(self, x, state, w_ih, w_hh, b_ih, b_hh, reverse):
        (h,) = state  # (N, H)
        gx = F.linear(x, w_ih, add_biases(b_ih, b_hh))  # (T, N, H)   all steps in one matmul
        hs = []
        for gx_t in _time_steps(gx, reverse):  # gx_t: (N, H)
            h = rnn_step(gx_t, h, w_hh, self.nonlinearity)  # (N, H)
            hs.append(h)
        return _stack_time(hs, reverse), (h,)  # (T, N, H)


class LSTM(_RNNBase):
    """Multi-layer LSTM, a drop-in for ``torch.nn.LSTM`` (gate order i, f, g, o).

    For each layer and direction::

        i_t = sigmoid(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)
        f_t = sigmoid(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
        g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
        o_t = sigmoid(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
        c_t = f_t * c_{t-1} + i_t * g_t
        h_t = o_t * tanh(c_t)                 # proj_size = 0
        h_t = W_hr (o_t * tanh(c_t))          # proj_size = P > 0: h_t has P numbers

    Args: input_size (D), hidden_size (H), num_layers (L), bias, batch_first,
    dropout (between layers, in training mode), bidirectional, proj_size (P, 0
    for none, else 0 < P < H), device, dtype -- in the order of ``torch.nn.LSTM``.

    Parameters of layer k: ``weight_ih_l{k}`` (4H, D_k) = [W_ii; W_if; W_ig; W_io],
    ``weight_hh_l{k}`` (4H, H_out), ``bias_ih_l{k}`` (4H,), ``bias_hh_l{k}`` (4H,),
    and with a projection ``weight_hr_l{k}`` (P, H); suffix ``_reverse`` for the
    backward direction. H_out = P with a projection, else H; D_k = dirs * H_out for k > 0.
    """

    num_gates = 4
    num_states = 2

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
    ):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device, dtype, proj_size=proj_size)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """Run the LSTM over a sequence.

        input: (T, N, D), or (N, T, D) if batch_first, or (T, D) unbatched;
        hx = (h_0, c_0): h_0 (L*dirs, N, H_out), c_0 (L*dirs, N, H), or without the N
        axis for an unbatched input; zeros if None (H_out = proj_size or hidden_size).
        Returns ``output`` (T, N, dirs*H_out) (or (N, T, dirs*H_out), or (T, dirs*H_out))
        and ``(h_n, c_n)`` with the shapes of hx.
        """
        if hx is None:
            hx = (None, None)
        elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise ValueError(f"hx: expected a tuple (h_0, c_0) of two tensors, got {type(hx).__name__}")
        output, (h_n, c_n) = self._run(input, tuple(hx))
        return output, (h_n, c_n)

    def _params(self, k: int, d: int) -> tuple:
        """(w_ih, w_hh, b_ih, b_hh, w_hr) of layer k, direction d; w_hr is None without a projection."""
        suffix = "_reverse" if d == 1 else ""
        return super()._params(k, d) + (getattr(self, f"weight_hr_l{k}{suffix}", None),)

    def _direction(self, x, state, w_ih, w_hh, b_ih, b_hh, w_hr, reverse):
        h, c = state  # (N, H_out), (N, H)
        gx = F.linear(x, w_ih, add_biases(b_ih, b_hh))  # (T, N, 4H)  all steps in one matmul
        hs = []
        for gx_t in _time_steps(gx, reverse):  # gx_t: (N, 4H)
            h, c = lstm_step(gx_t, h, c, w_hh, w_hr)  # (N, H_out), (N, H)
            hs.append(h)
        return _stack_time(hs, reverse), (h, c)  # (T, N, H_out)


class GRU(_RNNBase):
    """Multi-layer GRU, a drop-in for ``torch.nn.GRU`` (gate order r, z, n).

    For each layer and direction::

        r_t = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
        z_t = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
        n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}

    Args: input_size (D), hidden_size (H), num_layers (L), bias, batch_first,
    dropout (between layers, in training mode), bidirectional, device, dtype.

    Parameters of layer k: ``weight_ih_l{k}`` (3H, D_k) = [W_ir; W_iz; W_in],
    ``weight_hh_l{k}`` (3H, H), ``bias_ih_l{k}`` (3H,), ``bias_hh_l{k}`` (3H,),
    with suffix ``_reverse`` for the backward direction.
    """

    num_gates = 3
    num_states = 1

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Run the GRU over a sequence.

        input: (T, N, D), or (N, T, D) if batch_first, or (T, D) unbatched;
        hx: (L*dirs, N, H), or (L*dirs, H) unbatched; zeros if None.
        Returns ``output`` (T, N, dirs*H) (or (N, T, dirs*H), or (T, dirs*H))
        and ``h_n`` with the shape of hx.
        """
        output, (h_n,) = self._run(input, (hx,))
        return output, h_n

    def _direction(self, x, state, w_ih, w_hh, b_ih, b_hh, reverse):
        (h,) = state  # (N, H)
        gx = F.linear(x, w_ih, b_ih)  # (T, N, 3H)  all steps in one matmul; b_hh stays in the loop
        hs = []
        for gx_t in _time_steps(gx, reverse):  # gx_t: (N, 3H)
            h = gru_step(gx_t, h, w_hh, b_hh)  # (N, H)
            hs.append(h)
        return _stack_time(hs, reverse), (h,)  # (T, N, H)
