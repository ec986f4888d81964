"""Forecasting done right: rolling origins, the baselines every forecast must beat,
linear autoregressions (recursive and direct), error per horizon and interval coverage.

A forecast is made at an *origin* t, the index of the last value it may use, for the
horizons h = 1 … H, that is for ``series[t + 1 : t + H + 1]``. Every function here takes
the whole series and an array of origins and returns arrays of shape (n_origins, H),
so all models are scored on exactly the same targets. Rolling-origin (walk-forward)
evaluation is one origin per step of the test span: each forecast sees only the past.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.signal import lfilter

from ._validate import check_positive_int

__all__ = [
    "rolling_origins",
    "past_windows",
    "future_targets",
    "persistence",
    "seasonal_naive",
    "fit_ar",
    "ar_recursive",
    "fit_ar_direct",
    "ar_direct",
    "rmse_by_horizon",
    "residual_intervals",
    "coverage",
    "paired_block_bootstrap",
    "rolling_zscore",
    "ewma_variance",
    "garch11_variance",
    "fit_garch11",
    "gaussian_nll",
]


def _series(series) -> np.ndarray:
    series = np.asarray(series, dtype=np.float64)
    if series.ndim != 1:
        raise ValueError(f"series must be 1-D (T,), got shape {series.shape}")
    if not np.all(np.isfinite(series)):
        raise ValueError("series must be finite: fill or drop missing values first")
    return series


def _origins(origins, series, horizon, window=1) -> np.ndarray:
    origins = np.asarray(origins)
    if origins.ndim != 1 or not np.issubdtype(origins.dtype, np.integer):
        raise ValueError(f"origins must be a 1-D array of integer indices, got {origins.dtype} {origins.shape}")
    T = len(series)
    if origins.size and (origins.min() < window - 1 or origins.max() + horizon >= T):
        raise ValueError(f"origins must lie in [{window - 1}, {T - 1 - horizon}] for a series of length {T}, "
                         f"window {window} and horizon {horizon}; got [{origins.min()}, {origins.max()}]")
    return origins


def rolling_origins(first: int, last: int, step: int = 1) -> np.ndarray:
    """Origins first, first + step, … ≤ last: one forecast per step of a test span."""
    step = check_positive_int("step", step)
    if not 0 <= first <= last:
        raise ValueError(f"need 0 <= first <= last, got first={first}, last={last}")
    return np.arange(first, last + 1, step)


def past_windows(series, origins, window: int) -> np.ndarray:
    """The last ``window`` values seen at each origin, oldest first: (n_origins, W)."""
    series = _series(series)
    W = check_positive_int("window", window)
    origins = _origins(origins, series, 0, W)
    return series[origins[:, None] - W + 1 + np.arange(W)]


def future_targets(series, origins, horizon: int) -> np.ndarray:
    """What each origin's forecast must hit, ``series[t + 1 … t + H]``: (n_origins, H)."""
    series = _series(series)
    H = check_positive_int("horizon", horizon)
    origins = _origins(origins, series, H)
    return series[origins[:, None] + 1 + np.arange(H)]


def persistence(series, origins, horizon: int) -> np.ndarray:
    """The naive forecast: the last value seen, for every horizon (the random walk's forecast)."""
    series = _series(series)
    H = check_positive_int("horizon", horizon)
    origins = _origins(origins, series, H)
    return np.repeat(series[origins][:, None], H, axis=1)


def seasonal_naive(series, origins, horizon: int, period: int) -> np.ndarray:
    """The value one season earlier: ``series[t + h - m·ceil(h / m)]`` for period m."""
    series = _series(series)
    H = check_positive_int("horizon", horizon)
    m = check_positive_int("period", period)
    origins = _origins(origins, series, H, m)
    h = np.arange(1, H + 1)
    back = m * np.ceil(h / m).astype(int)  # (H,): the latest same-season value already seen
    return series[origins[:, None] + h - back]


def _lagged(series, p, horizon):
    """Rows [1, y_t, y_{t-1}, …, y_{t-p+1}] for every usable t, and the values h steps later."""
    T = len(series)
    t = np.arange(p - 1, T - horizon)
    X = np.column_stack([np.ones(len(t))] + [series[t - j] for j in range(p)])  # (n, 1 + p)
    return X, t


def fit_ar(series, p: int) -> np.ndarray:
    """Least-squares AR(p) with an intercept: y_{t+1} ≈ c + Σ_j a_j y_{t-j}. Returns [c, a_0, …, a_{p-1}]."""
    series = _series(series)
    p = check_positive_int("p", p)
    if len(series) < 2 * p + 2:
        raise ValueError(f"series of length {len(series)} is too short to fit AR({p})")
    X, t = _lagged(series, p, 1)
    coef, *_ = np.linalg.lstsq(X, series[t + 1], rcond=None)
    return coef


