# Two commands do all the set-up on a fresh machine:
#   make start   build the knowledge site and serve it on http://127.0.0.1:8000
#   make test    lint (ruff), type-check (mypy), then run the whole test suite:
#                the shipped content passes kb check and its site builds with
#                --strict, browser tests in headless Chromium included
#   make golden  rewrite tests/golden/ (the checklists of the fixture knowledge
#                base) after an intended change to kb checklist's output
# Both create .venv and install what they need on first use; `make test`
# installs Debian's chromium through apt when /usr/bin/chromium is missing.

PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
STAMP    := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
MKDOCS   := NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs

.PHONY: start test golden site site-public check reviews schema codes bench bench-site clean

# constraints.txt pins every package to the version the site and the tests were
# checked with; pyproject.toml keeps the supported ranges.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

$(CHROMIUM):
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium

start: $(STAMP)
	$(MKDOCS) serve -a 127.0.0.1:8000

# The tests build the repository's site with --strict for both audiences
# (tests/e2e/test_shipped_content.py), so `make test` needs no build of its own.
test: $(STAMP) $(CHROMIUM)
	$(BIN)/ruff check kbtools tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

# The golden checklists come from tests/fixtures/site/, never from the live content:
# delete them all (so none of a removed case lingers), write them again, then
# review `git diff tests/golden/` before committing.
golden: $(STAMP)
	rm -f tests/golden/*.md tests/golden/*.html tests/golden/*.csv tests/golden/*.json
	KB_UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests/e2e/test_checklist.py -k golden

site: $(STAMP)
	$(MKDOCS) build --strict --site-dir site

site-public: $(STAMP)
	KB_AUDIENCE=public $(MKDOCS) build --strict --site-dir site-public

check: $(STAMP)
	$(BIN)/kb check

reviews: $(STAMP)
	$(BIN)/kb reviews

schema: $(STAMP)
	$(BIN)/kb schema

codes: $(STAMP)
	$(BIN)/python -m kbtools.codes README.md

bench: $(STAMP)
	$(BIN)/python bench/check.py

bench-site: $(STAMP)
	$(BIN)/python bench/site.py

clean:
	rm -rf $(VENV) site site-public .bench test-output
