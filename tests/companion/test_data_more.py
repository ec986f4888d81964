"""companion.data: delayed_recall (the target is the symbol lag steps back) and load_elnino."""

import numpy as np
import pytest

from companion.data import delayed_recall


def test_sign_encoding_targets_are_the_bits_lag_steps_back():
    x, y = delayed_recall(4, 20, 3, rng=0)
    assert x.shape == (4, 20, 1) and x.dtype == np.float32
    assert y.shape == (4, 20) and y.dtype == np.int64
    bits = (x[..., 0] > 0).astype(np.int64)
    assert set(np.unique(x)) == {-1.0, 1.0}
    np.testing.assert_array_equal(y[:, 3:], bits[:, :-3])
    assert (y[:, :3] == -1).all()


def test_one_hot_encoding_and_ignore_index():
    x, y = delayed_recall(5, 12, 2, rng=1, n_symbols=7, encoding="one_hot", ignore_index=99)
    assert x.shape == (5, 12, 7)
    np.testing.assert_array_equal(x.sum(-1), 1.0)
    symbols = x.argmax(-1)
    np.testing.assert_array_equal(y[:, 2:], symbols[:, :-2])
    assert (y[:, :2] == 99).all()


def test_same_seed_same_arrays_and_the_stream_of_rng_integers():
    a = delayed_recall(3, 10, 1, rng=7)
    b = delayed_recall(3, 10, 1, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a[0], b[0])
    bits = np.random.default_rng(7).integers(0, 2, size=(3, 10))
    np.testing.assert_array_equal(a[0][..., 0], 2.0 * bits - 1.0)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n=2, T=3, lag=3), "T"),
        (dict(n=2, T=5, lag=0), "lag"),
        (dict(n=0, T=5, lag=1), "n"),
        (dict(n=2, T=5, lag=1, n_symbols=3), "encoding"),
        (dict(n=2, T=5, lag=1, encoding="bits"), "encoding"),
        (dict(n=2, T=5, lag=1, ignore_index=1), "ignore_index"),
        (dict(n=2, T=5, lag=1, n_symbols=1, encoding="one_hot"), "n_symbols"),
    ],
)
def test_bad_arguments_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=name):
        delayed_recall(rng=0, **kwargs)


def test_load_elnino_matches_the_data_card():
    from statsmodels.datasets import elnino

    from companion.data import load_elnino

    months, sst = load_elnino()
    assert months.shape == sst.shape == (732,)
    assert str(months[0]) == "1950-01" and str(months[-1]) == "2010-12"
    assert np.isfinite(sst).all() and 15 < sst.min() < sst.max() < 30  # degrees C
    table = elnino.load_pandas().data
    assert sst[13] == table.loc[1, "FEB"]  # February 1951, in time order