def ar_recursive(coef, series, origins, horizon: int) -> np.ndarray:
    """Iterate a one-step AR model: each forecast becomes an input of the next horizon."""
    series = _series(series)
    coef = np.asarray(coef, dtype=np.float64)
    p = len(coef) - 1
    H = check_positive_int("horizon", horizon)
    origins = _origins(origins, series, H, p)
    lags = series[origins[:, None] - np.arange(p)]  # (n, p): y_t, y_{t-1}, …
    out = np.empty((len(origins), H))
    for h in range(H):
        out[:, h] = coef[0] + lags @ coef[1:]
        lags = np.column_stack([out[:, h], lags[:, :-1]])  # the forecast enters as the newest lag
    return out


def fit_ar_direct(series, p: int, horizon: int) -> np.ndarray:
    """One least-squares AR(p) per horizon: y_{t+h} ≈ c_h + Σ_j a_{h,j} y_{t-j}. Returns (H, 1 + p)."""
    series = _series(series)
    p = check_positive_int("p", p)
    H = check_positive_int("horizon", horizon)
    coefs = []
    for h in range(1, H + 1):
        X, t = _lagged(series, p, h)
        coef, *_ = np.linalg.lstsq(X, series[t + h], rcond=None)
        coefs.append(coef)
    return np.array(coefs)


def ar_direct(coefs, series, origins) -> np.ndarray:
    """Forecasts of the direct models of :func:`fit_ar_direct`: horizon h uses its own coefficients."""
    series = _series(series)
    coefs = np.asarray(coefs, dtype=np.float64)
    if coefs.ndim != 2:
        raise ValueError(f"coefs must have shape (H, 1 + p), got {coefs.shape}")
    H, p = coefs.shape[0], coefs.shape[1] - 1
    origins = _origins(origins, series, H, p)
    X = np.column_stack([np.ones(len(origins))] + [series[origins - j] for j in range(p)])  # (n, 1 + p)
    return X @ coefs.T


