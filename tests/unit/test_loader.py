"""Bad input of every kind gives a positioned finding, never a traceback."""

from __future__ import annotations

import pytest

from conftest import codes, only

ACCOUNT = "accounts/ACC-00001.yaml"
SOP = "sops/ops/SOP-OPS-001.md"


def finding_for(kb, path):
    found = [f for f in kb.findings() if f["path"] == path]
    assert found, f"no finding for {path}"
    return found


@pytest.mark.parametrize(
    "name, content, code, line, col",
    [
        ("tab indentation", "id: ACC-00001\n\tname: x\n", "yaml-tab", 2, 1),
        ("syntax error", "id: ACC-00001\nname: [unclosed\n", "yaml-syntax", 3, 1),
        ("duplicate key", "id: ACC-00001\nname: a\ntier: 1\nname: b\n", "duplicate-key", 4, 1),
        ("python tag", "id: !!python/object/apply:os.system ['touch /tmp/pwned']\n", "yaml-tag", 1, 5),
        ("custom tag", "id: ACC-00001\nname: !secret x\n", "yaml-tag", 2, 7),
        ("binary tag", "id: ACC-00001\nname: !!binary aGVsbG8=\n", "yaml-tag", 2, 7),
        ("merge key", "base: &b {tier: 1}\nother:\n  <<: *b\n", "yaml-tag", 3, 3),
        ("complex key", "? [a, b]\n: c\n", "yaml-key", 1, 3),
        ("two documents", "id: ACC-00001\n---\nid: ACC-00002\n", "yaml-syntax", 2, 1),
        ("a list, not a mapping", "- id: ACC-00001\n", "not-a-mapping", 1, 1),
        ("a scalar, not a mapping", "just text\n", "not-a-mapping", 1, 1),
        ("only comments", "# nothing here\n", "empty-file", 1, 1),
        # found by bench/fuzz.py: libyaml ends the text with a line break of its own, one line past the file
        ("no line break at the end", "id: ACC-00001\np", "yaml-syntax", 2, 2),
        ("unclosed at the end", 'id: ACC-00001\nname: "x', "yaml-syntax", 2, 9),
    ],
)
def test_bad_yaml_is_a_positioned_finding(kb, name, content, code, line, col):
    kb.write(ACCOUNT, content)
    result = kb.check()
    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    f = next(f for f in kb.findings() if f["path"] == ACCOUNT)
    assert (f["code"], f["line"], f["col"]) == (code, line, col), f


def test_python_tags_are_never_constructed(kb, tmp_path):
    marker = tmp_path / "pwned"
    kb.write(ACCOUNT, f"id: !!python/object/apply:os.system ['touch {marker}']\n")
    kb.check()
    assert not marker.exists()


def test_alias_bomb_is_refused(kb):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefgh"):
        prev = "abcdefgh"[i]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    kb.write(ACCOUNT, "\n".join(lines) + "\n")
    f = only(kb.findings(), "yaml-alias")
    assert f["path"] == ACCOUNT and f["line"] >= 1


def test_small_aliases_are_fine(kb):
    kb.write(ACCOUNT, kb.read(ACCOUNT) + "products: &p [POS]\nnotes: plain\n")
    assert kb.findings() == []


def test_deep_nesting_is_refused(kb):
    kb.write(ACCOUNT, "id: " + "[" * 200 + "]" * 200 + "\n")
    f = finding_for(kb, ACCOUNT)[0]
    assert (f["code"], f["line"], f["col"]) == ("yaml-depth", 1, 68)  # the 65th '['


