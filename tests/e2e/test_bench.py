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


@pytest.fixture
def growth(monkeypatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(REPO / "bench"))
    return importlib.import_module("growth")


def test_growth_measures_kb_check_at_each_size_and_tabulates_it(growth, tmp_path, capsys):
    args = growth.parse_args(["--check-records", "20,10", "--repeat", "1", "--out", str(tmp_path)])
    assert args.check_records == [10, 20]
    measured = [growth.check_size(n, tmp_path, args) for n in args.check_records]
    assert [(s.documents, s.accounts) for s in measured] == [(2, 8), (4, 16)]
    assert not list(tmp_path.iterdir())  # the generated knowledge bases are deleted
    rows = growth.growth(measured)
    assert [r["records"] for r in rows] == [10, 20]
    assert rows[0]["cpu_per_record_vs_smallest"] == 1.0 and rows[0]["cpu_exponent"] is None
    assert all(r["peak_mb"] > 0 and r["baseline_wall_s"] > 0 for r in rows)
    table = growth.markdown("kb check", rows, "records (documents + accounts)").splitlines()
    assert table[2].startswith("| records (documents + accounts) | wall s |")
    assert table[4].startswith("| 10 (2 + 8) |") and table[5].startswith("| 20 (4 + 16) |")
    assert len(table) == 6


def test_growth_exponent_tells_linear_from_quadratic(growth):
    assert growth.exponent(1000, 2.0, 10000, 20.0) == 1.0
    assert growth.exponent(1000, 2.0, 10000, 200.0) == 2.0
    assert growth.exponent(1000, 0.0, 10000, 2.0) is None


def test_growth_refuses_sizes_the_id_formats_cannot_hold(growth, capsys):
    with pytest.raises(SystemExit) as exc:
        growth.parse_args(["--check-records", "200000"])
    assert exc.value.code == 2
    assert "more than the id formats allow" in capsys.readouterr().err
    assert growth.split_records(100_000) == (20_000, 80_000)


def test_growth_site_knowledge_base_is_valid(growth, tmp_path, capsys):
    root = tmp_path / "kb"
    growth.site_kb(root, 12, "test-seed")
    assert (root / "mkdocs.yml").is_file() and (root / "docs").is_dir()
    result = run_kb(["check", "--strict", "--root", str(root), "--today", growth.generator.TODAY], capsys)
    assert result.code == 0, result.out + result.err
