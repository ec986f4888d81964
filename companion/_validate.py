"""Argument checks shared by every module of ``companion``.

One error type per kind of mistake, as in Python and torch:

- a value of the wrong **type** (a float or a bool where an integer is needed,
  ``None`` where randomness needs a generator) raises ``TypeError``;
- a value of the right type that is out of range, not one of the allowed
  choices, or of the wrong shape raises ``ValueError``.

Every message names the argument, what was expected and what was given.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["check_positive_int", "check_nonnegative", "check_one_of", "as_rng"]


def check_positive_int(name: str, value, minimum: int = 1) -> int:
    """Return ``value`` as an int; TypeError unless it is an integer, ValueError if below ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} of type {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_nonnegative(name: str, value, *, strict: bool = False) -> float:
    """Return ``value`` as a float; TypeError unless it is a real number, ValueError if negative (or 0 if strict)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} of type {type(value).__name__}")
    if not np.isfinite(value) or (value <= 0 if strict else value < 0):
        raise ValueError(f"{name} must be {'> 0' if strict else '>= 0'} and finite, got {value}")
    return float(value)


def check_one_of(name: str, value, choices) -> None:
    """ValueError unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")


def as_rng(rng, name: str = "rng") -> np.random.Generator:
    """A ``numpy.random.Generator`` as it is, or one seeded from an int seed >= 0.

    ``None`` is refused (TypeError): it would draw fresh entropy from the operating
    system, and the result could not be reproduced.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"{name} must be a numpy.random.Generator or an int seed >= 0, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(f"{name} must be a numpy.random.Generator or an int seed >= 0, got {rng!r}"
                    + (" (None would make the result irreproducible)" if rng is None else ""))
