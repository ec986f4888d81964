"""Figures used by the book, drawn with matplotlib.

Every function takes an optional ``ax`` and returns ``(fig, ax)``, so a
figure can be drawn alone or into a panel of a larger one. Axis labels are
lowercase, with units where there are any; titles belong in the book's
figure captions, not in the figures.

Notation (shared with the book): N batch, T time steps, D input size,
H hidden size.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

from .numpy_nn._activations import ACTIVATIONS

__all__ = [
    "plot_history",
    "plot_series",
    "draw_unrolled_rnn",
    "draw_feedback",
    "draw_cell",
    "plot_activations",
    "draw_bptt_flow",
    "draw_truncation_timeline",
    "plot_padding_packing",
]


def _figure_and_axes(ax, figsize):
    """A new (fig, ax) pair, or the figure that ``ax`` belongs to."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    return ax.figure, ax


def _get(history, name):
    """``history.name`` for a History, ``history[name]`` for a dict."""
    if isinstance(history, dict):
        return list(history.get(name) or [])
    return list(getattr(history, name, None) or [])


def plot_history(history, ax=None, log=False):
    """Training and validation loss against epoch.

    Args:
        history: a :class:`companion.train.History` or its ``to_dict()``.
        ax: axes to draw into; a new figure if None.
        log: use a logarithmic loss axis.

    The best epoch (``history.best_epoch``), if any, is marked by a dotted
    vertical line.
    """
    train_loss = _get(history, "train_loss")
    if not train_loss:
        raise ValueError("history must hold at least one epoch, got an empty train_loss")
    val_loss = _get(history, "val_loss")
    best = history.get("best_epoch") if isinstance(history, dict) else history.best_epoch

    fig, ax = _figure_and_axes(ax, (5, 3.2))
    epochs = np.arange(1, len(train_loss) + 1)
    ax.plot(epochs, train_loss, marker="o", markersize=3, label="training")
    if val_loss:
        ax.plot(epochs[: len(val_loss)], val_loss, marker="o", markersize=3, label="validation")
    if best is not None:
        ax.axvline(best, color="0.5", linestyle=":", label=f"best epoch ({best})")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (log scale)" if log else "loss")
    # Epochs are whole numbers: no tick at epoch 2.5.
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    return fig, ax


def plot_series(t, y, ax=None, *, xlabel="time step", ylabel="value", label=None, **kwargs):
    """Plot one series ``y`` of shape (T,), or several as columns of (T, k).

    ``label`` is a string, or a list of k strings for k columns; a legend is
    drawn when there are labels. Extra keyword arguments go to ``ax.plot``.
    """
    t, y = np.asarray(t), np.asarray(y)
    if y.ndim not in (1, 2) or y.shape[0] != t.shape[0]:
        raise ValueError(
            f"y must have shape (T,) or (T, k) with T = len(t) = {t.shape[0]}, "
            f"got shape {y.shape}"
        )
    fig, ax = _figure_and_axes(ax, (6, 3))
    lines = ax.plot(t, y, **kwargs)
    labels = [label] if isinstance(label, str) else label
    if labels is not None:
        for line, text in zip(lines, labels):
            line.set_label(text)
        ax.legend()
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return fig, ax


# ------------------------------------------------------------ RNN diagram
_BOX_W, _BOX_H = 0.9, 0.6  # box size in data units
_ROWS = {"x": 0.0, "h": 1.8, "y": 3.6}  # y coordinate of each row of boxes
_COLOURS = {"x": "#cfe3f5", "h": "#fde2b8", "y": "#d4efcf"}


def _box(ax, x, row, text, gid):
    """A rounded box centred at (x, row height) with ``text`` in it."""
    y = _ROWS[row]
    patch = FancyBboxPatch(
        (x - _BOX_W / 2, y - _BOX_H / 2), _BOX_W, _BOX_H,
        boxstyle="round,pad=0.04,rounding_size=0.12",
        facecolor=_COLOURS[row], edgecolor="black", linewidth=1.2, gid=gid,
    )
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center", fontsize=12)


