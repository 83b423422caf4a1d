"""Where kb writes: `-o FILE` writes what the person named; files kb makes itself never follow a link.

`-o` is the same for every command that has it (one function): a regular file is
replaced atomically, a link is written through to what it points at, a device or
FIFO is written to as it is, `-` is standard output, and a name that cannot be a
file is a usage error (exit 2) before anything runs. Files kb creates on its own
(edits, `kb new`, schemas, CODEOWNERS, `kb checklist --due --out DIR`) are never
written through a link, so a linked folder pointing out of the knowledge base
never receives one.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys

import pytest

from conftest import REPO, SITE_FIXTURE, TODAY, run_kb

# Every command with -o, with arguments that make it succeed on the minimal knowledge base.
COMMANDS = {
    "check": ["check"],
    "reviews": ["reviews", "--format", "csv"],
    "digest": ["digest"],
    "checklist": ["checklist", "SOP-OPS-001"],
}
FIRST = {"check": "ok: ", "reviews": "state,due", "digest": "# Review digest", "checklist": "## Review an account"}


def run_o(kb, command: str, target: str):
    return kb.run(*COMMANDS[command], "-o", target)


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("command", COMMANDS)
def test_a_regular_file_is_replaced_atomically_keeping_its_mode(kb, tmp_path, command):
    out = tmp_path / "report.txt"
    out.write_text("old report\n" * 50, encoding="utf-8")
    out.chmod(0o640)
    res = run_o(kb, command, str(out))
    assert res.code == 0, res.err
    assert out.read_text(encoding="utf-8").lstrip().startswith(FIRST[command])
    assert "old report" not in out.read_text(encoding="utf-8")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("command", COMMANDS)
def test_a_link_is_written_through_and_stays_a_link(kb, tmp_path, command):
    target = tmp_path / "real" / "report.txt"
    target.parent.mkdir()
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "latest.txt"
    link.symlink_to(target)
    res = run_o(kb, command, str(link))
    assert res.code == 0, res.err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8").lstrip().startswith(FIRST[command])
    assert leftovers(tmp_path) == [] and leftovers(target.parent) == []


def test_a_dangling_link_creates_what_it_points_at(kb, tmp_path):
    target = tmp_path / "made.txt"
    link = tmp_path / "link.txt"
    link.symlink_to("made.txt")
    assert kb.check("-o", str(link)).code == 0
    assert link.is_symlink() and "no problems" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_fifo_is_written_to_and_stays_a_fifo(kb, tmp_path, command):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so that kb's open for writing does not wait
    try:
        res = run_o(kb, command, str(fifo))
        got = b""
        while chunk := os.read(reader, 65536):
            got += chunk
    finally:
        os.close(reader)
    assert res.code == 0, res.err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert got.decode("utf-8").lstrip().startswith(FIRST[command])


@pytest.mark.parametrize("command", COMMANDS)
def test_dash_is_standard_output(kb, command):
    res = run_o(kb, command, "-")
    assert res.code == 0, res.err
    assert res.out.lstrip().startswith(FIRST[command])
    assert not (kb.root / "-").exists()


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", ["empty", "folder-slash", "folder", "missing-parent", "parent-is-a-file"])
def test_a_name_that_cannot_be_a_file_is_a_usage_error(kb, tmp_path, command, case):
    (tmp_path / "blocker").write_text("x", encoding="utf-8")
    target, needle = {
        "empty": ("", "empty"),
        "folder-slash": (f"{tmp_path}/new-folder/", "names a folder"),
        "folder": (str(tmp_path), "is a folder"),
        "missing-parent": (f"{tmp_path}/no/such/report.txt", "does not exist"),
        "parent-is-a-file": (f"{tmp_path}/blocker/report.txt", "is a file"),
    }[case]
    res = run_o(kb, command, target)
    assert res.code == 2, (res.code, res.out, res.err)
    assert needle in res.err, res.err
    assert "Traceback" not in res.err and "internal error" not in res.err
    assert res.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "kb"]


def _kb_subprocess(kb, *args: str, **kw) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "kbtools", *args, "--root", str(kb.root), "--today", TODAY]
    return subprocess.run(argv, cwd=REPO, timeout=60, **kw)


def test_dev_null_and_dev_stdout_stay_what_they_are(kb, tmp_path):
    """The common CI idiom: the report goes to the device or to standard output, which stays as it was."""
    before = {p: os.lstat(p) for p in ("/dev/null", "/dev/stdout")}
    assert stat.S_ISCHR(before["/dev/null"].st_mode) and stat.S_ISLNK(before["/dev/stdout"].st_mode)
    proc = _kb_subprocess(kb, "check", "-o", "/dev/null", capture_output=True, text=True)
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stderr
    proc = _kb_subprocess(kb, "check", "-o", "/dev/stdout", capture_output=True, text=True)
    assert proc.returncode == 0 and "no problems" in proc.stdout, proc.stderr
    # standard output sent to a file the shell opened for appending: appended to, not replaced
    log = tmp_path / "ci.log"
    log.write_text("earlier steps\n", encoding="utf-8")
    with open(log, "a", encoding="utf-8") as fh:
        proc = _kb_subprocess(kb, "check", "-o", "/dev/stdout", stdout=fh, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 0, proc.stderr
    text = log.read_text(encoding="utf-8")
    assert text.startswith("earlier steps\n") and "no problems" in text
    for path, st in before.items():
        now = os.lstat(path)
        assert (now.st_mode, now.st_ino, now.st_rdev) == (st.st_mode, st.st_ino, st.st_rdev), path


# --- files kb makes itself ------------------------------------------------------------


def test_new_refuses_a_department_folder_linked_out_of_the_knowledge_base(kb, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.move(kb.root / "sops/ops", kb.root / "sops/elsewhere")  # the documents load from another folder
    (kb.root / "sops/ops").symlink_to(outside)
    res = kb.run("new", "sop", "--department", "ops", "--title", "Escape")
    assert res.code == 2 and "sops/ops is a link" in res.err, res.err
    assert list(outside.iterdir()) == []


def test_an_edit_never_writes_through_a_linked_folder(kb, tmp_path):
    outside = tmp_path / "outside-sops"
    shutil.move(kb.root / "sops", outside)
    (kb.root / "sops").symlink_to(outside)
    before = (outside / "ops/SOP-OPS-001.md").read_bytes()
    res = kb.run("review", "SOP-OPS-001", "--by", "person:bob")
    assert res.code == 2 and "sops is a link" in res.err, res.err
    assert (outside / "ops/SOP-OPS-001.md").read_bytes() == before
    assert leftovers(outside / "ops") == []


@pytest.mark.parametrize("link", ["schemas", "schemas/sop.schema.json"])
def test_schema_refuses_links(kb, tmp_path, link):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "sop.schema.json").write_text("{}", encoding="utf-8")
    if link != "schemas":
        (kb.root / "schemas").mkdir()
    (kb.root / link).symlink_to(outside if link == "schemas" else outside / "sop.schema.json")
    res = kb.run("schema", today=None)
    assert res.code == 2 and f"{link} is a link" in res.err, res.err
    assert sorted(p.name for p in outside.iterdir()) == ["sop.schema.json"]
    assert (outside / "sop.schema.json").read_text(encoding="utf-8") == "{}"


@pytest.mark.parametrize("link", [".github", ".github/CODEOWNERS"])
def test_codeowners_refuses_links(tmp_path, capsys, link):
    root = tmp_path / "kb"
    shutil.copytree(SITE_FIXTURE, root)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "CODEOWNERS").write_text("* @someone\n", encoding="utf-8")
    (root / ".github").mkdir(exist_ok=True)
    (root / ".github/CODEOWNERS").unlink(missing_ok=True)
    if link == ".github":
        shutil.rmtree(root / ".github")
        (root / ".github").symlink_to(outside)
    else:
        (root / link).symlink_to(outside / "CODEOWNERS")
    res = run_kb(["codeowners", "--root", str(root)], capsys)
    assert res.code == 2 and f"{link} is a link" in res.err, res.err
    assert (outside / "CODEOWNERS").read_text(encoding="utf-8") == "* @someone\n"
    assert sorted(p.name for p in outside.iterdir()) == ["CODEOWNERS"]


def test_checklist_batch_never_writes_through_a_link_in_the_folder(tmp_path, capsys):
    out = tmp_path / "due"
    out.mkdir()
    victim = tmp_path / "victim.md"
    victim.write_text("keep me\n", encoding="utf-8")
    (out / "ACC-00202.md").symlink_to(victim)
    res = run_kb(["checklist", "--due", "--out", str(out), "--root", str(SITE_FIXTURE), "--today", TODAY], capsys)
    assert res.code == 2 and "ACC-00202.md is a link" in res.err, res.err
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert (out / "ACC-00202.md").is_symlink()
