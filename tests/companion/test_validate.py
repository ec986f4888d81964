"""companion._validate: one error type per kind of mistake, and messages that name the argument."""

import numpy as np
import pytest

from companion._validate import as_rng, check_nonnegative, check_one_of, check_positive_int


def test_positive_int():
    assert check_positive_int("n", np.int64(3)) == 3 and isinstance(check_positive_int("n", 3), int)
    assert check_positive_int("delay", 0, minimum=0) == 0
    for wrong_type in (2.0, True, "3", None):
        with pytest.raises(TypeError, match=r"n must be an integer >= 1, got"):
            check_positive_int("n", wrong_type)
    with pytest.raises(ValueError, match=r"n must be an integer >= 1, got 0"):
        check_positive_int("n", 0)


def test_nonnegative():
    assert check_nonnegative("lr", 0) == 0.0
    with pytest.raises(ValueError, match=r"lr must be > 0 and finite, got 0"):
        check_nonnegative("lr", 0, strict=True)
    with pytest.raises(ValueError, match=r"eps must be >= 0 and finite, got -1"):
        check_nonnegative("eps", -1)
    with pytest.raises(ValueError, match=r"eps must be >= 0 and finite, got nan"):
        check_nonnegative("eps", float("nan"))
    with pytest.raises(TypeError, match=r"lr must be a number, got '1e-3'"):
        check_nonnegative("lr", "1e-3")


def test_one_of():
    check_one_of("cell", "GRU", ("RNN", "GRU"))
    with pytest.raises(ValueError, match=r"cell must be one of \('RNN', 'GRU'\), got 'LSTM'"):
        check_one_of("cell", "LSTM", ("RNN", "GRU"))


def test_as_rng_refuses_none_and_negative_seeds():
    g = np.random.default_rng(0)
    assert as_rng(g) is g
    assert as_rng(5).integers(100) == np.random.default_rng(5).integers(100)
    with pytest.raises(TypeError, match=r"rng must be .*got None \(None would make the result irreproducible\)"):
        as_rng(None)
    with pytest.raises(ValueError, match=r"rng must be .*got -1"):
        as_rng(-1)
    with pytest.raises(TypeError, match=r"seed must be"):
        as_rng(1.5, name="seed")