def _arrow(ax, start, end, color="black", linewidth=1.2, **kwargs):
    arrow = FancyArrowPatch(
        start, end, arrowstyle="-|>", mutation_scale=12, linewidth=linewidth,
        color=color, shrinkA=0, shrinkB=0, **kwargs,
    )
    ax.add_patch(arrow)
    return arrow


def _vertical_arrows(ax, x, labels):
    """Arrows x -> h -> y in the column at ``x``, with weight labels."""
    gap = 0.04 + 0.02  # the rounded box's pad plus a little air
    for lower, upper, weight in (("x", "h", "$W_{ih}$"), ("h", "y", "$W_{hy}$")):
        y0 = _ROWS[lower] + _BOX_H / 2 + gap
        y1 = _ROWS[upper] - _BOX_H / 2 - gap
        _arrow(ax, (x, y0), (x, y1))
        if labels:
            ax.text(x + 0.08, (y0 + y1) / 2, weight, ha="left", va="center", fontsize=10)


def draw_unrolled_rnn(T=4, ax=None, labels=True):
    """Draw an RNN folded (left), "=", and unrolled over T steps (right).

    Each column is one time step: the input ``x_t`` enters the cell through
    ``W_ih``, the hidden state ``h_t`` goes up to the output ``y_t`` through
    ``W_hy`` and right to the next step through ``W_hh``. Every column uses
    the same three matrices. ``h_0`` enters the first step.

    Args:
        T: number of time steps to unroll (1 to 8, to stay readable).
        ax: axes to draw into; a new figure if None.
        labels: write the weight names ``W_ih``, ``W_hh``, ``W_hy``.

    The unrolled hidden-state boxes carry ``gid="cell"`` and the folded one
    ``gid="folded-cell"``, so tests and readers can find them.
    """
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or not 1 <= T <= 8:
        raise ValueError(f"T must be an integer from 1 to 8, got {T!r}")
    step = 2.0  # horizontal distance between unrolled columns
    first = 5.0  # x of the first unrolled column
    width = first + step * (T - 1) + 1.0
    fig, ax = _figure_and_axes(ax, (0.62 * (width + 0.8), 0.62 * 4.8))

    # Folded cell: the loop on h carries h_{t-1} into the next step.
    _box(ax, 0.0, "x", "$x_t$", "folded-input")
    _box(ax, 0.0, "h", "$h_t$", "folded-cell")
    _box(ax, 0.0, "y", "$y_t$", "folded-output")
    _vertical_arrows(ax, 0.0, labels)
    right = _BOX_W / 2 + 0.06
    # The loop is a Bezier curve in data units, so it scales with the figure.
    h = _ROWS["h"]
    loop_path = Path(
        [(right, h + 0.18), (right + 0.75, h + 0.5), (right + 0.75, h - 0.5), (right, h - 0.18)],
        [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4],
    )
    loop = FancyArrowPatch(
        path=loop_path, arrowstyle="-|>", mutation_scale=12, linewidth=1.2,
        color="black", gid="recurrent-loop",
    )
    ax.add_patch(loop)
    if labels:
        ax.text(right + 0.66, h, "$W_{hh}$", ha="left", va="center", fontsize=10)

    ax.text(2.4, _ROWS["h"], "$=$", ha="center", va="center", fontsize=22)

    # Unrolled chain: h_0 -> h_1 -> ... -> h_T.
    ax.text(first - step + 0.35, _ROWS["h"], "$h_0$", ha="center", va="center", fontsize=12)
    for k in range(1, T + 1):
        x = first + step * (k - 1)
        _box(ax, x, "x", f"$x_{{{k}}}$", "input")
        _box(ax, x, "h", f"$h_{{{k}}}$", "cell")
        _box(ax, x, "y", f"$y_{{{k}}}$", "output")
        _vertical_arrows(ax, x, labels)
        # Arrow into this cell from the previous one (from h_0 for k = 1).
        x0 = x - step + (_BOX_W / 2 + 0.06 if k > 1 else 0.65)
        x1 = x - _BOX_W / 2 - 0.06
        _arrow(ax, (x0, _ROWS["h"]), (x1, _ROWS["h"]))
        if labels:
            ax.text((x0 + x1) / 2, _ROWS["h"] + 0.1, "$W_{hh}$",
                    ha="center", va="bottom", fontsize=10)

    ax.set_xlim(-0.8, width)
    ax.set_ylim(_ROWS["x"] - 0.6, _ROWS["y"] + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def draw_feedback(feed_from="h", ax=None):
    """The folded network x -> h -> y with its feedback arrow into h.

    ``feed_from="h"``: an Elman network, h_{t-1} feeds h_t through W_hh;
    ``feed_from="y"``: a Jordan network, the previous output feeds h_t through W_yh.
    The feedback arrow carries ``gid="feedback"``.
    """
    if feed_from not in ("h", "y"):
        raise ValueError(f"feed_from must be 'h' (Elman) or 'y' (Jordan), got {feed_from!r}")
    fig, ax = _figure_and_axes(ax, (3, 3))
    for row in _ROWS:
        _box(ax, 0.0, row, f"${row}_t$", f"box-{row}")
    _vertical_arrows(ax, 0.0, True)
    right, h, y = _BOX_W / 2 + 0.06, _ROWS["h"], _ROWS["y"]
    if feed_from == "h":  # a loop from h_t back into h_t
        points = [(right, h + 0.15), (right + 1.0, h + 0.8), (right + 1.0, h - 0.8), (right, h - 0.15)]
        where, what = (right + 0.9, h), "$W_{hh}\\,h_{t-1}$"
    else:  # from y_t down into h_t
        points = [(right, y), (right + 0.9, y - 0.1), (right + 0.9, h + 0.1), (right, h)]
        where, what = (right + 0.8, (h + y) / 2), "$W_{yh}\\,\\sigma(y_{t-1})$"
    curve = Path(points, [Path.MOVETO] + [Path.CURVE4] * 3)
    ax.add_patch(FancyArrowPatch(path=curve, arrowstyle="-|>", mutation_scale=12, lw=1.5, color="C3",
                                 gid="feedback"))
    ax.text(*where, what, color="C3", va="center", fontsize=11)
    ax.set_xlim(-0.9, 3.2)
    ax.set_ylim(_ROWS["x"] - 0.6, _ROWS["y"] + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


# ------------------------------------------------------------ cell diagrams
_LAYER, _OP = "#fde2b8", "#f6c9d0"  # a layer with weights, a pointwise operation
_TOP, _LOW = 4.5, 1.6  # heights of the state line and of the input line


def _layer(ax, x, y, text):
    """A layer with weights: W_i* x_t + W_h* h_{t-1} + b, then a nonlinearity."""
    ax.add_patch(FancyBboxPatch((x - 0.42, y - 0.3), 0.84, 0.6, boxstyle="round,pad=0.03", fc=_LAYER,
                                ec="black", lw=1, zorder=3, gid="layer"))
    ax.text(x, y, text, ha="center", va="center", fontsize=10, zorder=4)


def _op(ax, x, y, text, size=10):
    """An elementwise operation, without weights."""
    ax.add_patch(Circle((x, y), 0.27, fc=_OP, ec="black", lw=1, zorder=3, gid="op"))
    ax.text(x, y, text, ha="center", va="center", fontsize=size, zorder=4)


def _wire(ax, *points):
    """A polyline through the points, with an arrow head at the end."""
    for (x0, y0), (x1, y1) in zip(points[:-2], points[1:-1]):
        ax.plot([x0, x1], [y0, y1], color="black", lw=1)
    ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>", mutation_scale=10, lw=1,
                                 color="black", shrinkA=0, shrinkB=0))


