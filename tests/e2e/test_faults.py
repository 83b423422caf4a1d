"""Writing commands killed with SIGKILL at random moments never leave a half-written knowledge base.

A short campaign of bench/faults.py (KB_FAULT_ROUNDS rounds, 40 by default; the
script runs longer ones): `kb review`, `kb owners reassign` and `kb new` are
killed at a random moment of their run; after each kill every file is entirely
old or entirely new, a reassign is all old or all new unless its journal is
there, `kb check` reports `interrupted-write` exactly when it is, and the next
command (`kb recover`, itself killed now and then) leaves a consistent state
and no temporary file. The campaign's self-test: a writer that is neither
atomic nor journaled is caught.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

from conftest import REPO

ROUNDS = int(os.environ.get("KB_FAULT_ROUNDS", "40"))


@pytest.fixture
def faults(monkeypatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(REPO / "bench"))
    return importlib.import_module("faults")


def test_killed_writers_leave_every_file_old_or_new_and_the_journal_tells_the_truth(faults, tmp_path):
    figures = faults.campaign(tmp_path, ROUNDS, "test-faults")
    print(figures.as_dict())
    assert figures.inconsistencies == []
    assert figures.rounds == ROUNDS
    assert figures.kills > 0 and figures.completed > 0, figures.as_dict()
    assert set(figures.commands) == {"review-sop", "review-account", "reassign", "new"}


def test_the_campaign_catches_a_writer_that_is_neither_atomic_nor_journaled(faults, tmp_path):
    figures = faults.campaign(tmp_path, 200, "test-broken", prelude=faults.UNSAFE_WRITES, stop_at_first=True)
    assert figures.inconsistencies, "a kill in the middle of an in-place write must be found"
