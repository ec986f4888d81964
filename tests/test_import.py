"""The tests exercise the package in this repository, not a look-alike.

tests/companion/ mirrors the package's layout; without ``pythonpath = ["."]``
in pyproject.toml, ``pytest`` started as a script (not ``python -m pytest``)
imports that folder as a namespace package called ``companion``.
"""

from pathlib import Path

import companion

ROOT = Path(__file__).resolve().parents[1]


def test_companion_is_the_package_in_this_repository():
    assert companion.__file__ is not None, "companion was imported as a namespace package"
    assert Path(companion.__file__).resolve() == ROOT / "companion" / "__init__.py"