def _line(ax, *points):
    xs, ys = zip(*points)
    ax.plot(xs, ys, color="black", lw=1)


def _label(ax, x, y, s, size=11, **kw):
    ax.text(x, y, s, ha=kw.pop("ha", "center"), va="center", fontsize=size, **kw)


def _frame(ax, name):
    ax.add_patch(FancyBboxPatch((0.6, 0.9), 5.8, 4.3, boxstyle="round,pad=0.05", fc="none", ec="0.6", lw=1,
                                ls="--"))
    _label(ax, 3.5, 5.75, name, weight="bold")
    ax.set_xlim(-0.5, 7.4)
    ax.set_ylim(-0.3, 6.0)
    ax.set_aspect("equal")
    ax.axis("off")


def _draw_rnn(ax):
    _frame(ax, "simple RNN")
    _label(ax, -0.05, _LOW, "$h_{t-1}$")
    _label(ax, 1.2, 0.0, "$x_t$")
    _line(ax, (0.4, _LOW), (3.5, _LOW))
    _line(ax, (1.2, 0.3), (1.2, _LOW))
    _wire(ax, (3.5, _LOW), (3.5, 2.2))
    _layer(ax, 3.5, 2.5, "tanh")
    _wire(ax, (3.5, 2.8), (3.5, _TOP), (6.7, _TOP))
    _label(ax, 7.05, _TOP, "$h_t$")


