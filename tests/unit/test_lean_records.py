"""Loading keeps little per record, and findings are still located where they were.

The loader parses without positions and finds them, by parsing the text
again, only for a record a finding is about (`LazyPos`); records given the
same keys share one set of them.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kbtools import models
from kbtools.load.yamlsrc import LazyPos, YAMLSourceError, parse

TEXT = """\
id: ACC-00042
name: "Example Fuel Co"
team: {im: person:bob, csm: person:carol}
products: [POS, Loyalty]
contacts:
  - name: Ann
    email: ann@example.com
  - &second
    name: Ben
    title: IT Manager
again: *second
when:
  tier: [1,
    2]
notes: >-
  folded
  text
last_review: 2026-10-01
"""


def paths(value, prefix=()):
    """Every path to a key or value of `value`."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(value, tuple):
        for i, v in enumerate(value):
            yield from paths(v, (*prefix, i))


@pytest.mark.parametrize("offset", [0, 5])
def test_positions_found_later_are_the_positions_of_the_first_parse(offset):
    value, pos = parse(TEXT, offset)
    lean, none = parse(TEXT, offset, positions=False)
    assert lean == value and none is None
    lazy = LazyPos(TEXT, offset)
    every = [*paths(value), ("contacts", 0, "phone"), ("nothing",), ("products", 9)]
    for path in every:
        for key in (False, True):
            if key and not path:
                continue
            assert lazy.locate(path, key=key) == pos.locate(path, key=key), (path, key)
    assert lazy.locate(("when", "tier", 1)) == (14 + offset, 5)
    assert lazy.locate(("last_review",), key=True) == (18 + offset, 1)


def test_a_duplicate_key_reads_the_same_without_positions():
    text = "id: ACC-00001\nname: a\ntier: 1\nname: b\n"
    messages = []
    for positions in (True, False):
        with pytest.raises(YAMLSourceError) as exc:
            parse(text, 3, positions=positions)
        messages.append((exc.value.code, exc.value.message, exc.value.line, exc.value.col))
    assert messages[0] == messages[1] == ("duplicate-key", "duplicate key 'name' (first defined on line 5)", 7, 1)


def test_findings_of_checks_point_into_the_record(kb):
    """A check's finding (not the schema's) still names the line and column of the value it is about."""
    kb.write("accounts/ACC-00001.yaml", TEXT.replace("ACC-00042", "ACC-00001")
             .replace("again: *second\n", "").replace("when:\n  tier: [1,\n    2]\n", "segment: NA\ntier: 1\n")
             .replace('name: "Example Fuel Co"', "name: Example\nstatus: active\nowner: person:alice")
             .replace("csm: person:carol", "csm: person:nobody"))
    found = {(f["code"], f["line"], f["col"]) for f in kb.findings()}
    assert found == {("unknown-reference", 5, 29), ("plan-missing", 1, 5)}  # team.csm; the record


def test_records_given_the_same_keys_report_them_apart():
    """Two records given the same keys share what they were given, yet a copy of one with a change
    changes neither."""
    a = models.Change.model_validate({"version": "1.0", "date": dt.date(2026, 1, 1), "summary": "a"})
    b = models.Change.model_validate({"version": "1.1", "date": dt.date(2026, 2, 1), "summary": "b"})
    c = models.Change.model_validate({"version": "1.2", "date": dt.date(2026, 3, 1), "summary": "c", "by": "team:x"})
    assert a.model_fields_set == b.model_fields_set == {"version", "date", "summary"}
    assert c.model_fields_set == {"version", "date", "summary", "by"}
    changed = a.model_copy(update={"by": "person:jdoe"})
    assert changed.model_fields_set == {"version", "date", "summary", "by"}
    assert a.model_fields_set == b.model_fields_set == {"version", "date", "summary"}
    assert a.model_dump(exclude_unset=True) == {"version": "1.0", "date": dt.date(2026, 1, 1), "summary": "a"}
