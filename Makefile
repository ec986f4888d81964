# Two targets for users:
#   make book   build the book from scratch, executing every notebook -> _build/html
#   make test   unit tests + nbval on every notebook + a warnings-as-errors build
# and two for authors:
#   make unit   the package's unit tests and the guards only (no notebook runs)
#   make audit  every hidden assert's distance to its bound, under five
#               conditions (idle, one core busy, one thread, two other seeds)
# Both create the virtual environment .venv on first use and reinstall
# requirements only when requirements.txt or pyproject.toml changed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := book

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.requirements-installed

# Tools from the venv first: jupyter-book and nbval start kernels by name.
# (Do not export MPLBACKEND: ipykernel only selects the inline backend when it
# is unset, and notebooks would lose their figures.)
export PATH := $(BIN):$(PATH)
export VIRTUAL_ENV := $(CURDIR)/$(VENV)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: book test unit audit

book: $(STAMP)
	$(BIN)/jupyter-book build . --builder html --all
	@echo "Book written to _build/html/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest tests -m "not book and not notebook"

audit: $(STAMP)
	for c in idle busy threads1 seed1000 seed2000; do $(BIN)/python tests/book/audit_asserts.py run $$c; done
	$(BIN)/python tests/book/audit_asserts.py report 10

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -r requirements.txt
	touch $@
