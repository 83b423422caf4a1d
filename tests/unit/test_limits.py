"""Size limits (`limits:` in kb.yml) and linear time on hostile files: nothing grows faster than its input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURE, codes, only
from kbtools.load.limits import LIMITS, Limits, text_findings
from timing import assert_linear

ACCOUNT = "accounts/ACC-00001.yaml"
SOP = "sops/ops/SOP-OPS-001.md"


# The peak of this process's own memory: VmHWM (ru_maxrss would count the forked test runner's pages).
CHECK_AND_PEAK = """
import re, sys
from kbtools.cli import main
try:
    main(sys.argv[1:])
finally:
    with open("/proc/self/status") as status:
        print("peak-rss-kb", re.search(r"VmHWM:\\s+(\\d+)", status.read())[1], file=sys.stderr)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak memory from /proc")
def test_a_file_over_the_size_limit_is_not_read_and_memory_stays_small(kb):
    # a 50 MB account took 2.3 GB of memory to load
    line = "notes: " + "x" * 70 + "\n"
    kb.write(ACCOUNT, kb.read(ACCOUNT) + line * (50 * 1024 * 1024 // len(line)))
    run = subprocess.run([sys.executable, "-c", CHECK_AND_PEAK, "check", "--root", str(kb.root),
                          "--today", "2026-11-22", "--format", "json"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr[-500:]
    peak_mb = int(run.stderr.rsplit("peak-rss-kb ", 1)[1]) / 1024
    assert peak_mb < 100, f"{peak_mb:.0f} MB"
    fs = json.loads(run.stdout)["findings"]
    assert [(f["path"], f["code"]) for f in fs] == [(ACCOUNT, "file-too-large")]  # its id is kept: no cascade
    limit = LIMITS["file_bytes"][0]
    assert fs[0]["line"] == (limit - len(kb.read(ACCOUNT).split("notes:", 1)[0])) // len(line) + 10
    assert f"limit (limits.file_bytes in kb.yml) is {limit:,}" in fs[0]["message"]


def test_a_line_over_the_limit_stops_the_file_before_it_is_parsed(kb):
    kb.write(SOP, kb.read(SOP) + "\n" + "[" * 5000 + "\n")
    fs = kb.findings()
    assert [(f["path"], f["code"], f["line"], f["col"]) for f in fs] == [(SOP, "line-too-long", 40, 4001)]
    assert "the line is 5,000 characters" in fs[0]["message"]


def test_kb_yml_may_lower_a_limit_without_a_warning(kb):
    kb.write("kb.yml", kb.read("kb.yml") + "limits:\n  file_bytes: 500\n  line_chars: 40\n  yaml_depth: 2\n")
    fs = kb.findings()
    assert sorted(set(codes(fs))) == ["file-too-large", "line-too-long", "yaml-depth"]
    assert only(fs, "file-too-large")["path"] == SOP
    assert "limit-raised" not in codes(fs)


@pytest.mark.parametrize("name, value", [("file_bytes", 4_000_000), ("line_chars", 10_000), ("yaml_depth", 100),
                                          ("yaml_aliases", 50_000)])
def test_raising_a_limit_is_a_warning_on_its_line(kb, name, value):
    kb.write("kb.yml", kb.read("kb.yml") + f"limits:\n  {name}: {value}\n")
    f = only(kb.findings(), "limit-raised")
    assert (f["path"], f["line"], f["col"], f["severity"]) == ("kb.yml", 40, 3 + len(name) + 2, "warning")
    assert f"limits.{name} is raised from {LIMITS[name][0]:,} to {value:,}" in f["message"]
    assert kb.check().code == 0 and kb.check("--strict").code == 1


@pytest.mark.parametrize("name", list(LIMITS))
def test_a_limit_above_its_ceiling_makes_kb_yml_unusable(kb, name):
    kb.write("kb.yml", kb.read("kb.yml") + f"limits:\n  {name}: {LIMITS[name][1] + 1}\n")
    result = kb.check()
    assert result.code == 2 and f"kb.yml:40:{3 + len(name) + 2}: error: limits.{name}" in result.err


def test_kb_yml_is_read_within_the_default_limits(kb):
    kb.write("kb.yml", kb.read("kb.yml") + "# " + "x" * 5000 + "\n")
    result = kb.check()
    assert result.code == 2 and "kb.yml:39:4001: error: the line is 5,002 characters" in result.err


def test_text_findings_for_pages_the_loader_does_not_read():
    assert text_findings("docs/help.md", "---\naudience: public\n---\n# Help\n\nText.\n") == []
    deep = text_findings("docs/help.md", "---\nx:\n" + "  [\n" * 100 + "---\n# Help\n")
    assert [(f.code, f.line, f.col) for f in deep] == [("yaml-depth", 66, 3)]  # the 64th '['
    long = text_findings("docs/help.md", "# Help\n\n" + "[" * 25_000 + "\n")
    assert [(f.code, f.line, f.col) for f in long] == [("line-too-long", 3, 4001)]
    small = Limits(file_bytes=100)
    big = text_findings("docs/help.md", "# Help\n" + "word " * 50, small)
    assert [(f.code, f.path, f.line) for f in big] == [("file-too-large", "docs/help.md", 2)]


# --- linear time: many problems in one file ----------------------------------------------

LOADED = f"""
import datetime as dt
from pathlib import Path
from kbtools.checks import run_checks
from kbtools.checks.report import REPORTERS
from kbtools.load.loader import load, load_text
kb = load(Path({str(FIXTURE)!r}))
sop = (Path({str(FIXTURE)!r}) / {SOP!r}).read_text()
account = (Path({str(FIXTURE)!r}) / {ACCOUNT!r}).read_text()
def checked(rel, text):
    entry, found = load_text(kb, rel, text)
    assert found or entry is not None
    if entry is not None:
        kb.table("document" if rel.startswith("sops/") else "account")[entry.model.id] = entry
    return found + run_checks(kb, dt.date(2026, 11, 22))
"""
MANY_DOCUMENTS = """
for i in range(3000):  # enough that comparing each unknown id with every document shows
    kb.docs[f"SOP-X{chr(65 + i // 1000)}-{i % 1000:03d}"] = kb.docs["SOP-OPS-001"]
"""


@pytest.mark.parametrize("name, sizes, body", [
    ("unknown keys", (5_000, 50_000),  # each finding looked its key up in a list of all keys
     "found = checked({ACCOUNT!r}, account + ''.join(f'k{{i}}: v\\n' for i in range(n)))"),
    ("wrong types in a list", (1_000, 10_000),
     "found = checked({ACCOUNT!r}, account + 'products:\\n' + '  - [1]\\n' * n)"),
    ("unknown related documents", (200, 2_000),
     "found = checked({SOP!r}, sop.replace('terms: [CSM]', "
     "'related:\\n' + ''.join(f'  - SOP-OPS-{{i % 900 + 100}}\\n' for i in range(n))))"),
    ("approvals over later steps", (2_000, 20_000),
     "found = checked({SOP!r}, sop.replace('changelog:', ''.join("
     "f'  - id: s{{i}}\\n    title: S\\n    approval: {{{{by: role:manager, covers: "
     "[s{{i + 1}}]}}}}\\n' for i in range(n)) + 'changelog:'))"),
    ("a junit report of one file", (1_000, 10_000),
     "found = checked({ACCOUNT!r}, account + ''.join(f'k{{i}}: v\\n' for i in range(n)))"
     "; REPORTERS['junit'](found, 1, file_names=[{ACCOUNT!r}])"),
])
def test_many_problems_in_one_file_take_linear_time(name, sizes, body):
    setup = LOADED + (MANY_DOCUMENTS if "documents" in name else "")
    setup += "def run(n):\n    " + body.format(ACCOUNT=ACCOUNT, SOP=SOP) + "\n    assert found\n"
    assert_linear(setup, sizes=sizes, timeout=100)


TEAM = LOADED + """
people, docs = dict(kb.people), dict(kb.docs)
def run(n):
    kb.people, kb.docs = dict(people), dict(docs)
    for i in range(n):  # n members of ops-team, n documents it owns
        kb.people[f"p{i}"] = people["alice"]
        kb.docs[f"SOP-T{i}"] = docs["SOP-OPS-001"]
    assert run_checks(kb, dt.date(2026, 11, 22))
"""


def test_team_owners_are_checked_in_linear_time():
    # each document owned by a team looked for the team's active members among all people
    assert_linear(TEAM, sizes=(1_000, 10_000), timeout=100)
