"""companion.forecast: origins, baselines, autoregressions, errors per horizon, intervals."""

import numpy as np
import pytest

from companion.forecast import (
    ar_direct,
    ar_recursive,
    coverage,
    ewma_variance,
    fit_ar,
    fit_ar_direct,
    fit_garch11,
    future_targets,
    garch11_variance,
    gaussian_nll,
    paired_block_bootstrap,
    past_windows,
    persistence,
    residual_intervals,
    rmse_by_horizon,
    rolling_origins,
    rolling_zscore,
    seasonal_naive,
)


def test_rolling_origins_and_what_each_origin_sees():
    origins = rolling_origins(3, 7, step=2)
    assert origins.tolist() == [3, 5, 7]
    series = np.arange(10.0)
    assert past_windows(series, origins, 3).tolist() == [[1, 2, 3], [3, 4, 5], [5, 6, 7]]
    assert future_targets(series, origins, 2).tolist() == [[4, 5], [6, 7], [8, 9]]


def test_origins_that_would_see_the_future_are_refused():
    series = np.arange(10.0)
    with pytest.raises(ValueError, match=r"origins must lie in \[0, 7\]"):
        future_targets(series, np.array([8]), 2)
    with pytest.raises(ValueError, match=r"origins must lie in \[3, "):
        past_windows(series, np.array([2]), 4)
    with pytest.raises(ValueError, match="integer"):
        persistence(series, np.array([1.5]), 1)
    with pytest.raises(ValueError, match="first <= last"):
        rolling_origins(5, 3)


def test_missing_values_are_refused():
    with pytest.raises(ValueError, match="finite"):
        persistence(np.array([1.0, np.nan, 3.0]), np.array([0]), 1)


def test_persistence_repeats_the_last_value():
    series = np.array([1.0, 4.0, 2.0, 8.0, 5.0])
    assert persistence(series, np.array([1, 3]), 1).tolist() == [[4.0], [8.0]]
    assert persistence(series, np.array([2]), 2).tolist() == [[2.0, 2.0]]


def test_seasonal_naive_is_exact_on_a_periodic_series():
    season = np.array([3.0, -1.0, 4.0, 1.0])
    series = np.tile(season, 6)
    origins = rolling_origins(3, 10)
    forecast = seasonal_naive(series, origins, horizon=9, period=4)  # horizons beyond one season too
    np.testing.assert_array_equal(forecast, future_targets(series, origins, 9))
    # horizon 5 with period 4 looks 8 steps back (one season before the last seen one)
    assert seasonal_naive(np.arange(20.0), np.array([10]), 5, 4)[0].tolist() == [7, 8, 9, 10, 7]


def deterministic_ar1(c=0.5, a=0.8, T=60, y0=10.0):
    y = np.empty(T)
    y[0] = y0
    for t in range(T - 1):
        y[t + 1] = c + a * y[t]
    return y


def test_ar_fit_recovers_an_exact_recursion_and_its_forecasts():
    y = deterministic_ar1() + 1e-3 * np.sin(np.arange(60))  # a small wiggle keeps the fit determined
    coef = fit_ar(y, 1)
    np.testing.assert_allclose(coef, [0.5, 0.8], atol=1e-2)
    exact = deterministic_ar1()
    coef = np.array([0.5, 0.8])
    origins = np.array([5, 20])
    forecast = ar_recursive(coef, exact, origins, 4)
    np.testing.assert_allclose(forecast, future_targets(exact, origins, 4), rtol=1e-12)


def test_direct_and_recursive_agree_on_a_linear_recursion():
    rng = np.random.default_rng(0)
    y = np.empty(400)
    y[:2] = 0.0
    for t in range(2, 400):  # AR(2) with noise: both strategies estimate the same h-step map
        y[t] = 0.3 + 0.6 * y[t - 1] + 0.2 * y[t - 2] + 0.1 * rng.standard_normal()
    coef = fit_ar(y[:300], 2)
    coefs = fit_ar_direct(y[:300], 2, 3)
    assert coefs.shape == (3, 3)
    np.testing.assert_allclose(coefs[0], coef, rtol=1e-10)  # horizon 1 is the one-step model
    origins = rolling_origins(300, 390)
    rec, direct = ar_recursive(coef, y, origins, 3), ar_direct(coefs, y, origins)
    assert np.abs(rec - direct).max() < 0.1
    targets = future_targets(y, origins, 3)
    naive = rmse_by_horizon(persistence(y, origins, 3), targets)
    assert np.all(rmse_by_horizon(rec, targets) < naive)  # the AR beats the random walk on an AR series


def test_rmse_by_horizon():
    f = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = np.array([[1.0, 0.0], [3.0, 0.0]])
    np.testing.assert_allclose(rmse_by_horizon(f, t), [0.0, np.sqrt((4 + 16) / 2)])
    with pytest.raises(ValueError, match="share a shape"):
        rmse_by_horizon(f, t[:1])


