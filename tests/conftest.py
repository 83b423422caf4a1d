"""Shared fixtures: a small valid knowledge base in a temp folder, a way to run `kb`,
and the test knowledge base's site, built once per session for each audience."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hypothesis import settings

from kbtools.cli import main
from kbtools.load.loader import load

pytest.register_assert_rewrite("chromium")  # a plugin (`pytest_plugins`) that test modules also import

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
FIXTURE = FIXTURES / "minimal"  # small and valid: copied for every test that edits it
SITE_FIXTURE = FIXTURES / "site"  # richer: the golden checklists and the site tests are built from it
GOLDEN = TESTS / "golden"  # the checklists of SITE_FIXTURE (tests/e2e/test_checklist.py, `make golden`)
REPO = TESTS.parent
TODAY = "2026-11-22"

# Hypothesis: CI (CI=true, as GitHub Actions and the CI of .ci/run set it) runs the same bounded examples
# every time with no deadline, so a slow machine never fails a test; developers get fresh
# random examples. HYPOTHESIS_PROFILE=ci|dev chooses explicitly.
settings.register_profile("ci", derandomize=True, max_examples=200, deadline=None, database=None,
                          print_blob=True)
settings.register_profile("dev", max_examples=100, deadline=500)
ON_CI = os.environ.get("CI", "").lower() in ("true", "1")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if ON_CI else "dev"))


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
        argv = [*list(args), "--root", str(self.root)]
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


# -- the site of the fixture knowledge base -------------------------------------------

SITE_TODAY = TODAY  # SOP-CARE-002 is due soon, POL-CARE-001 overdue, the other documents current
MOVED = "sops/moved/renamed-procedure.md"  # SOP-FLD-001, away from sops/field/SOP-FLD-001.md


# Run kb, but SIGKILL it at the n-th call of os.<name> (files are replaced by os.replace, the
# journal is created by os.link and removed by os.unlink).
_KILL_AT = """
import os, signal, sys
name, n = sys.argv[1], int(sys.argv[2])
real = getattr(os, name)
calls = []
def kill(*a, **k):
    calls.append(1)
    if len(calls) == n:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*a, **k)
setattr(os, name, kill)
from kbtools.cli import main
main(sys.argv[3:])
"""


def kill_kb_at(name: str, n: int, argv: list[str], cwd: Path) -> None:
    """`kb argv`, killed (SIGKILL) at its n-th call of os.<name>; fails unless it was."""
    proc = subprocess.run([sys.executable, "-c", _KILL_AT, name, str(n), *argv],
                          capture_output=True, text=True, cwd=cwd, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr


def free_port() -> int:
    """A port on 127.0.0.1 the system picks, for a server a test starts in another process."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def copy_site_kb(dest: Path) -> Path:
    """A copy of tests/fixtures/site/ (the theme's assets and overrides as files, not links),
    with one document moved to another folder under another name."""
    shutil.copytree(SITE_FIXTURE, dest)
    (dest / MOVED).parent.mkdir(parents=True)
    (dest / "sops/field/SOP-FLD-001.md").rename(dest / MOVED)
    return dest


def without_contact(root: Path) -> Path:
    """The knowledge base at `root` with no help_centre.contact (the last setting of the fixture's kb.yml)."""
    path = root / "kb.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("  contact:")], encoding="utf-8")
    return root


