"""Tests of companion.plot: return types, labels, what the diagram draws."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from companion.plot import draw_unrolled_rnn, plot_history, plot_series  # noqa: E402
from companion.train import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def history():
    return History(
        train_loss=[1.0, 0.5, 0.3, 0.25], val_loss=[1.1, 0.6, 0.5, 0.55],
        lr=[0.1] * 4, grad_norm=[1.0] * 4, grad_norm_max=[1.0] * 4, best_epoch=3,
    )


def test_plot_history_lines_labels_and_legend():
    fig, ax = plot_history(history())
    assert isinstance(fig, Figure) and isinstance(ax, Axes)
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    train, val = ax.get_lines()[:2]
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(val.get_ydata(), [1.1, 0.6, 0.5, 0.55])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["training", "validation", "best epoch (3)"]


def test_plot_history_log_scale_and_given_axes_and_dict():
    fig, axes = plt.subplots(1, 2)
    out_fig, out_ax = plot_history(history().to_dict(), ax=axes[1], log=True)
    assert out_fig is fig and out_ax is axes[1]
    assert out_ax.get_yscale() == "log" and "log" in out_ax.get_ylabel()


def test_plot_history_without_validation():
    fig, ax = plot_history(History(train_loss=[3.0, 2.0]))
    assert len(ax.get_lines()) == 1
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training"]


def test_plot_series():
    t = np.arange(5.0)
    y = np.stack([t, 2 * t], axis=1)  # (T, 2)
    fig, ax = plot_series(t, y, xlabel="year", ylabel="sunspot number", label=["a", "b"])
    assert isinstance(fig, Figure) and isinstance(ax, Axes)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("year", "sunspot number")
    assert len(ax.get_lines()) == 2
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), 2 * t)
    with pytest.raises(ValueError, match="y must have shape"):
        plot_series(t, np.zeros(4))


def _texts(ax):
    return [t.get_text() for t in ax.texts]


@pytest.mark.parametrize("T", [1, 3, 5])
def test_draw_unrolled_rnn_draws_T_copies(T):
    fig, ax = draw_unrolled_rnn(T=T)
    assert isinstance(fig, Figure) and isinstance(ax, Axes)
    cells = [p for p in ax.patches if p.get_gid() == "cell"]
    assert len(cells) == T
    assert len([p for p in ax.patches if p.get_gid() == "folded-cell"]) == 1
    texts = _texts(ax)
    for k in range(1, T + 1):
        for name in "xhy":
            assert texts.count(f"${name}_{{{k}}}$") == 1
    assert f"$x_{{{T + 1}}}$" not in texts
    assert {"$x_t$", "$h_t$", "$y_t$", "$h_0$"} <= set(texts)
    # W_ih and W_hy once per column (folded + T), W_hh once per arrow into h
    assert texts.count("$W_{ih}$") == texts.count("$W_{hy}$") == T + 1
    assert texts.count("$W_{hh}$") == T + 1


def test_draw_unrolled_rnn_without_labels_and_bad_T():
    fig, ax = draw_unrolled_rnn(T=3, labels=False)
    assert not any("W_" in text for text in _texts(ax))
    with pytest.raises(ValueError, match="T must be"):
        draw_unrolled_rnn(T=0)


def test_draw_unrolled_rnn_text_does_not_overlap():
    fig, ax = draw_unrolled_rnn(T=4)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)


# ---------------------------------------------------------------- diagrams and activations
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch  # noqa: E402

from companion.numpy_nn import ACTIVATIONS  # noqa: E402
from companion.plot import draw_cell, draw_feedback, plot_activations  # noqa: E402


@pytest.mark.parametrize("cell, layers, ops", [("rnn", 1, 0), ("lstm", 4, 5), ("gru", 3, 4)])
def test_cell_diagram_draws_one_layer_per_weight_block(cell, layers, ops):
    fig, ax = draw_cell(cell)
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch) and p.get_gid() == "layer"]
    circles = [p for p in ax.patches if isinstance(p, Circle) and p.get_gid() == "op"]
    assert len(boxes) == layers and len(circles) == ops
    with pytest.raises(ValueError, match=r"cell must be one of \('rnn', 'lstm', 'gru'\), got 'elman'"):
        draw_cell("elman")


@pytest.mark.parametrize("feed_from, label", [("h", "W_{hh}"), ("y", "W_{yh}")])
def test_feedback_diagram_names_its_loop(feed_from, label):
    fig, ax = draw_feedback(feed_from)
    assert [p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_gid() == "feedback"]
    assert any(label in t.get_text() for t in ax.texts)
    with pytest.raises(ValueError, match="feed_from must be"):
        draw_feedback("x")


def test_activation_figure_plots_each_function_and_its_derivative():
    a = np.linspace(-3, 3, 7)
    fig, (ax_f, ax_df) = plot_activations(("tanh", "relu"), a=a)
    assert ax_df.get_ylabel() == "derivative $f'(a)$" and ax_f.get_xlabel() == "pre-activation $a$"
    np.testing.assert_allclose(ax_f.get_lines()[0].get_ydata(), np.tanh(a))
    np.testing.assert_allclose(ax_df.get_lines()[1].get_ydata(), (a > 0).astype(float))
    with pytest.raises(ValueError, match="names must be keys of ACTIVATIONS"):
        plot_activations(("gelu",))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_derivatives_match_autograd(name):
    import torch

    a = np.linspace(-4, 4, 41) + 0.05  # away from ReLU's kink
    f, df = ACTIVATIONS[name]
    t = torch.tensor(a, requires_grad=True)
    {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[name](t).sum().backward()
    np.testing.assert_allclose(df(a), t.grad.numpy(), rtol=0, atol=1e-15)
