"""Property tests: whatever damage is done to any file of the fixture knowledge bases, `kb check`
exits 0, 1 or 2 without a traceback, in every format its output parses, and every error is located.

The damage (tests/fuzz/mutations.py): byte flips, YAML-special characters inserted, deletions,
duplicated lines, huge repetition, bytes that are not UTF-8 and other encodings, indentation
changes and renames, up to three at once. Bounded for the suite (a few seconds under the CI
profile of tests/conftest.py); `bench/fuzz.py` runs the long campaign.
"""

from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import FORMATS, KINDS, REPEATS, SPECIAL, Mutation, damaged, line_counts, problems, run_check

from conftest import FIXTURE, SITE_FIXTURE
from kbtools.load.limits import text_findings

FIXTURES = {"minimal": FIXTURE, "site": SITE_FIXTURE}
FILES = {name: sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
         for name, root in FIXTURES.items()}

mutations = st.builds(
    Mutation,
    kind=st.sampled_from(KINDS),
    at=st.floats(0, 1, allow_nan=False),
    size=st.integers(0, 400),
    payload=st.one_of(st.sampled_from(SPECIAL), st.binary(min_size=1, max_size=6)),
    times=st.sampled_from(REPEATS),
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    base = tmp_path_factory.mktemp("fuzz")
    return {name: shutil.copytree(root, base / name) for name, root in FIXTURES.items()}


@pytest.mark.parametrize("name", FIXTURES)
@FUZZ
@given(pick=st.integers(0, 10_000), damage=st.lists(mutations, min_size=1, max_size=3), fmt=st.sampled_from(FORMATS))
def test_kb_check_survives_any_damage(copies, name, pick, damage, fmt):
    root = copies[name]
    rel = FILES[name][pick % len(FILES[name])]
    with damaged(root, rel, damage) as now:
        code, out, err = run_check(root, fmt)
        lines = line_counts(root, rel, now)
        if now.startswith("docs/") and (root / now).is_file():  # the site's pages: the limits helper too
            text_findings(now, (root / now).read_bytes().decode("utf-8", "replace"))
    assert problems(fmt, code, out, err, lines) == [], f"{rel} -> {now}: {[m.describe() for m in damage]}"


def test_the_fixtures_are_clean_to_start_with(copies):
    for name, root in copies.items():
        for fmt in FORMATS:
            code, out, err = run_check(root, fmt)
            assert problems(fmt, code, out, err) == [] and code in (0, 1), (name, fmt, out, err)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_output_checks_catch_what_they_look_for(fmt):
    assert problems(fmt, 2, "", "kb: internal error: KeyError: 'x'\n")
    assert problems(fmt, 2, "", "")
    assert problems(fmt, 3, "", "kb: error: x\n")
    if fmt == "json":
        assert problems(fmt, 1, "{not json", "")
        bad = ('{"summary": {"errors": 1, "warnings": 0}, "findings": [{"path": "a", "line": 0, "col": 0, '
               '"severity": "error", "code": "yaml-syntax", "message": "m"}]}')
        assert problems(fmt, 1, bad, "") == ["a: an error without a line: [yaml-syntax]"]
    elif fmt == "junit":
        assert problems(fmt, 1, "<testsuites", "")
    elif fmt == "text":
        assert problems(fmt, 1, "a: error: m [yaml-syntax]\n\n1 error, 0 warnings in 1 file (1 file checked)\n", "")
        assert problems(fmt, 0, "a:1:1: error: m\nsecond line [yaml-syntax]\n", "")
    else:
        assert problems(fmt, 1, "::error file=a,title=yaml-syntax::m\n1 error, 0 warnings (1 file checked)\n", "")