def rmse_by_horizon(forecasts, targets) -> np.ndarray:
    """Root mean squared error at each horizon, over the origins: (H,)."""
    forecasts, targets = np.asarray(forecasts, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    if forecasts.shape != targets.shape or forecasts.ndim != 2:
        raise ValueError(f"forecasts and targets must share a shape (n_origins, H), got {forecasts.shape} "
                         f"and {targets.shape}")
    return np.sqrt(np.mean((forecasts - targets) ** 2, axis=0))


def residual_intervals(residuals, level: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (lower, upper), each (H,), from the empirical quantiles of past errors.

    ``residuals`` (n, H) are actual minus forecast on a span the model was not fitted on;
    the interval of a new forecast f is [f + lower, f + upper], with a share ``level`` of
    past errors inside it. No distribution is assumed, but the errors must be like the
    past ones: check with :func:`coverage` on later data.
    """
    residuals = np.asarray(residuals, dtype=np.float64)
    if residuals.ndim != 2:
        raise ValueError(f"residuals must have shape (n, H), got {residuals.shape}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    tail = (1.0 - level) / 2
    return np.quantile(residuals, tail, axis=0), np.quantile(residuals, 1.0 - tail, axis=0)


def coverage(lower, upper, actual) -> np.ndarray:
    """Share of actual values inside [lower, upper] at each horizon: (H,)."""
    lower, upper, actual = (np.asarray(a, dtype=np.float64) for a in (lower, upper, actual))
    if not lower.shape == upper.shape == actual.shape:
        raise ValueError(f"lower, upper and actual must share a shape, got {lower.shape}, {upper.shape}, "
                         f"{actual.shape}")
    if np.any(lower > upper):
        raise ValueError("lower must be <= upper everywhere")
    inside = (actual >= lower) & (actual <= upper)
    return inside.mean(axis=0) if inside.ndim == 2 else inside.mean()


def paired_block_bootstrap(loss_a, loss_b, block: int, *, rng, n_boot: int = 2000, level: float = 0.95):
    """Mean of ``loss_a - loss_b`` over origins, with a bootstrap interval that respects correlation.

    Forecasts from neighbouring origins share targets and weather, so their errors are
    correlated and an ordinary bootstrap would give too narrow an interval. The moving-block
    bootstrap resamples runs of ``block`` consecutive origins (e.g. a day of hourly origins)
    with replacement. Returns ``(mean, low, high)``; an interval that excludes 0 says that
    model b's loss is reliably lower (if positive) or higher (if negative) on this span.
    """
    d = np.asarray(loss_a, dtype=np.float64) - np.asarray(loss_b, dtype=np.float64)
    if d.ndim != 1:
        raise ValueError(f"loss_a and loss_b must be 1-D, one loss per origin, got shape {d.shape}")
    block = check_positive_int("block", block)
    n_boot = check_positive_int("n_boot", n_boot)
    n = len(d)
    if block > n:
        raise ValueError(f"block={block} is longer than the {n} origins")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    n_blocks = int(np.ceil(n / block))
    starts = rng.integers(0, n - block + 1, size=(n_boot, n_blocks))  # (B, n_blocks)
    idx = (starts[:, :, None] + np.arange(block)).reshape(n_boot, -1)[:, :n]  # (B, n)
    means = d[idx].mean(axis=1)
    tail = (1.0 - level) / 2
    return float(d.mean()), float(np.quantile(means, tail)), float(np.quantile(means, 1.0 - tail))


def rolling_zscore(series, window: int) -> np.ndarray:
    """Anomaly score |y_t - mean| / s.d. of the ``window`` values before t: (T,), NaN for t < window.

    The simplest detector: how unusual is the new value given the recent past? It uses no
    model and no training data, only the last ``window`` values.
    """
    series = _series(series)
    W = check_positive_int("window", window, 2)
    if len(series) <= W:
        raise ValueError(f"series of length {len(series)} is too short for window={W}")
    past = np.lib.stride_tricks.sliding_window_view(series[:-1], W)  # (T - W, W): values t-W..t-1
    score = np.full(len(series), np.nan)
    score[W:] = np.abs(series[W:] - past.mean(axis=1)) / np.maximum(past.std(axis=1), 1e-12)
    return score


# ---- Volatility: forecasts of the next squared return ------------------------------


def _returns(returns) -> np.ndarray:
    returns = _series(returns)
    if len(returns) < 2:
        raise ValueError(f"returns must hold at least 2 values, got {len(returns)}")
    return returns


def ewma_variance(returns, lam: float = 0.94, init: float | None = None) -> np.ndarray:
    """RiskMetrics' exponentially weighted variance: v_t = λ v_{t-1} + (1 - λ) r_{t-1}^2.

    ``v[t]`` is the forecast of the variance of ``returns[t]`` made with returns up to t - 1
    (``v[0] = init``, by default the variance of all returns: pass the training variance).
    """
    r = _returns(returns)
    if not 0.0 < lam < 1.0:
        raise ValueError(f"lam must lie in (0, 1), got {lam}")
    init = float(np.var(r)) if init is None else float(init)
    rest = lfilter([1.0 - lam], [1.0, -lam], r[:-1] ** 2, zi=[lam * init])[0]
    return np.concatenate([[init], rest])


def garch11_variance(params, returns, init: float | None = None) -> np.ndarray:
    """GARCH(1,1) (Bollerslev 1986): v_t = ω + α r_{t-1}^2 + β v_{t-1}, with ``params = (ω, α, β)``.

    Like :func:`ewma_variance`, ``v[t]`` uses returns up to t - 1 only; EWMA is the case
    ω = 0, α = 1 - λ, β = λ.
    """
    omega, alpha, beta = (float(x) for x in params)
    r = _returns(returns)
    init = float(np.var(r)) if init is None else float(init)
    t = np.arange(1, len(r))
    # the linear recursion v_t - β v_{t-1} = ω + α r_{t-1}^2, run by a filter
    rest = lfilter([alpha], [1.0, -beta], r[:-1] ** 2, zi=[beta * init])[0] + omega * (1 - beta ** t) / (1 - beta)
    return np.concatenate([[init], rest])


def gaussian_nll(variance, returns) -> float:
    """Mean of log v_t + r_t^2 / v_t: the Gaussian negative log-likelihood up to a constant (lower is better)."""
    v, r = np.asarray(variance, dtype=np.float64), np.asarray(returns, dtype=np.float64)
    if v.shape != r.shape:
        raise ValueError(f"variance and returns must share a shape, got {v.shape} and {r.shape}")
    if np.any(v <= 0):
        raise ValueError("variance must be positive")
    return float(np.mean(np.log(v) + r**2 / v))


def fit_garch11(returns) -> np.ndarray:
    """Maximum-likelihood (Gaussian) GARCH(1,1) parameters (ω, α, β), with ω > 0, α, β ≥ 0, α + β < 1."""
    r = _returns(returns)
    init = float(np.var(r))

    def objective(p):
        omega, alpha, beta = p
        if omega <= 0 or alpha < 0 or beta < 0 or alpha + beta >= 1:
            return np.inf
        return gaussian_nll(garch11_variance(p, r, init), r)

    start = np.array([0.05 * init, 0.08, 0.9])
    result = minimize(objective, start, method="Nelder-Mead",
                      options={"maxiter": 4000, "xatol": 1e-12, "fatol": 1e-12})
    return result.x
