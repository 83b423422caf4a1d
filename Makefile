# Two commands do all the set-up on a fresh machine:
#   make start   check the knowledge base and print its review status
#   make test    run the whole test suite
# Both create .venv and install what they need on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: start test check reviews schema bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

start: $(STAMP)
	$(BIN)/kb check; rc=$$?; echo; $(BIN)/kb reviews --within 60; exit $$rc

test: $(STAMP)
	$(BIN)/python -m pytest -q

check: $(STAMP)
	$(BIN)/kb check

reviews: $(STAMP)
	$(BIN)/kb reviews

schema: $(STAMP)
	$(BIN)/kb schema

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) site .bench test-output
