"""Shared fixtures: a small valid knowledge base in a temp folder, and a way to run `kb`."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from kbtools.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE = FIXTURES / "minimal"  # small and valid: copied for every test that edits it
SITE_FIXTURE = FIXTURES / "site"  # richer: the golden checklists and the site tests are built from it
REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-22"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


class KB:
    """A writable copy of the minimal knowledge base."""

    def __init__(self, root: Path, capsys):
        self.root = root
        self._capsys = capsys

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def edit(self, rel: str, old: str, new: str) -> None:
        text = self.read(rel)
        assert old in text, f"{old!r} not in {rel}"
        self.write(rel, text.replace(old, new, 1))

    def run(self, *args: str, today: str | None = TODAY) -> Result:
        argv = list(args) + ["--root", str(self.root)]
        if today:
            argv += ["--today", today]
        return run_kb(argv, self._capsys)

    def check(self, *args: str, today: str | None = TODAY) -> Result:
        return self.run("check", *args, today=today)

    def findings(self, *args: str, today: str | None = TODAY) -> list[dict]:
        return self.check("--format", "json", *args, today=today).json()["findings"]


def run_kb(argv: list[str], capsys) -> Result:
    capsys.readouterr()
    try:
        main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    else:  # pragma: no cover - main always exits
        code = 0
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


@pytest.fixture
def kb(tmp_path, capsys) -> KB:
    root = tmp_path / "kb"
    shutil.copytree(FIXTURE, root)
    return KB(root, capsys)


def codes(findings: list[dict]) -> list[str]:
    return [f["code"] for f in findings]


def only(findings: list[dict], code: str) -> dict:
    hits = [f for f in findings if f["code"] == code]
    assert len(hits) == 1, f"expected one {code}, got {findings}"
    return hits[0]