def test_residual_intervals_cover_their_level_on_like_errors():
    rng = np.random.default_rng(1)
    past = rng.normal(0.0, [1.0, 2.0, 3.0], size=(4000, 3))
    lower, upper = residual_intervals(past, level=0.8)
    np.testing.assert_allclose(upper, 1.2816 * np.array([1.0, 2.0, 3.0]), rtol=0.05)
    new = rng.normal(0.0, [1.0, 2.0, 3.0], size=(4000, 3))
    forecast = np.zeros_like(new)
    np.testing.assert_allclose(coverage(forecast + lower, forecast + upper, new), 0.8, atol=0.02)
    wider = rng.normal(0.0, [2.0, 4.0, 6.0], size=(4000, 3))  # errors larger than the past ones
    assert np.all(coverage(forecast + lower, forecast + upper, wider) < 0.6)
    with pytest.raises(ValueError, match="level"):
        residual_intervals(past, level=1.5)
    with pytest.raises(ValueError, match="lower must be <= upper"):
        coverage(np.ones(2), np.zeros(2), np.zeros(2))


def simulate_garch(omega, alpha, beta, T, seed):
    rng = np.random.default_rng(seed)
    r, v = np.empty(T), np.empty(T)
    v[0] = omega / (1 - alpha - beta)
    for t in range(T):
        if t:
            v[t] = omega + alpha * r[t - 1] ** 2 + beta * v[t - 1]
        r[t] = np.sqrt(v[t]) * rng.standard_normal()
    return r, v


def test_garch_variance_is_the_recursion_and_ewma_its_special_case():
    r, v = simulate_garch(1e-6, 0.1, 0.85, 500, seed=0)
    np.testing.assert_allclose(garch11_variance((1e-6, 0.1, 0.85), r, init=v[0]), v, rtol=1e-10)
    lam = 0.94
    np.testing.assert_allclose(ewma_variance(r, lam, init=v[0]), garch11_variance((0.0, 1 - lam, lam), r, init=v[0]),
                               rtol=1e-12)
    # v[t] never uses r[t]: changing the last return leaves every forecast unchanged
    r2 = r.copy()
    r2[-1] = 10.0
    np.testing.assert_array_equal(ewma_variance(r2, lam, init=1.0), ewma_variance(r, lam, init=1.0))


def test_fit_garch11_recovers_simulated_parameters_and_beats_a_constant():
    r, _ = simulate_garch(2e-6, 0.1, 0.85, 6000, seed=1)
    omega, alpha, beta = fit_garch11(r)
    assert abs(alpha - 0.1) < 0.04 and abs(beta - 0.85) < 0.06 and alpha + beta < 1
    const = gaussian_nll(np.full(len(r), r.var()), r)
    assert gaussian_nll(garch11_variance((omega, alpha, beta), r), r) < const - 0.05
    with pytest.raises(ValueError, match="positive"):
        gaussian_nll(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="lam"):
        ewma_variance(r, lam=1.0)


def test_paired_block_bootstrap_finds_a_real_difference_and_no_false_one():
    rng = np.random.default_rng(0)
    # correlated losses: an AR(1) common part, so neighbouring origins move together
    common = np.zeros(2000)
    for t in range(1, 2000):
        common[t] = 0.9 * common[t - 1] + rng.standard_normal()
    a = common + 0.3 * rng.standard_normal(2000)
    b = a + 0.3 * rng.standard_normal(2000)               # same expected loss
    mean, low, high = paired_block_bootstrap(a, b, 24, rng=np.random.default_rng(1))
    assert low < 0 < high and low < mean < high
    mean, low, high = paired_block_bootstrap(a + 0.2, b, 24, rng=np.random.default_rng(1))
    assert low > 0                                        # a is worse by 0.2
    wide = paired_block_bootstrap(common, np.zeros(2000), 50, rng=np.random.default_rng(2))
    narrow = paired_block_bootstrap(common, np.zeros(2000), 1, rng=np.random.default_rng(2))
    assert wide[2] - wide[1] > 2 * (narrow[2] - narrow[1])  # blocks widen it under correlation
    with pytest.raises(ValueError, match="block=30 is longer"):
        paired_block_bootstrap(np.zeros(10), np.zeros(10), 30, rng=rng)


def test_rolling_zscore_flags_a_spike_and_uses_only_the_past():
    rng = np.random.default_rng(0)
    y = rng.standard_normal(300)
    y[200] += 8.0
    z = rolling_zscore(y, 24)
    assert np.isnan(z[:24]).all() and np.nanargmax(z) == 200
    expected = abs(y[200] - y[176:200].mean()) / y[176:200].std()
    assert z[200] == pytest.approx(expected)
    y2 = y.copy()
    y2[250:] = 100.0                                      # the future changes nothing before it
    np.testing.assert_array_equal(rolling_zscore(y2, 24)[:250], z[:250])
    with pytest.raises(ValueError, match="window"):
        rolling_zscore(y, 1)
