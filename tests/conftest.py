"""Markers for the three kinds of test that `make test` runs.

- ``book``: the warnings-as-errors build (tests/book/test_book.py), set there;
- ``notebook``: every cell of every notebook that nbval re-executes, set here;
- everything else is a unit test of the package or a guard on the sources.

``make unit`` runs the last kind only: ``pytest tests -m "not book and not notebook"``.
"""

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.split("::")[0].endswith(".ipynb"):
            item.add_marker(pytest.mark.notebook)
