# Two commands do all the set-up on a fresh machine:
#   make start   build the knowledge site and serve it, with the feedback and
#                knowledge-gap service, on http://127.0.0.1:8000 (kb serve)
#   make test    lint (ruff), type-check (mypy), then run the whole test suite:
#                the shipped content passes kb check and its site builds with
#                --strict, browser tests in headless Chromium included
#   make golden  rewrite tests/golden/ (the checklists of the fixture knowledge
#                base) after an intended change to kb checklist's output
#   make preview the editors' live-reload preview (mkdocs serve --dirty: a save rebuilds only the pages
#                it changes) on http://127.0.0.1:8001
# Both create .venv and install what they need on first use; `make test`
# installs Debian's chromium through apt when /usr/bin/chromium is missing.

PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
STAMP    := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
MKDOCS   := NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs

.PHONY: start preview test golden site site-public check reviews schema codes bench bench-import bench-site bench-preview bench-serve bench-growth clean

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

# The staff site as readers get it, rebuilt from the files on every start, with the
# feedback store in .kb/store.sqlite3 (git-ignored). Settings: kb serve --help.
start: $(STAMP)
	$(BIN)/kb serve --build --host 127.0.0.1 --port 8000

# For editing: rebuilt and reloaded in the browser on every save (the saved document's page first, then
# the pages that depend on it; see kbtools/site/incremental.py); feedback is not sent.
preview: $(STAMP)
	$(MKDOCS) serve --dirty -a 127.0.0.1:8001

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

bench-import: $(STAMP)
	$(BIN)/python bench/accounts_import.py

bench-site: $(STAMP)
	$(BIN)/python bench/site.py

bench-preview: $(STAMP)
	$(BIN)/python bench/preview.py

bench-serve: $(STAMP)
	$(BIN)/python bench/serve.py

bench-growth: $(STAMP)
	$(BIN)/python bench/growth.py

clean:
	rm -rf $(VENV) site site-public .bench test-output