def _draw_lstm(ax):
    _frame(ax, "LSTM")
    _label(ax, -0.05, _TOP, "$c_{t-1}$")
    _label(ax, -0.05, _LOW, "$h_{t-1}$")
    _label(ax, 1.2, 0.0, "$x_t$")
    xs = {"f": 1.7, "i": 2.8, "g": 3.9, "o": 5.0}
    _line(ax, (0.4, _LOW), (5.0, _LOW))  # (h_{t-1}, x_t) feeds all four layers
    _line(ax, (1.2, 0.3), (1.2, _LOW))
    for name, fn in zip(xs, (r"$\sigma$", r"$\sigma$", "tanh", r"$\sigma$")):
        _wire(ax, (xs[name], _LOW), (xs[name], 2.2))
        _layer(ax, xs[name], 2.5, fn)
        _label(ax, xs[name] + 0.1, 3.05, f"${name}_t$", size=9, ha="left")
    # cell state: c_t = f_t * c_{t-1} + i_t * g_t
    _wire(ax, (0.4, _TOP), (1.43, _TOP))
    _op(ax, 1.7, _TOP, r"$\times$")
    _wire(ax, (1.7, 2.8), (1.7, _TOP - 0.27))
    _wire(ax, (1.97, _TOP), (3.63, _TOP))
    _op(ax, 3.9, _TOP, "+")
    _op(ax, 3.35, 3.65, r"$\times$")
    _wire(ax, (2.8, 2.8), (2.8, 3.65), (3.08, 3.65))
    _wire(ax, (3.9, 2.8), (3.9, 3.65), (3.62, 3.65))
    _wire(ax, (3.35, 3.92), (3.35, _TOP), (3.63, _TOP))
    _wire(ax, (4.17, _TOP), (6.7, _TOP))
    _label(ax, 7.05, _TOP, "$c_t$")
    # hidden state: h_t = o_t * tanh(c_t)
    _op(ax, 5.85, 3.6, "tanh", size=7)
    _wire(ax, (5.85, _TOP), (5.85, 3.87))
    _op(ax, 5.85, 2.5, r"$\times$")
    _wire(ax, (5.85, 3.33), (5.85, 2.77))
    _wire(ax, (5.42, 2.5), (5.58, 2.5))
    _wire(ax, (5.85, 2.23), (5.85, 1.2), (6.7, 1.2))
    _label(ax, 7.05, 1.2, "$h_t$")