def mkdocs_build(root: Path, site: Path, audience: str = "internal", strict: bool = True,
                 today: str = SITE_TODAY) -> subprocess.Popen:
    """Start `mkdocs build` of root/mkdocs.yml into `site`; `finish` waits for it."""
    env = dict(os.environ, KB_AUDIENCE=audience, KB_TODAY=today, NO_MKDOCS_2_WARNING="1")
    argv = [sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml"), "-d", str(site)]
    return subprocess.Popen(argv + (["--strict"] if strict else []), env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def finish(process: subprocess.Popen, timeout: float = 90) -> tuple[int, str]:
    """Wait for a build; within the per-test timeout, so a stuck build fails with its output."""
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
        pytest.fail(f"mkdocs build took more than {timeout} s:\n{out}")
    return process.returncode, out


def build_both(root: Path, base: Path, today: str = SITE_TODAY) -> dict[str, Path]:
    """Both audiences of root/mkdocs.yml, built in parallel with --strict; fails on any error."""
    sites = {a: base / f"site-{a}" for a in ("internal", "public")}
    runs = {a: mkdocs_build(root, site, a, today=today) for a, site in sites.items()}
    for audience, process in runs.items():
        code, out = finish(process)
        assert code == 0, f"{audience} build failed:\n{out}"
        assert "Traceback" not in out
    return sites


@dataclass(frozen=True)
class Sites:
    kb: Path
    internal: Path
    public: Path

    def page(self, audience: str, src: str) -> str:
        url = src[:-3]
        url = url[: -len("index")] if url.endswith("index") else url + "/"
        return (getattr(self, audience) / url / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sites(tmp_path_factory) -> Sites:
    """The fixture knowledge base's two sites: one build per audience for the whole session."""
    base = tmp_path_factory.mktemp("site-builds")
    root = copy_site_kb(base / "kb")
    built = build_both(root, base)
    return Sites(root, built["internal"], built["public"])


@pytest.fixture(scope="session")
def site_kb():
    """tests/fixtures/site/ loaded: what the session's sites show (but for MOVED's path)."""
    return load(SITE_FIXTURE)


# -- an independent reading of who owns what (plain YAML, not kbtools), for CODEOWNERS ----


def _yaml(root: Path, rel: str):
    return yaml.safe_load((root / rel).read_text(encoding="utf-8")) or {}


def _front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])


def expected_handles(root: Path, ref: str) -> list[str]:
    """The CODEOWNERS owners of `person:<id>` or `team:<id>`, read from org/ directly."""
    people = {p["id"]: p for p in _yaml(root, "org/people.yaml")["people"]}
    teams = {t["id"]: t for t in _yaml(root, "org/teams.yaml")["teams"]}

    def person(p: dict) -> str:
        return "@" + p["github"].lstrip("@") if p.get("github") else p["email"]

    kind, _, ident = ref.partition(":")
    if kind == "person":
        return [person(people[ident])]
    team = teams[ident]
    if team.get("github"):
        return ["@" + team["github"].lstrip("@")]
    return [person(p) for p in people.values() if p.get("team") == ident and p.get("active", True)]


def kmt_handles(root: Path) -> list[str]:
    return expected_handles(root, "team:" + _yaml(root, "kb.yml").get("kmt_team", "kmt"))


def assert_codeowners(root: Path) -> int:
    """root/.github/CODEOWNERS, read by an independent parser: every document is owned by its
    owner and the KMT, every account by its owner, the registry by the KMT. Returns the files checked."""
    from codeowners import CodeOwners

    parsed = CodeOwners((root / ".github/CODEOWNERS").read_text(encoding="utf-8"))

    def owners(rel: str) -> list[str]:
        return [owner for _, owner in parsed.of(rel)]

    kmt = kmt_handles(root)
    count = 0
    for path in sorted((root / "sops").rglob("*.md")):
        rel = path.relative_to(root).as_posix()
        wanted = list(dict.fromkeys(expected_handles(root, _front_matter(path)["owner"]) + kmt))
        assert owners(rel) == wanted, rel
        count += 1
    for path in sorted((root / "accounts").glob("*.yaml")):
        rel = path.relative_to(root).as_posix()
        assert owners(rel) == expected_handles(root, _yaml(root, rel)["owner"]), rel
        count += 1
    for rel in ("org/people.yaml", "org/teams.yaml", "kb.yml", "schemas/sop.schema.json", "sops/new/NEW.md"):
        assert owners(rel) == kmt, rel
    return count


@pytest.fixture(autouse=True)
def _no_store_from_the_environment(monkeypatch):
    """The feedback store is where a test says (`--store`, or its own `KB_STORE`), never the caller's."""
    monkeypatch.delenv("KB_STORE", raising=False)
