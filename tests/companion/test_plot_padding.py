"""Tests of companion.plot.plot_padding_packing against torch's PackedSequence."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence  # noqa: E402

from companion.plot import plot_padding_packing  # noqa: E402

LENGTHS = [12, 7, 3, 10, 5]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def packed_batch(lengths):
    """A padded batch (N, T_max, 1) of distinct values and its PackedSequence."""
    values = torch.arange(1.0, sum(lengths) + 1)
    seqs = list(values.split(lengths))
    padded = pad_sequence([s[:, None] for s in seqs], batch_first=True)
    packed = pack_padded_sequence(padded, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    return padded, packed


def cells(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


def centre(patch):
    x, y = patch.get_xy()
    return round(x + 0.5), round(y + 0.5)


def test_returns_figure_two_labelled_axes():
    _, packed = packed_batch(LENGTHS)
    fig, (ax_pad, ax_pack) = plot_padding_packing(LENGTHS, packed.batch_sizes, packed.sorted_indices)
    assert isinstance(fig, Figure) and isinstance(ax_pad, Axes) and isinstance(ax_pack, Axes)
    for ax in (ax_pad, ax_pack):
        assert ax.get_xlabel() == "time step $t$" and ax.get_ylabel()


def test_cell_counts_match_lengths():
    _, packed = packed_batch(LENGTHS)
    _, (ax_pad, ax_pack) = plot_padding_packing(LENGTHS, packed.batch_sizes)
    n, t_max = len(LENGTHS), max(LENGTHS)
    assert len(cells(ax_pad, "real")) == sum(LENGTHS) == 37
    assert len(cells(ax_pad, "pad")) == n * t_max - sum(LENGTHS) == 23
    assert len(ax_pad.patches) == n * t_max
    assert len(cells(ax_pack, "packed")) == len(ax_pack.patches) == sum(LENGTHS)


def test_packed_columns_are_torch_batch_sizes():
    _, packed = packed_batch(LENGTHS)
    _, (_, ax_pack) = plot_padding_packing(LENGTHS, packed.batch_sizes, packed.sorted_indices)
    heights = np.bincount([centre(p)[0] for p in cells(ax_pack, "packed")])
    np.testing.assert_array_equal(heights, packed.batch_sizes.numpy())
    np.testing.assert_array_equal(heights, [5, 5, 5, 4, 4, 3, 3, 2, 2, 2, 1, 1])


def test_cell_numbers_are_rows_of_packed_data():
    # the number in padded cell (n, t) is the row of packed.data that holds x[n, t]
    lengths = [4, 6, 6, 1, 3]
    padded, packed = packed_batch(lengths)
    _, (ax_pad, ax_pack) = plot_padding_packing(lengths, packed.batch_sizes, packed.sorted_indices)
    texts = [t for t in ax_pad.texts if t.get_gid() == "index"]
    assert len(texts) == sum(lengths)
    for text in texts:
        t, n = (round(v) for v in text.get_position())
        assert packed.data[int(text.get_text()), 0] == padded[n, t, 0]
    rows = sorted(int(t.get_text()) for t in ax_pack.texts if t.get_gid() == "index")
    assert rows == list(range(sum(lengths)))


@pytest.mark.parametrize(
    "lengths, batch_sizes, sorted_indices, name",
    [
        ([3, 0, 2], [2, 2, 1], None, "lengths"),
        ([], [], None, "lengths"),
        ([2.5, 1.0], [2, 1], None, "lengths"),
        ([[3, 2]], [2, 2, 1], None, "lengths"),
        ([3, 1, 2], [3, 2, 2], None, "batch_sizes"),
        ([3, 1, 2], [3, 2], None, "batch_sizes"),
        ([3, 1, 2], [3, 2, 1], [0, 1, 2], "sorted_indices"),
        ([3, 1, 2], [3, 2, 1], [0, 2, 2], "sorted_indices"),
    ],
)
def test_bad_input_names_the_argument(lengths, batch_sizes, sorted_indices, name):
    with pytest.raises(ValueError, match=f"^{name} must"):
        plot_padding_packing(lengths, batch_sizes, sorted_indices)


def test_bad_axes():
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="^axes must be a pair"):
        plot_padding_packing([2, 1], [2, 1], axes=[ax])