def _draw_gru(ax):
    _frame(ax, "GRU")
    _label(ax, -0.05, _TOP, "$h_{t-1}$")
    _label(ax, 1.2, 0.0, "$x_t$")
    xs = {"r": 1.7, "z": 2.9, "n": 4.6}
    _line(ax, (0.4, _TOP), (0.9, _TOP), (0.9, _LOW), (4.6, _LOW))
    _line(ax, (1.2, 0.3), (1.2, _LOW))
    for name, fn in zip(xs, (r"$\sigma$", r"$\sigma$", "tanh")):
        _wire(ax, (xs[name], _LOW), (xs[name], 2.2))
        _layer(ax, xs[name], 2.5, fn)
    _label(ax, 1.6, 2.95, "$r_t$", size=9, ha="right")
    _label(ax, 3.0, 4.02, "$z_t$", size=9, ha="left")
    _label(ax, 5.1, 2.8, "$n_t$", size=9, ha="left")
    # the reset gate acts inside the candidate layer
    _wire(ax, (1.7, 2.8), (1.7, 3.1), (4.35, 3.1), (4.35, 2.85))
    # h_t = z_t * h_{t-1} + (1 - z_t) * n_t
    _wire(ax, (0.9, _TOP), (2.63, _TOP))
    _op(ax, 2.9, _TOP, r"$\times$")
    _wire(ax, (2.9, 2.8), (2.9, _TOP - 0.27))
    _wire(ax, (2.9, 3.65), (3.73, 3.65))
    _op(ax, 4.0, 3.65, "1$-$", size=9)
    _wire(ax, (4.27, 3.65), (5.33, 3.65))
    _op(ax, 5.6, 3.65, r"$\times$")
    _wire(ax, (5.02, 2.5), (5.6, 2.5), (5.6, 3.38))
    _wire(ax, (3.17, _TOP), (5.33, _TOP))
    _op(ax, 5.6, _TOP, "+")
    _wire(ax, (5.6, 3.92), (5.6, _TOP - 0.27))
    _wire(ax, (5.87, _TOP), (6.7, _TOP))
    _label(ax, 7.05, _TOP, "$h_t$")


_CELL_DRAWINGS = {"rnn": _draw_rnn, "lstm": _draw_lstm, "gru": _draw_gru}


def draw_cell(cell, ax=None):
    """The inside of one step of a cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.

    Rounded boxes (``gid="layer"``) are layers with weights followed by their
    nonlinearity; circles (``gid="op"``) are elementwise operations.
    """
    if cell not in _CELL_DRAWINGS:
        raise ValueError(f"cell must be one of {tuple(_CELL_DRAWINGS)}, got {cell!r}")
    fig, ax = _figure_and_axes(ax, (3, 2.7))
    _CELL_DRAWINGS[cell](ax)
    return fig, ax


# -------------------------------------------------------------- activations
def plot_activations(names=("sigmoid", "tanh", "relu"), *, a=None, axes=None):
    """Each activation function (left) and its derivative (right), against the pre-activation a.

    ``names`` are keys of ``companion.numpy_nn.ACTIVATIONS``; ``a`` defaults to 401
    points from -5 to 5; ``axes`` a pair of axes, or None for a new figure.
    Returns ``(fig, (ax_f, ax_df))``.
    """
    for name in names:
        if name not in ACTIVATIONS:
            raise ValueError(f"names must be keys of ACTIVATIONS {tuple(ACTIVATIONS)}, got {name!r}")
    a = np.linspace(-5, 5, 401) if a is None else np.asarray(a, dtype=float)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(8, 3.2), layout="constrained")
    else:
        fig = axes[0].figure
    ax_f, ax_df = axes
    for name in names:
        f, df = ACTIVATIONS[name]
        label = "ReLU" if name == "relu" else name
        ax_f.plot(a, f(a), label=label)
        ax_df.plot(a, df(a), label=label)
    ax_f.set_ylim(-1.2, 2.2)
    ax_f.set_xlabel("pre-activation $a$")
    ax_f.set_ylabel("$f(a)$")
    ax_df.set_xlabel("pre-activation $a$")
    ax_df.set_ylabel("derivative $f'(a)$")
    ax_f.legend(frameon=False)
    return fig, (ax_f, ax_df)


