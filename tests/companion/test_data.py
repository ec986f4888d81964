"""Tests of companion.data: shapes, values, determinism, layout, errors."""

import numpy as np
import pytest

from companion.data import (
    Standardiser,
    adding_problem,
    chronological_split,
    copy_task,
    fill_gaps,
    load_co2_monthly,
    load_digit_sequences,
    load_kdd_tsad_135,
    load_nyc_weather,
    load_sp500,
    load_sunspots,
    load_yeast_expression,
    make_windows,
    noisy_sine,
    running_parity,
)


# ------------------------------------------------------------ adding problem
def test_adding_problem_shapes_and_dtypes():
    x, y = adding_problem(5, 12, rng=0)
    assert x.shape == (5, 12, 2) and x.dtype == np.float32
    assert y.shape == (5, 1) and y.dtype == np.float32
    assert np.all((x[..., 0] >= 0) & (x[..., 0] < 1))


def test_adding_problem_target_is_sum_of_marked_values():
    x, y = adding_problem(200, 10, rng=np.random.default_rng(1))
    markers = x[..., 1]
    assert set(np.unique(markers)) == {0.0, 1.0}
    assert np.all(markers.sum(axis=1) == 2)
    # one marker in each half
    assert np.all(markers[:, :5].sum(axis=1) == 1)
    assert np.all(markers[:, 5:].sum(axis=1) == 1)
    expected = (x[..., 0] * markers).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(y, expected, rtol=1e-6)


def test_adding_problem_smallest_T_marks_both_steps():
    x, y = adding_problem(3, 2, rng=0)
    np.testing.assert_array_equal(x[..., 1], np.ones((3, 2)))
    np.testing.assert_allclose(y[:, 0], x[..., 0].sum(axis=1), rtol=1e-6)


def test_same_seed_same_data_other_seed_other_data():
    a = adding_problem(4, 8, rng=3)
    b = adding_problem(4, 8, rng=np.random.default_rng(3))
    c = adding_problem(4, 8, rng=4)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])

    s1, s2, s3 = (noisy_sine(50, rng=s)[1] for s in (7, 7, 8))
    np.testing.assert_array_equal(s1, s2)
    assert not np.array_equal(s1, s3)

    c1, c2 = copy_task(3, 4, 2, rng=5), copy_task(3, 4, 2, rng=6)
    np.testing.assert_array_equal(c1[1], copy_task(3, 4, 2, rng=5)[1])
    assert not np.array_equal(c1[1], c2[1])


# ------------------------------------------------------------------ copy task
def test_copy_task_layout():
    K, delay, n_symbols = 3, 2, 4
    tokens, y = copy_task(6, K, delay, rng=0, n_symbols=n_symbols, one_hot=False)
    T, go = 2 * K + delay + 1, n_symbols + 1
    assert tokens.shape == (6, T) and y.shape == (6, T)
    assert tokens.dtype == np.int64 and y.dtype == np.int64
    symbols = tokens[:, :K]
    assert np.all((symbols >= 1) & (symbols <= n_symbols))
    assert np.all(tokens[:, K : K + delay] == 0)  # delay: blanks
    assert np.all(tokens[:, K + delay] == go)  # then the go marker
    assert np.all(tokens[:, K + delay + 1 :] == 0)  # blanks while writing
    assert np.all(y[:, : T - K] == 0)
    np.testing.assert_array_equal(y[:, T - K :], symbols)


def test_copy_task_one_hot_matches_tokens():
    x, y = copy_task(4, 2, 5, rng=1, n_symbols=3)
    tokens, y2 = copy_task(4, 2, 5, rng=1, n_symbols=3, one_hot=False)
    assert x.shape == (4, 2 * 2 + 5 + 1, 3 + 2) and x.dtype == np.float32
    np.testing.assert_array_equal(x.sum(axis=-1), 1.0)
    np.testing.assert_array_equal(x.argmax(axis=-1), tokens)
    np.testing.assert_array_equal(y, y2)


# ------------------------------------------------------ sine and parity
def test_noisy_sine_without_noise_is_the_sine():
    t, y = noisy_sine(8, period=4.0, amplitude=2.0, noise=0.0, rng=0)
    np.testing.assert_array_equal(t, np.arange(8.0))
    np.testing.assert_allclose(y, [0, 2, 0, -2, 0, 2, 0, -2], atol=1e-12)


