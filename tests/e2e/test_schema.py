"""`kb schema`: JSON Schemas (draft 2020-12) generated from the models, checked by a real validator."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURE, REPO, run_kb

BIN = Path(sys.executable).parent
CHECK_JSONSCHEMA = BIN / "check-jsonschema"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
KINDS = ["sop", "account", "people", "teams", "roles", "departments", "glossary", "training", "kb-config"]


@pytest.fixture(autouse=True)
def _no_env_today(monkeypatch):
    monkeypatch.delenv("KB_TODAY", raising=False)


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("*.schema.json")}


# --------------------------------------------------------------------------
# writing and checking schemas/


def test_schema_writes_every_record_kind(kb):
    assert not (kb.root / "schemas").exists()
    res = kb.run("schema", today=None)
    assert res.code == 0, res.err
    folder = kb.root / "schemas"
    assert names(folder) >= {f"{k}.schema.json" for k in KINDS}
    assert "wrote" in res.out
    for path in folder.glob("*.schema.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["$schema"] == DRAFT_2020_12, path.name
        assert doc.get("type") == "object", path.name


def test_schema_content_follows_the_contract(kb):
    assert kb.run("schema", today=None).code == 0
    account = json.loads((kb.root / "schemas" / "account.schema.json").read_text(encoding="utf-8"))
    assert set(account["required"]) >= {"id", "name", "segment", "tier", "status", "owner"}
    assert account["additionalProperties"] is False, "unknown keys are errors"
    assert account["properties"]["tier"]["enum"] == [1, 2, 3]
    sop = json.loads((kb.root / "schemas" / "sop.schema.json").read_text(encoding="utf-8"))
    assert set(sop["required"]) >= {"id", "title", "type", "status", "department", "owner", "audience", "version",
                                    "effective"}
    people = json.loads((kb.root / "schemas" / "people.schema.json").read_text(encoding="utf-8"))
    assert people["required"] == ["people"]


def test_schema_second_run_changes_nothing(kb):
    assert kb.run("schema", today=None).code == 0
    before = {p.name: p.read_bytes() for p in (kb.root / "schemas").iterdir()}
    res = kb.run("schema", today=None)
    assert res.code == 0
    assert "up to date" in res.out
    after = {p.name: p.read_bytes() for p in (kb.root / "schemas").iterdir()}
    assert after == before, "no stray temp files, same bytes"


def test_schema_check_passes_when_current(kb):
    assert kb.run("schema", today=None).code == 0
    res = kb.run("schema", "--check", today=None)
    assert res.code == 0, res.out
    assert res.out.startswith("ok:")


def test_schema_check_without_schemas_folder_fails_and_writes_nothing(kb):
    res = kb.run("schema", "--check", today=None)
    assert res.code == 1
    for kind in KINDS:
        assert f"schemas/{kind}.schema.json" in res.out
    assert not (kb.root / "schemas").exists()


def test_schema_check_fails_after_an_edit_and_kb_schema_repairs_it(kb):
    assert kb.run("schema", today=None).code == 0
    path = kb.root / "schemas" / "account.schema.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["properties"]["tier"]["enum"] = [1, 2, 3, 4, 5]
    edited = json.dumps(doc, indent=2) + "\n"
    path.write_text(edited, encoding="utf-8")

    res = kb.run("schema", "--check", today=None)
    assert res.code == 1
    stale = [line for line in res.out.splitlines() if "error" in line]
    assert stale == [line for line in stale if line.startswith("schemas/account.schema.json:")]
    assert len(stale) == 1
    assert path.read_text(encoding="utf-8") == edited, "--check never writes"

    assert kb.run("schema", today=None).code == 0
    assert kb.run("schema", "--check", today=None).code == 0
    assert json.loads(path.read_text(encoding="utf-8"))["properties"]["tier"]["enum"] == [1, 2, 3]


def test_schema_check_fails_on_whitespace_only_difference(kb):
    assert kb.run("schema", today=None).code == 0
    path = kb.root / "schemas" / "roles.schema.json"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    res = kb.run("schema", "--check", today=None)
    assert res.code == 1 and "schemas/roles.schema.json" in res.out


def test_schema_check_fails_after_a_delete(kb):
    assert kb.run("schema", today=None).code == 0
    (kb.root / "schemas" / "glossary.schema.json").unlink()
    res = kb.run("schema", "--check", today=None)
    assert res.code == 1
    assert "schemas/glossary.schema.json" in res.out
    assert not (kb.root / "schemas" / "glossary.schema.json").exists()


def test_schema_check_fails_on_a_schema_no_model_produces(kb):
    assert kb.run("schema", today=None).code == 0
    (kb.root / "schemas" / "old-thing.schema.json").write_text("{}\n", encoding="utf-8")
    res = kb.run("schema", "--check", today=None)
    assert res.code == 1
    assert "schemas/old-thing.schema.json" in res.out


def test_schema_ignores_today(kb, monkeypatch):
    # KB_TODAY is irrelevant to schemas, even when it is nonsense
    monkeypatch.setenv("KB_TODAY", "whenever")
    assert kb.run("schema", today=None).code == 0


def test_committed_schemas_match_the_models(tmp_path, capsys):
    """The repository's schemas/ is fresh (run `kb schema` after changing kbtools/models.py)."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "kb.yml").write_text("# defaults\n", encoding="utf-8")
    shutil.copytree(REPO / "schemas", root / "schemas")
    res = run_kb(["schema", "--check", "--root", str(root)], capsys)
    assert res.code == 0, "schemas/ is stale; run `kb schema`:\n" + res.out


