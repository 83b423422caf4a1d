"""`kb check` report formats: text, json, github, junit."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from conftest import TODAY
from kbtools.checks.report import github as github_report
from kbtools.checks.report import junit as junit_report
from kbtools.findings import Finding

ACC = "accounts/ACC-00001.yaml"
SOP = "sops/ops/SOP-OPS-001.md"
EXTRA = "org/extra.yaml"
FIXTURE_FILES = {
    "kb.yml",
    ACC,
    SOP,
    "training/TRN-901.yaml",
    *(f"org/{n}.yaml" for n in ("departments", "glossary", "people", "roles", "teams")),
}

FINDING_LINE = re.compile(r"^(?P<path>[^:]+)(?::(?P<line>\d+):(?P<col>\d+))?: "
                          r"(?P<sev>error|warning): (?P<msg>.+) \[(?P<code>[a-z0-9-]+)\]$")


@pytest.fixture(autouse=True)
def _no_env_today(monkeypatch):
    monkeypatch.delenv("KB_TODAY", raising=False)


def mixed(kb) -> None:
    """Three files with findings: two errors in the SOP, one in the account, one warning (no line) in org/."""
    kb.edit(ACC, "tier: 1", "tier: 5")
    kb.edit(SOP, "owner: team:ops-team", "ownr: team:ops-team")
    kb.write(EXTRA, "stuff: 1\n")


def formatted(f: dict) -> str:
    where = f["path"] + (f":{f['line']}:{f['col']}" if f["line"] else "")
    return f"{where}: {f['severity']}: {f['message']} [{f['code']}]"


# --------------------------------------------------------------------------
# text


def test_text_clean(kb):
    res = kb.check()
    assert res.out == "ok: 9 files checked, no problems\n"


def test_text_one_line_per_finding(kb):
    mixed(kb)
    found = kb.findings()
    out = kb.check().out
    lines = out.splitlines()
    finding_lines = [line for line in lines if FINDING_LINE.match(line)]
    assert finding_lines == [formatted(f) for f in found]
    assert len(finding_lines) == 4
    # exact positions a user would jump to
    assert any(line.startswith(f"{ACC}:4:7: error: ") and line.endswith("[invalid-value]") for line in lines)
    assert any(line.startswith(f"{SOP}:7:1: error: ") and "'ownr'" in line and line.endswith("[unknown-key]")
               for line in lines)
    # a finding about the whole file has no line:col
    assert any(line.startswith(f"{EXTRA}: warning: ") and line.endswith("[unknown-file]") for line in lines)


def test_text_grouped_per_file_with_a_summary(kb):
    mixed(kb)
    lines = kb.check().out.rstrip("\n").split("\n")
    summary = lines[-1]
    assert summary == "3 errors, 1 warning in 3 files (10 files checked)"
    assert lines[-2] == "", "a blank line separates the findings from the summary"
    # groups: blocks of finding lines separated by one blank line, one file per block
    blocks = "\n".join(lines[:-2]).split("\n\n")
    paths = []
    for block in blocks:
        block_paths = {FINDING_LINE.match(line)["path"] for line in block.split("\n")}
        assert len(block_paths) == 1, block
        paths.append(block_paths.pop())
    assert paths == sorted({ACC, SOP, EXTRA})


def test_text_summary_singular(kb):
    kb.edit(ACC, "tier: 1", "tier: 5")
    assert kb.check().out.splitlines()[-1] == "1 error, 0 warnings in 1 file (9 files checked)"


# --------------------------------------------------------------------------
# json


def test_json_clean(kb):
    doc = kb.check("--format", "json").json()
    assert doc == {
        "version": 1,
        "today": TODAY,
        "summary": {"files": 9, "files_with_findings": 0, "errors": 0, "warnings": 0},
        "findings": [],
    }


def test_json_shape_and_counts(kb):
    mixed(kb)
    res = kb.check("--format", "json")
    assert res.code == 1
    doc = res.json()
    assert doc["version"] == 1
    assert doc["today"] == TODAY
    assert doc["summary"] == {"files": 10, "files_with_findings": 3, "errors": 3, "warnings": 1}
    assert len(doc["findings"]) == 4
    for f in doc["findings"]:
        assert set(f) == {"path", "line", "col", "severity", "code", "message"}
        assert isinstance(f["path"], str) and not f["path"].startswith("/") and "\\" not in f["path"]
        assert isinstance(f["line"], int) and isinstance(f["col"], int) and f["line"] >= 0 and f["col"] >= 0
        assert f["severity"] in ("error", "warning")
        assert re.fullmatch(r"[a-z0-9-]+", f["code"])
        assert f["message"]
    by_code = {f["code"]: f for f in doc["findings"]}
    invalid = by_code["invalid-value"]
    assert (invalid["path"], invalid["line"], invalid["col"]) == (ACC, 4, 7)
    assert (by_code["unknown-key"]["path"], by_code["unknown-key"]["line"]) == (SOP, 7)
    stray = by_code["unknown-file"]
    assert (stray["line"], stray["col"], stray["severity"]) == (0, 0, "warning")
    # sorted by file, then line
    keys = [(f["path"], f["line"], f["col"]) for f in doc["findings"]]
    assert keys == sorted(keys)


def test_json_output_is_the_same_through_a_file(kb, tmp_path):
    mixed(kb)
    out = tmp_path / "report.json"
    assert kb.check("--format", "json", "-o", str(out)).code == 1
    assert json.loads(out.read_text(encoding="utf-8")) == kb.check("--format", "json").json()


# --------------------------------------------------------------------------
# github


def gh_props(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace(":", "%3A").replace(",", "%2C")


def gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def test_github_one_annotation_per_finding(kb):
    mixed(kb)
    found = kb.findings()
    res = kb.check("--format", "github")
    assert res.code == 1
    annotations = [line for line in res.out.splitlines() if line.startswith("::")]
    want = []
    for f in found:
        props = [f"file={gh_props(f['path'])}"]
        if f["line"]:
            props += [f"line={f['line']}", f"col={f['col']}"]
        props.append(f"title={f['code']}")
        want.append(f"::{f['severity']} {','.join(props)}::{gh_data(f['message'])}")
    assert annotations == want
    assert f"::error file={ACC},line=4,col=7,title=invalid-value::" in res.out
    assert f"::warning file={EXTRA},title=unknown-file::" in res.out


def test_github_escapes_file_names_and_percent(kb):
    trn = kb.read("training/TRN-901.yaml").replace("TRN-901", "TRN-902")
    kb.write("training/we,ird:name.yaml", trn + '"100%": 1\n')
    res = kb.check("--format", "github")
    assert res.code == 1
    annotations = [line for line in res.out.splitlines() if line.startswith("::")]
    assert len(annotations) == 1
    line = annotations[0]
    assert line.startswith("::error file=training/we%2Cird%3Aname.yaml,line=9,col=1,title=unknown-key::")
    message = line.split("::", 2)[2]
    assert "100%25" in message and "100%'" not in message


def test_github_escapes_newlines_in_messages():
    f = Finding("a:b,c.md", 3, 2, "warning", "x-y", "first line\nsecond\r line, 50% done: ok")
    out = github_report([f], 1)
    first = out.splitlines()[0]
    assert first == "::warning file=a%3Ab%2Cc.md,line=3,col=2,title=x-y::first line%0Asecond%0D line, 50%25 done: ok"
    assert len(out.splitlines()) == 2, "one annotation line plus the summary"


# --------------------------------------------------------------------------
# junit


JUNIT_SUITE_CHILDREN = {"properties", "testcase", "system-out", "system-err"}
JUNIT_CASE_CHILDREN = {"failure", "error", "skipped", "system-out", "system-err"}


def parse_junit(text: str) -> ET.Element:
    """Parse and check the structure JUnit readers (Jenkins, GitLab, GitHub actions) rely on."""
    assert text.startswith("<?xml")
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag in ("testsuites", "testsuite")
    suites = [root] if root.tag == "testsuite" else list(root)
    assert suites and all(s.tag == "testsuite" for s in suites)
    total_tests = total_failures = 0
    for suite in suites:
        for attr in ("name", "tests", "failures"):
            assert attr in suite.attrib, f"testsuite needs {attr}"
        cases = [c for c in suite if c.tag == "testcase"]
        assert {c.tag for c in suite} <= JUNIT_SUITE_CHILDREN
        assert int(suite.get("tests")) == len(cases)
        failed = 0
        for case in cases:
            assert case.get("name") and case.get("classname"), case.attrib
            assert {c.tag for c in case} <= JUNIT_CASE_CHILDREN
            fails = case.findall("failure")
            assert len(fails) <= 1
            if fails:
                assert fails[0].get("message")
                failed += 1
        assert int(suite.get("failures")) == failed
        assert int(suite.get("errors", "0")) == sum(len(c.findall("error")) for c in cases)
        assert int(suite.get("skipped", "0")) == sum(len(c.findall("skipped")) for c in cases)
        total_tests += len(cases)
        total_failures += failed
    if root.tag == "testsuites":
        if "tests" in root.attrib:
            assert int(root.get("tests")) == total_tests
        if "failures" in root.attrib:
            assert int(root.get("failures")) == total_failures
    return root


def cases(root: ET.Element) -> dict[str, ET.Element]:
    found = root.iter("testcase")
    result = {}
    for case in found:
        assert case.get("name") not in result, "one test case per file"
        result[case.get("name")] = case
    return result


def test_junit_clean_kb(kb):
    res = kb.check("--format", "junit")
    assert res.code == 0
    root = parse_junit(res.out)
    tc = cases(root)
    assert set(tc) == FIXTURE_FILES
    assert not any(c.find("failure") is not None for c in tc.values())


def test_junit_failing_files(kb):
    mixed(kb)
    res = kb.check("--format", "junit")
    assert res.code == 1
    tc = cases(parse_junit(res.out))
    assert set(tc) == FIXTURE_FILES | {EXTRA}
    failing = {name for name, c in tc.items() if c.find("failure") is not None}
    assert failing == {ACC, SOP}
    sop_failure = tc[SOP].find("failure").text
    assert "[unknown-key]" in sop_failure and f"{SOP}:7:1: error:" in sop_failure
    assert f"{ACC}:4:7: error:" in tc[ACC].find("failure").text
    # the warning is shown, but does not fail the file
    assert "[unknown-file]" in ET.tostring(tc[EXTRA], encoding="unicode")


def test_junit_warning_only_file_fails_under_strict(kb):
    kb.write(EXTRA, "stuff: 1\n")
    lenient = kb.check("--format", "junit")
    assert lenient.code == 0
    tc = cases(parse_junit(lenient.out))
    assert tc[EXTRA].find("failure") is None
    strict = kb.check("--format", "junit", "--strict")
    assert strict.code == 1
    tc = cases(parse_junit(strict.out))
    failure = tc[EXTRA].find("failure")
    assert failure is not None and "[unknown-file]" in failure.text
    assert [n for n, c in tc.items() if c.find("failure") is not None] == [EXTRA]


def test_junit_scoped_to_paths(kb):
    mixed(kb)
    res = kb.check("--format", "junit", str(kb.root / "org"))
    assert res.code == 0, "only the warning is in scope"
    tc = cases(parse_junit(res.out))
    assert set(tc) == {n for n in FIXTURE_FILES | {EXTRA} if n.startswith("org/")}


def test_junit_to_a_file_matches_stdout(kb, tmp_path):
    mixed(kb)
    out = tmp_path / "kb-junit.xml"
    assert kb.check("--format", "junit", "-o", str(out)).code == 1
    assert out.read_text(encoding="utf-8") == kb.check("--format", "junit").out
    parse_junit(out.read_text(encoding="utf-8"))


def test_junit_escapes_markup_in_messages():
    f = Finding("sops/a&b.md", 1, 1, "error", "unsafe-content", 'found <script>alert("x")</script> & more')
    root = parse_junit(junit_report([f], 1, file_names=["sops/a&b.md"]))
    case = cases(root)["sops/a&b.md"]
    assert '<script>alert("x")</script> & more' in case.find("failure").text


def test_junit_is_well_formed_with_odd_file_names(kb):
    trn = kb.read("training/TRN-901.yaml").replace("TRN-901", "TRN-902")
    kb.write("training/odd\x1bname.yaml", trn)
    res = kb.check("--format", "junit")
    assert "Traceback" not in res.err
    tc = cases(parse_junit(res.out))
    assert len(tc) == len(FIXTURE_FILES) + 1


def test_a_control_character_quoted_in_a_message_is_printed_escaped():
    finding = Finding("kb.yml", 6, 3, "error", "unknown-key", "key temp\t\x1b[2Jlate is not allowed")
    assert finding.format() == "kb.yml:6:3: error: key temp\\x09\\x1b[2Jlate is not allowed [unknown-key]"
