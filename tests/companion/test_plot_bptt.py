"""Tests of the BPTT figures of companion.plot: the backward flow and the truncation timeline."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from companion.plot import draw_bptt_flow, draw_truncation_timeline  # noqa: E402


def _gids(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


@pytest.mark.parametrize("steps", [2, 3, 5])
def test_bptt_flow_has_one_local_term_per_step_and_one_carried_term_per_link(steps):
    fig, ax = draw_bptt_flow(steps)
    assert isinstance(ax, plt.Axes)
    assert len(_gids(ax, "delta")) == steps
    assert len(_gids(ax, "local")) == steps
    assert len(_gids(ax, "carried")) == steps - 1
    assert len(_gids(ax, "tanh-derivative")) == steps - 1
    texts = [t.get_text() for t in ax.texts]
    assert r"$\delta_{t}$" in texts and r"$\delta_{t+1}$" in texts  # the last two columns
    assert r"$W_{hh}^\top \varepsilon_{t+1}$" in texts  # carried from t+1 into delta_t
    assert r"$W_{hy}^\top \partial\ell_{t}/\partial y_{t}$" in texts
    plt.close(fig)


def test_bptt_flow_carried_arrows_point_back_in_time():
    fig, ax = draw_bptt_flow(3)
    for arrow in _gids(ax, "carried"):
        (x0, _), (x1, _) = arrow._posA_posB
        assert x1 < x0
    plt.close(fig)


def test_bptt_flow_draws_into_given_axes():
    fig, ax = plt.subplots()
    fig2, ax2 = draw_bptt_flow(ax=ax)
    assert fig2 is fig and ax2 is ax
    plt.close(fig)


@pytest.mark.parametrize("steps", [1, 7, 2.0, True, "3"])
def test_bptt_flow_rejects_bad_steps(steps):
    with pytest.raises(ValueError, match="steps"):
        draw_bptt_flow(steps)


@pytest.mark.parametrize("T, k1, k2", [(24, 4, 4), (24, 4, 8), (10, 3, 7), (5, 5, 5)])
def test_timeline_bars_match_the_algorithm(T, k1, k2):
    fig, ax = draw_truncation_timeline(T, k1, k2)
    assert isinstance(ax, plt.Axes)
    reach, losses = _gids(ax, "reach"), _gids(ax, "losses")
    updates = np.arange(k1, T + 1, k1)
    assert len(reach) == len(losses) == len(updates) == T // k1
    for s, r, lo in zip(updates, reach, losses):
        # the backward pass runs through steps max(1, s-k2+1) .. s; bars span [first-0.5, s+0.5]
        assert r.get_x() == pytest.approx(max(1, s - k2 + 1) - 0.5)
        assert r.get_x() + r.get_width() == pytest.approx(s + 0.5)
        assert lo.get_width() == pytest.approx(k1)
        assert lo.get_x() + lo.get_width() == pytest.approx(s + 0.5)
    assert [t.get_text() for t in ax.texts if t.get_gid() == "params"] == [f"$k_1 = {k1}$, $k_2 = {k2}$"]
    assert ax.get_xlabel() == "time step of the stream"
    assert ax.get_ylabel() == "update"
    plt.close(fig)


@pytest.mark.parametrize("kwargs, match", [
    ({"T": 0, "k1": 1, "k2": 1}, "T"),
    ({"T": 10, "k1": 0, "k2": 1}, "k1"),
    ({"T": 10, "k1": 2.5, "k2": 4}, "k1"),
    ({"T": 10, "k1": 4, "k2": 3}, "k2 must be >= k1"),
    ({"T": 10, "k1": 11, "k2": 11}, "k1 must be <= T"),
    ({"T": 500, "k1": 5, "k2": 5}, "T must be at most"),
])
def test_timeline_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        draw_truncation_timeline(**kwargs)