# --------------------------------------------------------------------------
# the real check-jsonschema tool against generated schemas


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A copy of the minimal KB with schemas/ written by `kb schema`."""
    root = tmp_path_factory.mktemp("schemas") / "kb"
    shutil.copytree(FIXTURE, root)
    proc = subprocess.run([str(BIN / "kb"), "schema", "--root", str(root)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    # SOP front matter as a YAML file of its own, so the SOP schema can be applied to it
    text = (root / "sops" / "ops" / "SOP-OPS-001.md").read_text(encoding="utf-8")
    front = text.split("---\n")[1]
    (root / "SOP-OPS-001.front.yaml").write_text(front, encoding="utf-8")
    return root


def check_jsonschema(root: Path, kind: str, *files: Path) -> subprocess.CompletedProcess:
    assert CHECK_JSONSCHEMA.exists(), f"{CHECK_JSONSCHEMA} missing: pip install -e '.[test]'"
    proc = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--schemafile", str(root / "schemas" / f"{kind}.schema.json"), *map(str, files)],
        capture_output=True, text=True, timeout=60,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


VALID = {
    "account": ["accounts/ACC-00001.yaml"],
    "people": ["org/people.yaml"],
    "teams": ["org/teams.yaml"],
    "roles": ["org/roles.yaml"],
    "departments": ["org/departments.yaml"],
    "glossary": ["org/glossary.yaml"],
    "training": ["training/TRN-901.yaml"],
    "kb-config": ["kb.yml"],
    "sop": ["SOP-OPS-001.front.yaml"],
}


@pytest.mark.parametrize("kind", list(VALID))
def test_check_jsonschema_accepts_the_fixture(generated, kind):
    proc = check_jsonschema(generated, kind, *(generated / f for f in VALID[kind]))
    assert proc.returncode == 0, proc.stdout + proc.stderr


# (kind, file in the fixture, old text, new text, what the validator names)
BROKEN = {
    "account-tier-5": ("account", "accounts/ACC-00001.yaml", "tier: 1", "tier: 5", "tier"),
    "account-unknown-key": ("account", "accounts/ACC-00001.yaml", "owner: person:alice", "ownr: person:alice", "ownr"),
    "account-bad-date": ("account", "accounts/ACC-00001.yaml", "last_review: 2026-10-01", "last_review: yesterday",
                         "last_review"),
    "person-no-email": ("people", "org/people.yaml", "    email: bob@example.com\n", "", "email"),
    "training-bad-kind": ("training", "training/TRN-901.yaml", "kind: video", "kind: film", "kind"),
    "config-unknown-key": ("kb-config", "kb.yml", "due_soon_days: 30", "due_son_days: 30", "due_son_days"),
    "sop-bad-status": ("sop", "SOP-OPS-001.front.yaml", "status: approved", "status: published", "status"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_check_jsonschema_rejects_broken_copies(generated, tmp_path, case):
    kind, rel, old, new, named = BROKEN[case]
    text = (generated / rel).read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / Path(rel).name
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    proc = check_jsonschema(generated, kind, bad)
    assert proc.returncode != 0, proc.stdout
    assert named in proc.stdout + proc.stderr


@pytest.mark.parametrize("case", ["account-tier-5", "account-unknown-key", "account-bad-date", "person-no-email",
                                  "training-bad-kind"])
def test_kb_check_agrees_with_the_schema(kb, case):
    """What the editor's schema rejects, `kb check` rejects too (and it was clean before)."""
    _, rel, old, new, _ = BROKEN[case]
    assert kb.check().code == 0
    kb.edit(rel, old, new)
    res = kb.check("--format", "json")
    assert res.code == 1
    assert rel in {f["path"] for f in res.json()["findings"] if f["severity"] == "error"}
