"""In-place edits change only the lines they mean to: properties over many YAML styles.

Accounts and documents are generated in many styles (block scalars `|`, `|+`,
`|-`, `>`, `>+` with trailing blank lines and `#` lines inside, flow and block
sequences at several indentations, comments, the three quoting styles, CRLF
line endings, a byte-order mark, no newline at the end) and edited as `kb
review` (the review date, an entry appended to `reviews`) and `kb owners
reassign` (the owner) edit them. Each result must load with the new values,
every other value must be unchanged, and every line of the file but the
changed ones must be byte for byte as it was.
"""

from __future__ import annotations

import datetime as dt
import difflib
import shutil

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURE
from kbtools.edit import inplace as edit
from kbtools.load.loader import load, load_text

NEW_DATE = "2026-11-22"
REVIEWER = "person:bob"
BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("inplace") / "kb"
    shutil.copytree(FIXTURE, root)
    return load(root)


# --- generating files --------------------------------------------------------------

WORDS = ["Checked the contract.", "# Section 2 still open", "key: value", "- not a list", "  indented more",
         "quote ' and \" marks", "tab\tinside", "Ünïcödé ✓", "ends with colon:", "[not, flow]"]
CHOMP = ["|", "|+", "|-", ">", ">+", ">-", "|2", "|+2"]


@st.composite
def block_scalar(draw, indent: int) -> list[str]:
    """The header and lines of a block scalar whose key sits at column `indent`."""
    header = draw(st.sampled_from(CHOMP))
    pad = " " * (indent + 2)
    first = [w for w in WORDS if not w.startswith(("#", " "))]  # the first line sets the indentation
    lines = [pad + draw(st.sampled_from(first))]
    lines += [pad + w if w else "" for w in draw(st.lists(st.sampled_from([*WORDS, ""]), max_size=3))]
    lines += draw(st.lists(st.sampled_from(["", " " * (indent + 1)]), max_size=3))  # trailing blank lines
    return [header, *lines]


@st.composite
def scalar(draw, value: str) -> str:
    style = draw(st.sampled_from(["plain", "single", "double"]))
    text = {"plain": value, "single": f"'{value}'", "double": f'"{value}"'}[style]
    return text + draw(st.sampled_from(["", "  # a comment", " #x"]))


@st.composite
def key_value(draw, key: str, value: str, indent: int = 0) -> list[str]:
    """`key: value`, or a block scalar for text values."""
    pad = " " * indent
    if draw(st.booleans()):
        header, *rest = draw(block_scalar(indent))
        return [f"{pad}{key}: {header}", *rest]
    return [f"{pad}{key}: {draw(scalar(value))}"]


@st.composite
def text_list(draw, key: str, items: list[str]) -> list[str]:
    style = draw(st.sampled_from(["flow", "block0", "block2", "block4"]))
    if style == "flow":
        return [f"{key}: [{', '.join(items)}]" + draw(st.sampled_from(["", "  # flow"]))]
    pad = " " * int(style[-1])
    body = [f"{pad}- {draw(scalar(i))}" for i in items]
    if draw(st.booleans()):
        body.insert(draw(st.integers(0, len(body))), f"{pad}# a comment inside the list")
    return [f"{key}:", *body]


@st.composite
def reviews_log(draw) -> tuple[list[str], str | None]:
    """The `reviews` key in some style (or none), and its indentation for new entries."""
    style = draw(st.sampled_from(["none", "empty", "empty-comment", "block0", "block2", "block4"]))
    if style == "none":
        return [], None
    if style.startswith("empty"):
        return ["reviews: []" + ("  # none yet" if style == "empty-comment" else "")], None
    pad = " " * int(style[-1])
    lines = ["reviews:"]
    for i in range(draw(st.integers(1, 2))):
        lines += [f"{pad}- date: 2026-0{i + 1}-01", f"{pad}  by: {draw(scalar('person:alice'))}"]
        if draw(st.booleans()):
            lines += draw(key_value("note", "Looked fine", indent=len(pad) + 2))
    return lines, pad