DEEP = {  # each nests 990 levels: below libyaml 0.2.6's own limit of 1000, so only our limit stops them
    "flow sequences": ("id: " + "[" * 990 + "]" * 990, (1, 68)),
    "flow mappings": ("id: " + "{a: " * 990 + "}" * 990, (1, 257)),
    "block sequences": ("- " * 990 + "x", (1, 129)),
    "indentation": ("a:\n" + "".join(" " * i + "b:\n" for i in range(1, 990)), (65, 65)),
    "an alias that contains itself": ("a: &r [1, *r]", (1, 11)),
}
PARSE_IN_A_SMALL_STACK = """
import sys, threading
from kbtools.load.yamlsrc import parse, YAMLSourceError
threading.stack_size(256 * 1024)  # a thread's stack: PyYAML's C composer recursed once per level and overflowed it
found = []
def run():
    try:
        parse(sys.stdin.read())
    except YAMLSourceError as exc:
        found.append(f"{exc.code} {exc.line}:{exc.col}")
thread = threading.Thread(target=run)
thread.start()
thread.join()
print(*found)
"""


@pytest.mark.parametrize("kind", DEEP)
def test_deep_nesting_stops_before_any_recursion(kind):
    import subprocess
    import sys

    text, (line, col) = DEEP[kind]
    run = subprocess.run([sys.executable, "-c", PARSE_IN_A_SMALL_STACK], input=text, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, f"exit {run.returncode} (-11: SIGSEGV) {run.stderr[-500:]}"
    code = "yaml-alias" if "alias" in kind else "yaml-depth"
    assert run.stdout.split() == [code, f"{line}:{col}"]


def test_kb_check_reports_25000_brackets_as_yaml_depth(kb):
    import subprocess
    import sys

    kb.write(ACCOUNT, "id:\n" + " [\n" * 25_000)  # one to a line: within limits.line_chars
    kb.write(SOP, kb.read(SOP).replace("title: Review an account", "title:\n" + "  {a:\n" * 25_000))
    run = subprocess.run([sys.executable, "-m", "kbtools", "check", "--root", str(kb.root), "--today", "2026-11-22"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr[-500:]
    assert f"{ACCOUNT}:65:2: error: nesting deeper than 64 levels [yaml-depth]" in run.stdout  # the 64th '['
    assert f"{SOP}:67:3: error: nesting deeper than 64 levels [yaml-depth]" in run.stdout  # the 64th '{a:'
    assert "Traceback" not in run.stdout + run.stderr


def test_non_utf8_bytes_point_at_the_byte(kb):
    kb.write(ACCOUNT, b"id: ACC-00001\nname: Caf\xe9 Fuel\n")
    f = only(kb.findings(), "encoding")
    assert (f["path"], f["line"], f["col"]) == (ACCOUNT, 2, 10)
    assert "0xe9" in f["message"]


def test_utf8_bom_is_accepted(kb):
    kb.write(ACCOUNT, b"\xef\xbb\xbf" + kb.read(ACCOUNT).encode())
    assert kb.findings() == []


def test_bom_in_markdown_is_accepted(kb):
    kb.write(SOP, b"\xef\xbb\xbf" + kb.read(SOP).encode())
    assert kb.findings() == []


def test_empty_file(kb):
    kb.write(ACCOUNT, "")
    f = only(kb.findings(), "empty-file")
    assert (f["path"], f["line"]) == (ACCOUNT, 1)


def test_empty_markdown_file(kb):
    kb.write(SOP, "\n\n")
    f = only([f for f in kb.findings() if f["path"] == SOP], "empty-file")
    assert f["line"] == 1


def test_missing_front_matter(kb):
    kb.write(SOP, "# Just a heading\n\nNo front matter.\n")
    f = next(f for f in kb.findings() if f["path"] == SOP)
    assert (f["code"], f["line"]) == ("front-matter", 1)
    assert "missing front matter" in f["message"]


def test_unterminated_front_matter(kb):
    kb.write(SOP, "---\nid: SOP-OPS-001\ntitle: x\n\n# Body\n")
    f = next(f for f in kb.findings() if f["path"] == SOP)
    assert f["code"] == "front-matter" and "unterminated" in f["message"]


def test_front_matter_not_a_mapping(kb):
    kb.write(SOP, "---\n- one\n- two\n---\nbody\n")
    f = next(f for f in kb.findings() if f["path"] == SOP)
    assert (f["code"], f["line"]) == ("not-a-mapping", 2)


def test_front_matter_yaml_error_has_the_file_line(kb):
    # line 4 of the file is line 3 of the front matter
    kb.write(SOP, "---\nid: SOP-OPS-001\ntitle: ok\nstatus: [broken\n---\nbody\n")
    f = next(f for f in kb.findings() if f["path"] == SOP)
    assert f["code"] == "yaml-syntax"
    assert f["line"] == 5


def test_front_matter_duplicate_key_line(kb):
    text = kb.read(SOP).replace("type: sop\n", "type: sop\ntitle: Again\n", 1)
    kb.write(SOP, text)
    f = only(kb.findings(), "duplicate-key")
    assert (f["path"], f["line"], f["col"]) == (SOP, 5, 1)
    assert "first defined on line 3" in f["message"]


def test_unknown_key_suggests_the_right_one(kb):
    kb.edit(SOP, "owner: team:ops-team", "ownr: team:ops-team")
    fs = kb.findings()
    f = only(fs, "unknown-key")
    assert (f["path"], f["line"], f["col"]) == (SOP, 7, 1)
    assert f["message"] == "unknown key 'ownr', did you mean 'owner'?"
    assert only(fs, "missing-key")["message"] == "missing required key 'owner'"


def test_unknown_key_deep_inside_steps(kb):
    kb.edit(SOP, "    items: [Contracts, Invoices]", "    itmes: [Contracts, Invoices]")
    f = only(kb.findings(), "unknown-key")
    assert f["line"] == 20 and f["col"] == 5
    assert "in steps[0]" in f["message"] and "did you mean 'items'" in f["message"]


def test_enum_typo_suggests_value(kb):
    kb.edit(SOP, "status: approved", "status: aproved")
    f = only(kb.findings(), "invalid-value")
    assert (f["line"], f["col"]) == (5, 9)
    assert "did you mean 'approved'" in f["message"]


def test_unquoted_version_is_explained(kb):
    kb.edit(SOP, 'version: "1.1"', "version: 1.1")
    f = only(kb.findings(), "invalid-type")
    assert f["line"] == 9 and 'quote it: "1.1"' in f["message"]


def test_dates_must_be_real_dates(kb):
    kb.edit(SOP, "effective: 2026-01-10", "effective: 5/2/24")
    f = only(kb.findings(), "invalid-date")
    assert (f["line"], f["col"]) == (10, 12)
    kb.edit(SOP, "effective: 5/2/24", "effective: 2026-02-30")
    f = next(f for f in kb.findings() if f["path"] == SOP)
    assert f["line"] == 10


def test_bad_id_pattern_explains_the_pattern(kb):
    kb.edit(ACCOUNT, "id: ACC-00001", "id: ACC-1")
    fs = kb.findings()
    f = next(f for f in fs if f["code"] == "invalid-value")
    assert (f["path"], f["line"]) == (ACCOUNT, 1)
    assert "ACC-00042" in f["message"]


def test_typed_references(kb):
    kb.edit(ACCOUNT, "owner: person:alice", "owner: alice")
    f = only(kb.findings(), "invalid-value")
    assert f["line"] == 6 and "person:jdoe" in f["message"]


def test_type_prefix_must_match(kb):
    kb.edit(SOP, "type: sop", "type: policy")
    f = only(kb.findings(), "invalid-record")
    assert "POL-" in f["message"]


def test_last_reviewed_required_unless_draft(kb):
    kb.edit(SOP, "last_reviewed: 2026-06-01\n", "")
    assert "last_reviewed is required" in only(kb.findings(), "invalid-record")["message"]
    kb.edit(SOP, "status: approved", "status: draft")
    assert kb.findings() == []


def test_registry_entry_errors_point_into_the_list(kb):
    kb.edit("org/people.yaml", "    email: bob@example.com", "    emial: bob@example.com")
    fs = kb.findings()
    f = only(fs, "unknown-key")
    assert (f["path"], f["line"], f["col"]) == ("org/people.yaml", 10, 5)
    # the other people still load: alice's ownership is fine
    assert "unknown-owner" not in codes(fs)


def test_unknown_registry_file_is_a_warning(kb):
    kb.write("org/misc.yaml", "x: 1\n")
    f = only(kb.findings(), "unknown-file")
    assert f["severity"] == "warning"


def test_every_problem_in_one_file_is_reported(kb):
    kb.write(
        SOP,
        "---\nid: SOP-OPS-001\ntitle: x\ntype: sop\nstatus: aproved\ndepartment: ops\n"
        "ownr: team:ops-team\naudience: everyone\nversion: 1\neffective: 2026-01-01\n"
        "last_reviewed: 2026-06-01\n---\n",
    )
    fs = [f for f in kb.findings() if f["path"] == SOP]
    assert sorted(codes(fs)) == sorted(
        ["invalid-value", "missing-key", "unknown-key", "invalid-value", "invalid-type"]
    )
    assert [f["line"] for f in fs] == sorted(f["line"] for f in fs)


def test_a_broken_document_is_not_reported_again_as_unknown(kb):
    kb.edit(SOP, "status: approved", "status: nope")
    fs = kb.findings()
    # training and glossary link to SOP-OPS-001; its own error is enough
    assert codes(fs) == ["invalid-value"]


# --- hostile input found in review ------------------------------------------------


def test_huge_integer_is_a_finding(kb):
    kb.write("kb.yml", kb.read("kb.yml") + "limits: {line_chars: 10000}\n")  # 5,000 digits are a long line
    kb.edit(ACCOUNT, "tier: 1", "tier: " + "9" * 5000)
    f = next(f for f in kb.findings() if f["path"] == ACCOUNT)
    assert (f["code"], f["line"], f["col"]) == ("yaml-syntax", 4, 7)


def test_control_character_points_at_itself(kb):
    kb.write(ACCOUNT, kb.read(ACCOUNT) + 'notes: "a\x00b"\n')
    f = next(f for f in kb.findings() if f["path"] == ACCOUNT)
    assert (f["code"], f["line"], f["col"]) == ("yaml-syntax", 10, 10)
    assert "\n" not in f["message"]


def test_alias_of_a_big_mapping_is_refused_quickly(kb):
    big = "m: &m\n" + "".join(f"  k{i}: {i}\n" for i in range(3000))
    kb.write(ACCOUNT, kb.read(ACCOUNT) + big + "l:\n" + "  - *m\n" * 3000)
    assert only(kb.findings(), "yaml-alias")["path"] == ACCOUNT


def test_review_interval_is_bounded(kb):
    kb.edit(SOP, "last_reviewed: 2026-06-01", "last_reviewed: 2026-06-01\nreview_every: 99999 days")
    f = only(kb.findings(), "invalid-value")
    assert f["line"] == 12 and "'12 months'" in f["message"]


def test_every_missing_key_is_reported(kb):
    text = "".join(line for line in kb.read(ACCOUNT).splitlines(keepends=True)
                   if not line.startswith(("name:", "segment:", "tier:")))
    kb.write(ACCOUNT, text)
    fs = [f for f in kb.findings() if f["code"] == "missing-key"]
    assert sorted(f["message"] for f in fs) == [
        "missing required key 'name'", "missing required key 'segment'", "missing required key 'tier'"]


@pytest.mark.parametrize("key, line", [("~", 10), ("12", 10), ("true", 10)])
def test_keys_that_are_not_text(kb, key, line):
    kb.write(ACCOUNT, kb.read(ACCOUNT) + f"{key}: z\n")
    f = only(kb.findings(), "unknown-key")
    assert (f["line"], f["col"]) == (line, 1) and "is not text" in f["message"]


def test_pipes_and_links_are_skipped_not_read(kb, tmp_path):
    import os

    os.mkfifo(kb.root / "accounts" / "ACC-00005.yaml")  # reading it would block forever
    (tmp_path / "outside.yaml").write_text("secret: 1\n")
    (kb.root / "accounts" / "ACC-00006.yaml").symlink_to(tmp_path / "outside.yaml")
    fs = kb.findings()
    assert sorted(f["path"] for f in fs if f["code"] == "not-a-file") == [
        "accounts/ACC-00005.yaml", "accounts/ACC-00006.yaml"]
    assert all(f["severity"] == "warning" for f in fs)


def test_a_broken_person_is_not_reported_again_as_unknown(kb):
    kb.edit("org/people.yaml", "    email: bob@example.com", "    email: nope")
    assert codes(kb.findings()) == ["invalid-value"]


def test_an_unparseable_document_keeps_its_id(kb):
    kb.edit(SOP, "title: Review an account", "title: [unclosed")
    assert codes(kb.findings()) == ["yaml-syntax"]  # training and glossary links to it are not "unknown"


# --- file and folder names --------------------------------------------------------


@pytest.mark.parametrize("name, shown", [
    ("x\n.md", "x\\x0a.md"),
    ("\tlead.md", "\\x09lead.md"),
    ("x\r.md", "x\\x0d.md"),
    (" lead.md", " lead.md"),
    ("trail.md ", "trail.md "),
    ("back\\slash.md", "back\\slash.md"),
    ("no\u00a0break.md", "no\\xa0break.md"),
    ("right\u202eto-left.md", "right\\u202eto-left.md"),
    ("line\u2028sep.md", "line\\u2028sep.md"),
])
def test_a_file_name_tools_cannot_write_is_refused_and_its_id_kept(kb, name, shown):
    (kb.root / SOP).rename(kb.root / "sops/ops" / name)
    fs = kb.findings()
    # the file is not read; the training and glossary links to SOP-OPS-001 are not "unknown"
    assert [(f["path"], f["code"], f["line"]) for f in fs] == [(f"sops/ops/{shown}", "file-name", 0)]
    assert f"'{shown}'" in fs[0]["message"]
    assert kb.check().code == 1


def test_a_folder_name_tools_cannot_write_is_refused_once(kb):
    (kb.root / "sops/ops").rename(kb.root / "sops/o\tps")
    (kb.root / "accounts/x\n").mkdir()
    (kb.root / "accounts/ACC-00001.yaml").rename(kb.root / "accounts/x\n/ACC-00001.yaml")
    fs = kb.findings()
    assert [(f["path"], f["code"]) for f in fs] == [("accounts/x\\x0a", "file-name"), ("sops/o\\x09ps", "file-name")]
    assert "nothing in it is read" in fs[0]["message"]


def test_names_with_spaces_and_brackets_inside_are_fine(kb):
    (kb.root / SOP).rename(kb.root / "sops/ops/Review copy [draft] #2!.md")
    assert kb.findings() == []


@pytest.mark.parametrize("fmt", ["text", "json", "github", "junit"])
def test_names_that_are_not_utf8_are_findings_in_every_format(kb, fmt):
    import json
    import os
    import xml.etree.ElementTree as ET

    os.rename(kb.root / SOP, os.fsdecode(os.fsencode(kb.root / "sops/ops") + b"/Caf\xe9.md"))
    os.mkdir(os.fsencode(kb.root / "accounts") + b"/d\xff")
    os.rename(kb.root / ACCOUNT, os.fsencode(kb.root / "accounts") + b"/d\xff/ACC-00001.yaml")
    (kb.root / "org" / os.fsdecode(b"x\xfe.yaml")).write_text("people: []\n")
    result = kb.check("--format", fmt)
    assert result.code == 1 and "Traceback" not in result.out + result.err and result.err == ""
    result.out.encode("utf-8")  # printable: no lone surrogates
    if fmt != "json":
        assert "Caf\\xe9.md" in result.out and "d\\xff" in result.out and "x\\xfe.yaml" in result.out
    else:
        fs = json.loads(result.out)["findings"]
        assert [(f["path"], f["code"]) for f in fs] == [
            ("accounts/d\\xff", "file-name"), ("org/x\\xfe.yaml", "file-name"), ("sops/ops/Caf\\xe9.md", "file-name")]
        assert "is not valid UTF-8" in fs[0]["message"]
    if fmt == "junit":
        ET.fromstring(result.out)
    codeowners = kb.run("codeowners", today=None)
    assert codeowners.code == 1 and "Traceback" not in codeowners.err and "internal error" not in codeowners.err


# --- a file that does not load keeps its ids: nothing cascades, nothing is reused ---------

MINIMAL_FILES = ["sops/ops/SOP-OPS-001.md", "accounts/ACC-00001.yaml", "training/TRN-901.yaml", "org/people.yaml",
                 "org/teams.yaml", "org/roles.yaml", "org/departments.yaml", "org/glossary.yaml"]


def _damage(data: bytes, how: str) -> bytes:
    if how == "a byte that is not UTF-8":
        return data.replace(b"\n", b"\n\xff", 1)
    if how == "a byte on every line":
        return data.replace(b"\n", b"\n\xe9")
    lines = data.split(b"\n")
    return b"\n".join([*lines[:3], b"x: [unclosed", *lines[3:]])


@pytest.mark.parametrize("how", ["a byte that is not UTF-8", "a byte on every line", "a YAML syntax error"])
@pytest.mark.parametrize("rel", MINIMAL_FILES)
def test_a_file_that_does_not_load_is_the_only_finding(kb, rel, how):
    path = kb.root / rel
    path.write_bytes(_damage(path.read_bytes(), how))
    fs = kb.findings()
    wanted = "yaml-syntax" if how == "a YAML syntax error" else "encoding"
    assert [(f["path"], f["code"]) for f in fs] == [(rel, wanted)]


def test_kb_new_never_reuses_the_id_of_a_file_that_cannot_be_decoded(kb):
    path = kb.root / SOP
    path.write_bytes(path.read_bytes().replace(b"Review an account", b"Review an acc\xf6unt"))
    assert kb.run("new", "sop", "--department", "ops", "--title", "Next").code == 0
    assert sorted(p.name for p in (kb.root / "sops/ops").iterdir()) == ["SOP-OPS-001.md", "SOP-OPS-002.md"]


def test_an_account_keeps_the_id_its_text_names(kb):
    # named after another id: the id inside is held as well as the file name's
    kb.write("accounts/ACC-00009.yaml", b"id: ACC-00002\nname: Caf\xe9\n")
    kb.write("training/TRN-902.yaml", kb.read("training/TRN-901.yaml").replace("TRN-901", "TRN-902"))
    from kbtools.load.loader import load

    loaded = load(kb.root)
    assert {"account:ACC-00002", "account:ACC-00009"} <= loaded.broken


# --- stray files: reported, not ignored -------------------------------------------


@pytest.mark.parametrize("rel, hint", [
    ("sops/ops/SOP-OPS-002.MD", "rename it to SOP-OPS-002.md"),
    ("sops/ops/SOP-OPS-002.Md", "rename it to SOP-OPS-002.md"),
    ("sops/ops/SOP-OPS-002.markdown", "rename it to SOP-OPS-002.md"),
    ("sops/ops/notes.txt", "holds only files ending in .md"),
    ("sops/README", "holds only files ending in .md"),
    ("accounts/ACC-00002.YAML", "rename it to ACC-00002.yaml"),
    ("accounts/ACC-00002.Yml", "rename it to ACC-00002.yaml"),
    ("accounts/ACC-00002.json", "holds only files ending in .yaml or .yml"),
    ("training/TRN-902.YAML", "rename it to TRN-902.yaml"),
    ("training/TRN-902.yML", "rename it to TRN-902.yaml"),
    ("org/People.yaml", "did you mean 'people.yaml'?"),
    ("org/people.YAML", "did you mean 'people.yaml'?"),
    ("org/notes.txt", "org/ holds departments.yaml"),
])
def test_a_stray_file_is_a_warning(kb, rel, hint):
    kb.write(rel, kb.read(ACCOUNT).replace("ACC-00001", "ACC-00002"))
    fs = kb.findings()
    assert [(f["path"], f["code"], f["severity"]) for f in fs] == [(rel, "unknown-file", "warning")]
    assert hint in fs[0]["message"]
    assert kb.check().code == 0 and kb.check("--strict").code == 1


def test_training_attachments_are_not_strays(kb):
    kb.write("training/notes/shadowing.md", "# Notes\n")
    kb.write("training/slides.pdf", b"%PDF-1.4\n")
    assert kb.findings() == []


# --- line breaks only YAML sees --------------------------------------------------------

HIDDEN_BREAKS = ["\u2028", "\u2029", "\x85", "\r"]


@pytest.mark.parametrize("char", HIDDEN_BREAKS)
def test_a_hidden_line_break_in_a_quoted_title_is_reported_where_it_is(kb, char):
    kb.edit(SOP, 'title: "Approval: status"', f'title: "Approval:{char}status"')
    fs = kb.findings()
    assert [(f["code"], f["line"], f["col"]) for f in fs] == [("yaml-line-break", 30, 22)]
    assert "line break to YAML" in fs[0]["message"]


@pytest.mark.parametrize("char", HIDDEN_BREAKS)
def test_a_hidden_line_break_does_not_move_a_key_into_another_mapping(kb, char):
    # libyaml ends the line at the character: `summary` became the document's and the entry "missing" it
    kb.edit(SOP, '  - {version: "1.1", date: 2026-01-10, summary: Added the approval gate}\n'
                 '  - {version: "1.0", date: 2025-06-01, summary: First version}',
            '  - {version: "1.0", date: 2025-06-01, summary: First version}\n'
            f'  - version: "1.1"\n    date: 2026-01-10\n    {char}summary: Added the approval gate')
    fs = kb.findings()
    assert [(f["code"], f["line"], f["col"]) for f in fs] == [("yaml-line-break", 36, 5)]


@pytest.mark.parametrize("rel", [ACCOUNT, "org/people.yaml"])
def test_hidden_line_breaks_in_yaml_files_and_crlf_line_endings(kb, rel):
    kb.write(rel, kb.read(rel).replace("\n", "\r\n"))
    assert kb.findings() == []  # Windows line endings are fine
    kb.write(rel, kb.read(rel).replace("\r\n", "\n", 2).replace("name: ", "name: \u2029", 1))
    f = only(kb.findings(), "yaml-line-break")
    line = next(i for i, text in enumerate(kb.read(rel).split("\n"), 1) if "name: " in text)
    assert (f["path"], f["line"], f["col"]) == (rel, line, kb.read(rel).split("\n")[line - 1].index("\u2029") + 1)
    assert "U+2029" in f["message"]


@pytest.mark.parametrize("old, new", [
    (SOP, "sops/ops/SOP-OPS-001.MD"), (SOP, "sops/ops/SOP-OPS-001.markdown"), (SOP, "sops/ops/SOP-OPS-001.txt"),
    ("training/TRN-901.yaml", "training/TRN-901.YAML"), ("org/people.yaml", "org/People.yaml"),
    ("org/glossary.yaml", "org/glossary.YML"),
])
def test_a_stray_file_keeps_the_ids_it_names(kb, old, new):
    # found by bench/fuzz.py: a document renamed to .Yml made every link to it an unknown-document error
    (kb.root / old).rename(kb.root / new)
    assert [(f["path"], f["code"]) for f in kb.findings()] == [(new, "unknown-file")]