def test_noisy_sine_noise_has_the_requested_std():
    t, y = noisy_sine(20000, period=25.0, noise=0.3, rng=0)
    residual = y - np.sin(2 * np.pi * t / 25.0)
    assert abs(residual.std() - 0.3) < 0.01


def test_running_parity_values():
    x, y = running_parity(50, 16, rng=2)
    assert x.shape == y.shape == (50, 16, 1) and x.dtype == np.float32
    np.testing.assert_array_equal(y[..., 0], np.cumsum(x[..., 0], axis=1) % 2)
    # parity flips exactly at the 1s
    flips = np.abs(np.diff(y[..., 0], axis=1, prepend=0))
    np.testing.assert_array_equal(flips, x[..., 0])


# ------------------------------------------------------------------- windows
def test_make_windows_hand_example_one_step():
    inputs, targets = make_windows(np.array([10, 11, 12, 13, 14]), window=3)
    np.testing.assert_array_equal(
        inputs[..., 0], [[10, 11, 12], [11, 12, 13]]
    )
    assert inputs.shape == (2, 3, 1)
    np.testing.assert_array_equal(targets, [[13], [14]])


def test_make_windows_hand_example_multi_step_2d():
    series = np.array([[0, 100], [1, 101], [2, 102], [3, 103], [4, 104], [5, 105]])
    inputs, targets = make_windows(series, window=2, horizon=3)
    assert inputs.shape == (2, 2, 2) and targets.shape == (2, 3, 2)
    np.testing.assert_array_equal(inputs[1], [[1, 101], [2, 102]])
    np.testing.assert_array_equal(targets[0], [[2, 102], [3, 103], [4, 104]])
    np.testing.assert_array_equal(targets[1], [[3, 103], [4, 104], [5, 105]])


# -------------------------------------------------------------------- splits
def test_chronological_split_sizes_and_order():
    train, val, test = chronological_split(309)
    assert (len(train), len(val), len(test)) == (216, 46, 47)
    allrows = np.concatenate([train, val, test])
    np.testing.assert_array_equal(allrows, np.arange(309))  # each row once, in order


def test_chronological_split_arrays_grouped_by_part():
    X, y = np.arange(20).reshape(10, 2), np.arange(10) * 10
    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = chronological_split(X, y)
    np.testing.assert_array_equal(y_tr, [0, 10, 20, 30, 40, 50, 60])
    np.testing.assert_array_equal(y_va, [70])
    np.testing.assert_array_equal(y_te, [80, 90])
    np.testing.assert_array_equal(X_te, [[16, 17], [18, 19]])
    assert y_tr.max() < y_va.min() <= y_va.max() < y_te.min()


def test_chronological_split_single_array_two_parts():
    train, test = chronological_split(np.arange(10.0), fractions=(0.8, 0.2))
    np.testing.assert_array_equal(train, np.arange(8.0))
    np.testing.assert_array_equal(test, [8.0, 9.0])


def test_standardiser_uses_train_statistics_only():
    series = np.concatenate([np.zeros(5), np.full(5, 2.0), np.full(3, 100.0)])
    train, test = series[:10], series[10:]
    scaler = Standardiser().fit(train)
    assert scaler.mean == pytest.approx(1.0) and scaler.std == pytest.approx(1.0)
    np.testing.assert_allclose(scaler.transform(test), [99.0, 99.0, 99.0])
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(series)), series)


def test_standardiser_per_feature():
    x = np.array([[1.0, 10.0], [3.0, 30.0]], dtype=np.float32)  # (T, D)
    z = Standardiser().fit(x).transform(x)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z, [[-1, -1], [1, 1]])


def test_standardiser_rmse_is_in_the_original_units():
    scaler = Standardiser().fit(np.array([0.0, 10.0]))          # mean 5, std 5
    z_true = np.array([0.0, 1.0, -1.0], dtype=np.float32)
    z_pred = z_true + np.array([1.0, -1.0, 1.0], dtype=np.float32)  # off by one std everywhere
    assert scaler.rmse(z_pred, z_true) == pytest.approx(5.0)
    assert scaler.rmse(z_true, z_true) == 0.0
    with pytest.raises(ValueError, match=r"same shape, got \(3,\) and \(3, 1\)"):
        scaler.rmse(z_pred, z_true[:, None])
    with pytest.raises(ValueError, match="not fitted"):
        Standardiser().rmse(z_pred, z_true)


