"""The benchmarks' generator: its trees pass `kb check`, and a seed always gives the same files.

The README's benchmark figures are comparable only while both hold, and the
benchmarks themselves are too slow to run with the suite.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

from conftest import REPO, run_kb


@pytest.fixture
def generator(monkeypatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(REPO / "bench"))
    return importlib.import_module("generator")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_synthetic_tree_passes_kb_check(generator, tmp_path, capsys):
    root = tmp_path / "kb"
    files = generator.synthetic(root, 14, 6, 40, "test-seed")
    result = run_kb(["check", "--strict", "--format", "json", "--root", str(root), "--today", generator.TODAY], capsys)
    assert result.code == 0, result.out + result.err
    summary = result.json()["summary"]
    assert (summary["files"], summary["errors"], summary["warnings"]) == (files, 0, 0)
    assert len(list((root / "sops").rglob("*.md"))) == 14
    assert len(list((root / "accounts").glob("ACC-*.yaml"))) == 6


def test_same_seed_same_files(generator, tmp_path):
    for name, seed in (("a", "test-seed"), ("b", "test-seed"), ("c", "another-seed")):
        generator.synthetic(tmp_path / name, 14, 6, 40, seed)
    first = tree(tmp_path / "a")
    assert len(first) == 14 + 6 + 5 + 2  # documents, accounts, org files, kb.yml and the marker
    assert tree(tmp_path / "b") == first
    assert tree(tmp_path / "c") != first