# ------------------------------------------------------ BPTT: backward flow
def draw_bptt_flow(steps=3, ax=None):
    """The backward recursion of BPTT over ``steps`` consecutive steps, ending at step t+1.

    Each column is one step s. The state gradient ``delta_s = dL/dh_s`` (box,
    ``gid="delta"``) is the sum of two terms: the local term
    ``W_hy^T dl_s/dy_s`` that comes down from the loss of the same step
    (``gid="local"``), and the carried term ``W_hh^T eps_{s+1}`` that comes
    from the step after it (``gid="carried"``), where
    ``eps_{s+1} = (1 - h_{s+1}^2) * delta_{s+1}`` passes through the
    derivative of tanh (circle, ``gid="tanh-derivative"``). The last column
    is step t+1, the one before it step t.

    Args:
        steps: number of columns (2 to 6).
        ax: axes to draw into; a new figure if None.
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 2 <= steps <= 6:
        raise ValueError(f"steps must be an integer from 2 to 6, got {steps!r}")
    dx, y_delta, y_loss = 3.2, 0.0, 2.2
    width = dx * (steps - 1)
    fig, ax = _figure_and_axes(ax, (2.3 * steps + 0.8, 2.9))

    def name(i):  # the step of column i, relative to t (last column: t+1)
        offset = i - (steps - 2)
        return "t" if offset == 0 else f"t{offset:+d}"

    local_colour, carried_colour = "#1f77b4", "#d62728"
    for i in range(steps):
        x = dx * i
        s = name(i)
        patch = FancyBboxPatch((x - 0.55, y_delta - 0.32), 1.1, 0.64,
                               boxstyle="round,pad=0.04,rounding_size=0.12",
                               facecolor=_COLOURS["h"], edgecolor="black", linewidth=1.2, gid="delta")
        ax.add_patch(patch)
        ax.text(x, y_delta, rf"$\delta_{{{s}}}$", ha="center", va="center", fontsize=12)
        ax.text(x, y_loss, rf"$\ell_{{{s}}}$", ha="center", va="center", fontsize=12,
                bbox={"boxstyle": "round,pad=0.3", "facecolor": _COLOURS["y"], "edgecolor": "black"})
        _arrow(ax, (x, y_loss - 0.32), (x, y_delta + 0.42), color=local_colour, gid="local", linewidth=1.4)
        ax.text(x + 0.1, (y_loss + y_delta) / 2 + 0.05,
                rf"$W_{{hy}}^\top \partial\ell_{{{s}}}/\partial y_{{{s}}}$",
                ha="left", va="center", fontsize=10, color=local_colour)
    for i in range(1, steps):  # from column i (step s+1) back to column i-1 (step s)
        x = dx * i
        x_op = x - 0.95
        ax.add_patch(Circle((x_op, y_delta), 0.28, facecolor="white", edgecolor="black",
                            linewidth=1.0, gid="tanh-derivative"))
        ax.text(x_op, y_delta, r"$\odot$", ha="center", va="center", fontsize=12)
        _arrow(ax, (x - 0.6, y_delta), (x_op + 0.3, y_delta), color=carried_colour, linewidth=1.4)
        _arrow(ax, (x_op - 0.3, y_delta), (x - dx + 0.62, y_delta), color=carried_colour, gid="carried", linewidth=1.4)
        s_next = name(i)
        ax.text(x_op, y_delta - 0.42, rf"$1 - h_{{{s_next}}}^2$", ha="center", va="top", fontsize=9)
        ax.text((x_op + x - dx) / 2 + 0.25, y_delta + 0.12, rf"$W_{{hh}}^\top \varepsilon_{{{s_next}}}$",
                ha="center", va="bottom", fontsize=10, color=carried_colour)
    # the carried term that enters the last column, and the one that leaves the first
    _arrow(ax, (width + 1.3, y_delta), (width + 0.62, y_delta), color=carried_colour, linestyle="--", linewidth=1.4)
    ax.text(width + 1.35, y_delta + 0.15, "from later\nsteps", ha="left", va="bottom", fontsize=9)
    _arrow(ax, (-0.62, y_delta), (-1.3, y_delta), color=carried_colour, linestyle="--", linewidth=1.4)
    ax.text(-1.35, y_delta + 0.15, "to earlier\nsteps", ha="right", va="bottom", fontsize=9)
    ax.text(width / 2, -1.05, "local term (blue) + carried term (red) = " r"$\delta$;  "
            r"$\varepsilon = (1 - h \odot h) \odot \delta$",
            ha="center", va="center", fontsize=10)
    ax.set_xlim(-2.6, width + 2.6)
    ax.set_ylim(-1.35, y_loss + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


# ------------------------------------------- truncated BPTT: chunk timeline
def draw_truncation_timeline(T, k1, k2, ax=None):
    """When BPTT(k1, k2) updates the weights, and how far back each update's gradient reaches.

    The stream has steps 1..T. Every ``k1`` steps (at step s = k1, 2 k1, ...)
    the losses of the last ``k1`` steps are backpropagated through the last
    ``k2`` steps, s - k2 + 1 .. s (from step 1 when s < k2), then the weights
    are updated. Row j of the figure is update j: a light bar spans the steps
    the backward pass runs through (``gid="reach"``), a dark bar the steps
    whose losses it sends back (``gid="losses"``), a marker the update.

    Args:
        T: steps of the stream (1 to 200).
        k1: steps between updates (1 <= k1 <= T).
        k2: steps of each backward pass (k2 >= k1).
        ax: axes to draw into; a new figure if None.
    """
    for arg, value in (("T", T), ("k1", k1), ("k2", k2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{arg} must be a positive integer, got {value!r}")
    if T > 200:
        raise ValueError(f"T must be at most 200 to stay readable, got T={T}")
    if k1 > T:
        raise ValueError(f"k1 must be <= T, got k1={k1}, T={T}")
    if k2 < k1:
        raise ValueError(f"k2 must be >= k1 (every loss needs its own step), got k1={k1}, k2={k2}")
    updates = np.arange(k1, T + 1, k1)  # the step after which each update happens
    fig, ax = _figure_and_axes(ax, (6, 0.35 * len(updates) + 1.2))
    for j, s in enumerate(updates):
        start = max(0, s - k2)  # bars cover steps start+1 .. s, from start+0.5 to s+0.5
        ax.barh(j, s - start, left=start + 0.5, height=0.6, color="#fde2b8",
                edgecolor="0.4", linewidth=0.6, gid="reach")
        ax.barh(j, k1, left=s - k1 + 0.5, height=0.6, color="#d62728", alpha=0.75, gid="losses")
        ax.plot([s + 0.5], [j], marker="|", markersize=12, color="black", mew=2)
    ax.text(0.98, 0.96, f"$k_1 = {k1}$, $k_2 = {k2}$", transform=ax.transAxes, ha="right", va="top",
            fontsize=10, gid="params")
    ax.set_xlim(0.5, T + 0.5)
    ax.set_ylim(len(updates) - 0.4, -0.6)
    ax.set_xlabel("time step of the stream")
    ax.set_ylabel("update")
    ax.set_yticks(range(len(updates)), [str(j + 1) for j in range(len(updates))])
    return fig, ax




# ------------------------------------------------------- padding and packing
def _check_padding_inputs(lengths, batch_sizes, sorted_indices):
    """Validated ``(lengths, batch_sizes, sorted_indices)`` as int arrays."""
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or lengths.size == 0 or not np.issubdtype(lengths.dtype, np.integer) or lengths.min() < 1:
        raise ValueError(f"lengths must be a non-empty 1-D array of positive integers (N,), got {lengths!r}")
    expected = (lengths[None, :] > np.arange(lengths.max())[:, None]).sum(1)  # (T_max,)
    batch_sizes = np.asarray(batch_sizes)
    if batch_sizes.shape != expected.shape or not np.array_equal(batch_sizes, expected):
        raise ValueError(
            f"batch_sizes must hold, for each step t, the number of lengths > t: expected "
            f"{expected.tolist()} (T_max = {lengths.max()}), got {batch_sizes.tolist()}"
        )
    if sorted_indices is None:
        sorted_indices = np.argsort(-lengths, kind="stable")
    sorted_indices = np.asarray(sorted_indices)
    if sorted(sorted_indices.tolist()) != list(range(len(lengths))) or np.any(np.diff(lengths[sorted_indices]) > 0):
        raise ValueError(
            f"sorted_indices must be a permutation of 0..{len(lengths) - 1} that orders lengths "
            f"longest first, got {sorted_indices.tolist()}"
        )
    return lengths, batch_sizes, sorted_indices


def _cell(ax, x, y, color, gid, text=None, hatch=None):
    alpha = None if hatch else 0.6  # a light fill keeps the numbers readable
    cell = plt.Rectangle((x - 0.5, y - 0.5), 1, 1, facecolor=color, edgecolor="0.3", lw=0.6, hatch=hatch, gid=gid)
    cell.set_alpha(alpha)
    ax.add_patch(cell)
    if text is not None:
        ax.text(x, y, text, ha="center", va="center", fontsize=7, gid="index")


def plot_padding_packing(lengths, batch_sizes, sorted_indices=None, *, axes=None):
    """A padded batch (left) beside the ``PackedSequence`` layout of the same batch (right).

    Left: one row per sequence n, one column per time step t; of the N * T_max cells,
    ``sum(lengths)`` are real steps (``gid="real"``, the sequence's colour) and the rest
    padding (``gid="pad"``, grey, hatched), which a recurrent layer run on the padded
    tensor would process. Right: ``packed.data`` in time-major order; column t holds the
    ``batch_sizes[t]`` sequences still running at step t, longest first (``gid="packed"``,
    ``sum(lengths)`` cells). Every real cell carries its row in ``packed.data``.

    Args:
        lengths: ``(N,)`` positive ints, in batch order.
        batch_sizes: ``(T_max,)`` the ``batch_sizes`` of ``pack_padded_sequence`` for these
            lengths; checked: ``batch_sizes[t]`` must be the number of lengths > t.
        sorted_indices: ``(N,)`` the packed order (``packed.sorted_indices``); None sorts
            by length, longest first, ties in batch order.
        axes: a pair of axes, or None for a new figure.

    Returns ``(fig, (ax_pad, ax_pack))``.
    """
    lengths, batch_sizes, order = _check_padding_inputs(lengths, batch_sizes, sorted_indices)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9, 0.4 * len(lengths) + 1.2), layout="constrained")
    elif len(axes) != 2:
        raise ValueError(f"axes must be a pair of axes (ax_pad, ax_pack) or None, got {len(axes)} axes")
    else:
        fig = axes[0].figure
    ax_pad, ax_pack = axes
    n_seq, t_max = len(lengths), int(lengths.max())
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])  # first row of each step
    rank = np.empty(n_seq, dtype=int)
    rank[order] = np.arange(n_seq)  # position of sequence n in every step's batch
    for n in range(n_seq):
        for t in range(t_max):
            if t < lengths[n]:
                row = int(offsets[t] + rank[n])
                _cell(ax_pad, t, n, f"C{n % 10}", "real", str(row))
                _cell(ax_pack, t, rank[n], f"C{n % 10}", "packed", str(row))
            else:
                _cell(ax_pad, t, n, "0.85", "pad", hatch="//")
    for ax in axes:
        ax.set_xlim(-0.5, t_max - 0.5)
        ax.set_ylim(n_seq - 0.5, -0.5)  # first row on top
        ax.set_xticks(range(t_max))
        ax.set_xlabel("time step $t$")
        ax.set_aspect("equal")
        ax.tick_params(length=0)
    ax_pad.set_yticks(range(n_seq), [f"seq {n} ($T$ = {L})" for n, L in enumerate(lengths)])
    ax_pad.set_ylabel("sequence in the padded batch")
    ax_pack.set_yticks(range(n_seq), [f"seq {n}" for n in order])
    ax_pack.set_ylabel("position in the step (longest first)")
    top = ax_pack.secondary_xaxis("top")
    top.set_xticks(range(t_max), [str(b) for b in batch_sizes])
    top.tick_params(length=0)
    top.set_xlabel("batch_sizes[$t$]: sequences still running")
    return fig, (ax_pad, ax_pack)