# ------------------------------------------------------------------ sunspots
def test_load_sunspots():
    years, values = load_sunspots()
    assert years.shape == values.shape == (309,)
    assert years[0] == 1700 and years[-1] == 2008
    np.testing.assert_array_equal(np.diff(years), 1)
    assert values[:3].tolist() == [5.0, 11.0, 16.0]
    assert values.min() >= 0 and values.max() == pytest.approx(190.2)


def test_sunspots_split_matches_the_data_card():
    """The numbers quoted in book/appendix/data.md."""
    years, values = load_sunspots()
    parts = chronological_split(years, values)
    assert [(y[0], y[-1], len(y)) for y, _ in parts] == [
        (1700, 1915, 216), (1916, 1961, 46), (1962, 2008, 47)
    ]
    assert [round(v.mean(), 1) for _, v in parts] == [42.9, 66.1, 65.3]
    assert [(v.max(), y[v.argmax()]) for y, v in parts] == [
        (154.4, 1778), (190.2, 1957), (157.6, 1989)
    ]
    assert (round(values.mean(), 1), round(values.std(), 1)) == (49.8, 40.4)
    assert np.sum(values == 0) == 3


# -------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: adding_problem(4, 1, rng=0), "T"),
        (lambda: adding_problem(0, 10, rng=0), "n"),
        (lambda: copy_task(4, 0, 3, rng=0), "K"),
        (lambda: copy_task(4, 2, -1, rng=0), "delay"),
        (lambda: noisy_sine(10, noise=-1.0, rng=0), "noise"),
        (lambda: noisy_sine(10, period=0.0, rng=0), "period"),
        (lambda: running_parity(4, 5, rng=0, p=1.5), "p"),
        (lambda: make_windows(np.arange(5), window=5), "window"),
        (lambda: make_windows(np.arange(5), window=2, horizon=0), "horizon"),
        (lambda: make_windows(np.zeros((2, 3, 4)), window=1), "series"),
        (lambda: chronological_split(10, fractions=(0.7, 0.2, 0.2)), "fractions"),
        (lambda: chronological_split(np.arange(3), np.arange(4)), "data"),
        (lambda: chronological_split(3), "fractions"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(call, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        call()


def test_error_message_gives_value_and_expectation():
    with pytest.raises(ValueError) as err:
        adding_problem(4, 1, rng=0)
    assert "T must be an integer >= 2, got 1" in str(err.value)
    with pytest.raises(ValueError) as err:
        chronological_split(10, fractions=(0.7, 0.2, 0.2))
    assert "sum to 1" in str(err.value) and "1.1" in str(err.value)


# ------------------------------------------------------------------- digits
def test_digit_sequences_split_is_stratified_and_disjoint():
    parts = load_digit_sequences(0)
    X_train, y_train, X_val, y_val, X_test, y_test = parts
    assert [len(X_train), len(X_val), len(X_test)] == [1077, 360, 360]
    assert X_train.shape[1:] == (8, 8) and X_train.dtype == np.float32
    assert y_train.dtype == np.int64
    assert 0.0 == min(X.min() for X in parts[::2])
    assert 1.0 == max(X.max() for X in parts[::2])
    for y in (y_train, y_val, y_test):  # every class in every part
        counts = np.bincount(y, minlength=10)
        assert counts.min() >= 0.08 * len(y)
    rows = {x.tobytes() for X in parts[::2] for x in X}
    assert len(rows) == 1797  # the images are distinct: none used twice


def test_digit_sequences_rows_are_image_rows():
    from sklearn.datasets import load_digits

    images = load_digits().images
    X_train, y_train, _, _ = load_digit_sequences(0, fractions=(0.8, 0.2))
    match = np.flatnonzero((images / 16.0 == X_train[0]).all(axis=(1, 2)))
    assert match.size >= 1 and load_digits().target[match[0]] == y_train[0]


def test_digit_sequences_seeded():
    a = load_digit_sequences(1)[1]
    np.testing.assert_array_equal(a, load_digit_sequences(1)[1])
    assert not np.array_equal(a, load_digit_sequences(2)[1])


@pytest.mark.parametrize("fractions", [(0.5, 0.6), (1.0,), (0.5, 0, 0.5)])
def test_digit_sequences_bad_fractions(fractions):
    with pytest.raises(ValueError, match="fractions must be"):
        load_digit_sequences(0, fractions=fractions)


@pytest.mark.parametrize("call", [
    lambda: adding_problem(4, 10, rng=None),
    lambda: copy_task(4, 2, 3, rng=None),
    lambda: noisy_sine(10, rng=None),
    lambda: running_parity(4, 5, rng=None),
    lambda: adding_problem(4.0, 10, rng=0),
])
def test_wrong_types_raise_type_error(call):
    # None would draw fresh entropy and make the data irreproducible; 4.0 is not an integer
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator|n must be an integer"):
        call()


def test_load_co2_monthly_matches_the_data_card():
    """The numbers quoted in book/appendix/data.md and on the forecasting page."""
    months, values, filled = load_co2_monthly()
    assert months.shape == values.shape == filled.shape == (526,)
    assert str(months[0]) == "1958-03" and str(months[-1]) == "2001-12"
    assert np.all(np.diff(months).astype(int) == 1)
    assert [str(m) for m in months[filled]] == ["1958-06", "1958-10", "1964-02", "1964-03", "1964-04"]
    assert np.all(np.isfinite(values)) and 310 < values.min() < values.max() < 375
    # a filled month lies between its neighbours' values (linear in time)
    i = int(np.flatnonzero(filled)[0])
    assert min(values[i - 1], values[i + 1]) <= values[i] <= max(values[i - 1], values[i + 1])
    assert int(np.searchsorted(months, np.datetime64("1985-01"))) == 322


def test_load_sp500_matches_the_data_card():
    dates, close = load_sp500()
    assert dates.shape == close.shape == (17346,)
    assert str(dates[0]) == "1950-01-03" and str(dates[-1]) == "2018-12-07"
    assert np.all(np.diff(dates).astype(int) >= 1) and np.all(close > 0)
    assert close[0] == pytest.approx(16.66)


def test_load_nyc_weather_is_on_a_complete_hourly_grid():
    hours, values = load_nyc_weather("JFK")
    assert np.all(np.diff(hours).astype(int) == 1) and len(hours) == 8730
    assert str(hours[0]) == "2013-01-01T06"
    missing = {k: int(np.isnan(v).sum()) for k, v in values.items()}
    assert missing["temp"] == 24 and missing["pressure"] == 855   # numbers of the weather page
    assert -15 < np.nanmin(values["temp"]) < np.nanmax(values["temp"]) < 40   # degrees Celsius
    assert np.nanmax(values["humid"]) <= 100
    with pytest.raises(ValueError, match="station"):
        load_nyc_weather("SFO")


def test_load_kdd_tsad_135_has_its_labelled_anomaly():
    values, is_anomaly, n_train = load_kdd_tsad_135()
    assert values.shape == is_anomaly.shape == (7501,) and n_train == 1200
    assert np.flatnonzero(is_anomaly).tolist() == list(range(4187, 4199))
    assert not is_anomaly[:n_train].any()


def test_load_kdd_tsad_135_says_how_to_get_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="pip download --no-deps aeon==1.6.0"):
        load_kdd_tsad_135()


def test_load_yeast_expression_matches_the_data_card():
    values, classes, arrays = load_yeast_expression()
    assert values.shape == (186, 79) and len(arrays) == 79
    assert {k: int((classes == k).sum()) for k in ("Ribo", "Proteas", "Resp")} == {"Ribo": 121, "Proteas": 35,
                                                                                       "Resp": 30}
    assert int(np.isnan(values).sum()) == 214
    assert arrays[:2] == ["alpha 0", "alpha 7"] and sum(a.startswith("alpha") for a in arrays) == 18


def test_fill_gaps_interpolates_linearly_and_keeps_measured_values():
    v = np.array([np.nan, 1.0, np.nan, np.nan, 4.0, np.nan])
    np.testing.assert_array_equal(fill_gaps(v), [1.0, 1.0, 2.0, 3.0, 4.0, 4.0])
    with pytest.raises(ValueError, match="no measured"):
        fill_gaps(np.full(3, np.nan))
    with pytest.raises(ValueError, match="1-D"):
        fill_gaps(np.zeros((2, 2)))