@st.composite
def document(draw, kind: str) -> tuple[str, bytes]:
    """(path, bytes) of an account or a document in a random style."""
    if kind == "account":
        rel = "accounts/ACC-00001.yaml"
        required = [["id: ACC-00001"], draw(key_value("name", "Example Fuel Co")), ["segment: NA"], ["tier: 3"],
                    ["status: active"], [f"owner: {draw(scalar('person:alice'))}"],
                    ["last_review: 2026-10-01" + draw(st.sampled_from(["", "  # quarterly"]))]]
        optional = [draw(text_list("products", ["Fuel cards", "Telematics"])),
                    draw(key_value("notes", "Prefers email")), ["since: 2020-01-01"]]
    else:
        rel = "sops/ops/SOP-OPS-001.md"
        required = [["id: SOP-OPS-001"], draw(key_value("title", "Review an account")), ["type: sop"],
                    ["status: approved"], ["department: ops"], [f"owner: {draw(scalar('person:alice'))}"],
                    ["audience: internal"], ['version: "1.1"'], ["effective: 2026-01-10"],
                    ["last_reviewed: 2026-06-01" + draw(st.sampled_from(["", "   # yearly"]))]]
        optional = [draw(key_value("summary", "What it is for")), draw(text_list("terms", ["CSM", "IM"])),
                    draw(text_list("tags", ["accounts", "reviews"]))]
    log, _ = draw(reviews_log())
    blocks = required + [b for b in optional if draw(st.booleans())] + ([log] if log else [])
    blocks = draw(st.permutations(blocks))
    lines: list[str] = []
    for block in blocks:
        if draw(st.integers(0, 4)) == 0:
            lines.append(draw(st.sampled_from(["", "# a comment between keys", "   "])))
        lines += block
    if kind == "document":
        lines = ["---", *lines, "---", "# Review an account", "", "Gather the records.", "  ", "Then analyse."]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    raw = text.encode("utf-8")
    return rel, (BOM + raw if draw(st.booleans()) else raw)


# --- what must hold --------------------------------------------------------------------


def _mapping(kind: str, text: str) -> dict:
    if kind == "document":
        text = text.split("---", 2)[1]
    return yaml.safe_load(text)


def _body(kind: str, text: str) -> str:
    return text.split("\n---", 1)[1] if kind == "document" else ""


def assert_only_lines_changed(before: str, after: str, old_keys: set[str], new_lines: set[str]) -> None:
    """Every line of `before` is in `after` unchanged, but the lines of `old_keys`; every added line is one
    of `new_lines` (compared without line endings, indentation and a trailing comment)."""
    b, a = before.splitlines(keepends=True), after.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, b, a, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        for line in b[i1:i2]:
            last_without_newline = line is b[-1] and not line.endswith(("\n", "\r")) and line + "\n" in [
                x.replace("\r\n", "\n") for x in a[j1:j2]]
            key = line.split(":", 1)[0]
            assert key in old_keys or last_without_newline, f"line changed or moved: {line!r}"
        for line in a[j1:j2]:
            kept = line.rstrip("\r\n") in [x.rstrip("\r\n") for x in b]
            assert kept or line.split(" #", 1)[0].strip() in new_lines, f"unexpected line: {line!r}"


def _newlines(text: str) -> set[str]:
    return {"\r\n" if text[i - 1:i] == "\r" else "\n" for i, c in enumerate(text) if c == "\n"}


def _edit(kb, rel: str, raw: bytes, change) -> tuple[str, str, bytes]:
    (kb.root / rel).write_bytes(raw)
    entry, findings = load_text(kb, rel, raw.decode("utf-8-sig"))
    assert entry is not None and findings == [], [f.format() for f in findings]
    fe = edit.start(kb, entry)
    change(fe, entry)
    result = edit.finish(kb, fe)
    return result.before, result.after, result.new_raw


SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(st.sampled_from(["account", "document"]).flatmap(document))
def test_a_review_changes_only_the_date_and_adds_the_entry(kb, case):
    rel, raw = case
    kind = "account" if rel.startswith("accounts/") else "document"
    key = "last_review" if kind == "account" else "last_reviewed"
    note = 'Steps checked: "all" current'

    def review(fe, entry):
        fe.set_or_add(key, getattr(entry.model, key).isoformat(), NEW_DATE, after="status")
        fe.append_to_list("reviews", {"date": NEW_DATE, "by": REVIEWER, "note": edit.yaml_scalar(note)})

    before_text = raw.decode("utf-8-sig")
    flow_log = any(line.startswith("reviews: [") and not line.startswith("reviews: []")
                   for line in before_text.splitlines())
    if flow_log:  # not generated; a flow log with entries is refused, not rewritten
        return
    try:
        before, after, new_raw = _edit(kb, rel, raw, review)
    except edit.EditError as exc:
        # a log whose last entry ends the file inside a block of text with no line break after it:
        # a new entry would add that line break to the text, so kb says so instead
        assert "ends inside a block of text in 'reviews'" in str(exc)
        assert not raw.endswith((b"\n", b"\r")) and kind == "account"
        return
    assert new_raw.startswith(BOM) == raw.startswith(BOM)
    old, new = _mapping(kind, before), _mapping(kind, after)
    entry = {"date": dt.date(2026, 11, 22), "by": REVIEWER, "note": note}
    assert new == {**old, key: entry["date"], "reviews": [*(old.get("reviews") or []), entry]}
    assert _body(kind, after) == _body(kind, before)
    new_lines = {f"{key}: {NEW_DATE}", "reviews:", f"- date: {NEW_DATE}", f"by: {REVIEWER}",
                 f"note: {edit.yaml_scalar(note)}", "reviews:  # none yet"}
    assert_only_lines_changed(before, after, {key, "reviews"}, new_lines)
    if _newlines(before) == {"\r\n"}:
        assert _newlines(after) == {"\r\n"}, "the file's line endings are kept"


@SETTINGS
@given(st.sampled_from(["account", "document"]).flatmap(document))
def test_a_reassign_changes_only_the_owner(kb, case):
    rel, raw = case
    kind = "account" if rel.startswith("accounts/") else "document"
    before, after, new_raw = _edit(kb, rel, raw, lambda fe, e: fe.set_value("owner", "person:alice",
                                                                          edit.yaml_scalar("person:bob")))
    assert new_raw.startswith(BOM) == raw.startswith(BOM)
    assert _mapping(kind, after) == {**_mapping(kind, before), "owner": "person:bob"}
    b, a = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(a) == len(b)
    changed = [(x, y) for x, y in zip(b, a, strict=True) if x != y]
    assert len(changed) == 1 and changed[0][0].startswith("owner:")
    assert changed[0][1] == changed[0][0].replace("person:alice", "person:bob")


# --- the regression the properties found first, written out -----------------------------------


def test_a_keep_block_scalar_keeps_its_trailing_blank_lines(kb):
    raw = (b"id: ACC-00001\nname: Example Fuel Co\nsegment: NA\ntier: 3\nstatus: active\nowner: person:alice\n"
           b"last_review: 2026-10-01\nreviews:\n  - date: 2026-10-01\n    by: person:alice\n"
           b"    note: |+\n      Checked the contract.\n\n\n")
    before, after, _ = _edit(kb, "accounts/ACC-00001.yaml", raw, lambda fe, e: fe.append_to_list(
        "reviews", {"date": NEW_DATE, "by": REVIEWER}))
    assert yaml.safe_load(after)["reviews"][0]["note"] == "Checked the contract.\n\n\n"
    assert after == before + f"  - date: {NEW_DATE}\n    by: {REVIEWER}\n"


@pytest.mark.parametrize("value", ["0x1F", "0b101", "2026-01-01 10:00:00", "1_000", "NULL", "Off", "~", "12:30",
                                   "a # b", "-dash", "trailing ", "é", "line\nbreak", "\u2028", "\x85", "\x07",
                                   "\ufeffbom", "tab\t", 'q"uote', "back\\slash", ".5", "+1"])
def test_yaml_scalar_reads_back_as_the_same_text(value):
    text = edit.yaml_scalar(value)
    assert "\n" not in text and "\u2028" not in text and "\x85" not in text
    assert yaml.safe_load(f"k: {text}\n") == {"k": value}
