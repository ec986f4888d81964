"""Figures used by the book, drawn with matplotlib.

Every function takes an optional ``ax`` and returns ``(fig, ax)``, so a
figure can be drawn alone or into a panel of a larger one. Axis labels are
lowercase, with units where there are any; titles belong in the book's
figure captions, not in the figures.

Notation (shared with the book): N batch, T time steps, D input size,
H hidden size.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path
import numpy as np

__all__ = ["plot_history", "plot_series", "draw_unrolled_rnn"]


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


def _arrow(ax, start, end, **kwargs):
    arrow = FancyArrowPatch(
        start, end, arrowstyle="-|>", mutation_scale=12, linewidth=1.2,
        color="black", shrinkA=0, shrinkB=0, **kwargs,
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
