"""The command-line surface: exit codes, options, `KB_TODAY`, scoping, `kb reviews`.

Most cases run `kb` in-process (fast); a handful run the installed console
script and `python -m kbtools` as real subprocesses, where a traceback would
actually reach a user's terminal.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TODAY, codes, run_kb

BIN = Path(sys.executable).parent
KB_SCRIPT = BIN / "kb"

SOP = "sops/ops/SOP-OPS-001.md"
ACC = "accounts/ACC-00001.yaml"


@pytest.fixture(autouse=True)
def _no_env_today(monkeypatch):
    """Tests must not depend on a KB_TODAY the developer happens to have set."""
    monkeypatch.delenv("KB_TODAY", raising=False)


def assert_usage_error(res, *needles: str) -> None:
    """Exit 2, a readable message on stderr naming the problem, no traceback, no report."""
    assert res.code == 2, (res.code, res.out, res.err)
    assert res.err.strip(), "exit 2 must explain itself on stderr"
    assert "Traceback" not in res.err + res.out
    assert "internal error" not in res.err, res.err
    assert res.out == "", f"no report is printed when the command cannot run: {res.out!r}"
    for needle in needles:
        assert needle in res.err, f"{needle!r} not in stderr: {res.err!r}"


def make_warning_only(kb) -> None:
    """A stray file in org/ is a warning (unknown-file) and nothing else."""
    kb.write("org/extra.yaml", "stuff: 1\n")


def make_error(kb) -> None:
    kb.edit(ACC, "tier: 1", "tier: 5")


# --------------------------------------------------------------------------
# kb check: exit codes


def test_check_clean_kb_exits_0(kb):
    res = kb.check()
    assert res.code == 0, res.out
    assert "no problems" in res.out
    assert res.err == ""


def test_check_error_exits_1_and_names_the_file(kb):
    make_error(kb)
    res = kb.check()
    assert res.code == 1
    assert f"{ACC}:4:" in res.out
    assert "[invalid-value]" in res.out


def test_check_warning_only_exits_0_but_1_with_strict(kb):
    make_warning_only(kb)
    lenient = kb.check()
    assert lenient.code == 0, lenient.out
    assert "warning" in lenient.out and "[unknown-file]" in lenient.out
    strict = kb.check("--strict")
    assert strict.code == 1, strict.out
    assert "[unknown-file]" in strict.out


def test_check_strict_on_clean_kb_exits_0(kb):
    assert kb.check("--strict").code == 0


@pytest.mark.parametrize("fmt", ["text", "json", "github", "junit"])
def test_check_exit_code_does_not_depend_on_format(kb, fmt):
    assert kb.check("--format", fmt).code == 0
    make_warning_only(kb)
    assert kb.check("--format", fmt).code == 0
    assert kb.check("--format", fmt, "--strict").code == 1
    make_error(kb)
    assert kb.check("--format", fmt).code == 1


# --------------------------------------------------------------------------
# exit code 2: the command was used wrongly or could not run


@pytest.mark.parametrize("command", ["check", "reviews", "schema"])
def test_unknown_option_exits_2(kb, command):
    res = run_kb([command, "--no-such-option", "--root", str(kb.root)], kb._capsys)
    assert_usage_error(res, "--no-such-option")


@pytest.mark.parametrize("command", ["check", "reviews"])
@pytest.mark.parametrize("bad", ["2026-13-01", "2026-02-30", "tomorrow", "22/11/2026"])
def test_bad_today_option_exits_2(kb, command, bad):
    res = kb.run(command, today=bad)
    assert_usage_error(res, "--today", bad)


def test_empty_today_option_exits_2(kb, monkeypatch):
    # an empty --today (e.g. `--today "$DATE"` with DATE unset) must not fall back silently
    monkeypatch.setenv("KB_TODAY", TODAY)
    res = run_kb(["check", "--today", "", "--root", str(kb.root)], kb._capsys)
    assert_usage_error(res, "--today")


@pytest.mark.parametrize("command", ["check", "reviews"])
def test_bad_kb_today_env_exits_2(kb, monkeypatch, command):
    monkeypatch.setenv("KB_TODAY", "not-a-date")
    res = kb.run(command, today=None)
    assert_usage_error(res, "KB_TODAY", "not-a-date")


def test_today_option_wins_over_a_bad_kb_today_env(kb, monkeypatch):
    monkeypatch.setenv("KB_TODAY", "not-a-date")
    res = kb.check("--format", "json")
    assert res.code == 0, res.err
    assert res.json()["today"] == TODAY


@pytest.mark.parametrize(("command", "fmt"),
                         [("check", "xml"), ("check", "csv"), ("reviews", "junit"), ("reviews", "md")])
def test_unknown_format_exits_2(kb, command, fmt):
    res = kb.run(command, "--format", fmt)
    assert_usage_error(res, "--format", fmt)


@pytest.mark.parametrize("argv", [["reviews", "--within", "-1"], ["reviews", "--within", "soon"],
                                  ["reviews", "--owner", "alice"]])
def test_bad_reviews_option_values_exit_2(kb, argv):
    res = kb.run(*argv)
    assert_usage_error(res, argv[1])


def test_no_subcommand_or_unknown_subcommand_exits_2(kb):
    assert run_kb([], kb._capsys).code == 2
    res = run_kb(["chekc"], kb._capsys)
    assert_usage_error(res, "chekc")


def test_check_path_that_does_not_exist_exits_2(kb):
    res = kb.check(str(kb.root / "sops" / "nope"))
    assert_usage_error(res, "nope")


def test_check_path_outside_the_kb_exits_2(kb, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    res = kb.check(str(outside))
    assert_usage_error(res, "outside")


@pytest.mark.parametrize(
    "argv",
    [["check", "--today", TODAY], ["reviews", "--today", TODAY], ["schema"], ["schema", "--check"]],
    ids=["check", "reviews", "schema", "schema-check"],
)
def test_no_kb_yml_anywhere_exits_2(tmp_path, monkeypatch, capsys, argv):
    empty = tmp_path / "empty"
    empty.mkdir()
    if any((p / "kb.yml").exists() for p in (empty, *empty.parents)):
        pytest.skip("a kb.yml exists above the temp folder")
    monkeypatch.chdir(empty)
    res = run_kb(argv, capsys)
    assert_usage_error(res, "no knowledge base found", "kb.yml")
    assert not (empty / "schemas").exists(), "nothing is written when there is no knowledge base"


@pytest.mark.parametrize("command", ["check", "reviews", "schema"])
def test_root_without_kb_yml_exits_2(tmp_path, capsys, command):
    res = run_kb([command, "--root", str(tmp_path)], capsys)
    assert_usage_error(res, "kb.yml")


BAD_CONFIGS = {
    "yaml-syntax": ("due_soon_days: [1\n", ["kb.yml", "yaml-syntax"]),
    "unknown-key": ("due_son_days: 3\n", ["kb.yml", "due_son_days", "due_soon_days"]),
    "bad-value": ("due_soon_days: lots\n", ["kb.yml", "due_soon_days"]),
    "not-a-mapping": ("- a\n- b\n", ["kb.yml"]),
    "tab-indent": ("account_plan:\n\ttiers: [1]\n", ["kb.yml"]),
    "not-utf8": (b"segments: [\xff\xfe]\n", ["kb.yml", "UTF-8"]),
    "repository-path": ("repository:\n  url: https://github.com/kestrel/kb\n  path: docs/../kb\n",
                        ["kb.yml:3:9: error: repository.path: 'docs/../kb' is not a plain folder", "[invalid-record]"]),
}


@pytest.mark.parametrize("command", ["check", "reviews", "schema"])
@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_unusable_kb_yml_exits_2_with_a_clear_message(kb, command, case):
    text, needles = BAD_CONFIGS[case]
    kb.write("kb.yml", text)
    res = kb.run(command, today=TODAY if command != "schema" else None)
    assert_usage_error(res, *needles)


def test_unknown_config_key_message_points_at_the_line(kb):
    kb.write("kb.yml", "due_soon_days: 30\nsegments: [NA]\nreview_evry: {sop: 3 months}\n")
    res = kb.check()
    assert_usage_error(res, "kb.yml:3:", "review_evry", "[unknown-key]")


def test_empty_kb_yml_means_default_settings(kb):
    kb.write("kb.yml", "# nothing set\n")
    res = kb.check()
    assert res.code == 0, res.out + res.err


# --------------------------------------------------------------------------
# "today": --today, KB_TODAY, the machine's date


def test_kb_today_env_is_honoured(kb, monkeypatch):
    # Account reviewed 2026-10-01, tier 1 = every 3 months: due 2027-01-01.
    monkeypatch.setenv("KB_TODAY", "2027-01-05")
    res = kb.check("--format", "json", today=None)
    assert res.code == 1
    doc = res.json()
    assert doc["today"] == "2027-01-05"
    assert "review-overdue" in codes(doc["findings"])
    reviews = kb.run("reviews", "--format", "json", today=None).json()
    assert reviews["today"] == "2027-01-05"


def test_today_option_overrides_kb_today_env(kb, monkeypatch):
    monkeypatch.setenv("KB_TODAY", "2027-01-05")
    res = kb.check("--format", "json", today=TODAY)
    assert res.code == 0, res.out
    assert res.json()["today"] == TODAY
    assert kb.run("reviews", "--format", "json", today=TODAY).json()["today"] == TODAY


def test_without_today_the_machine_date_is_used(kb):
    before = dt.date.today().isoformat()
    doc = kb.check("--format", "json", today=None).json()
    after = dt.date.today().isoformat()
    assert doc["today"] in (before, after)


def test_today_changes_the_outcome(kb):
    # The same KB is clean in November and has a due-soon warning on 2026-12-10.
    assert kb.findings() == []
    warned = kb.findings(today="2026-12-10")
    assert codes(warned) == ["review-due-soon"]
    assert warned[0]["path"] == ACC


# --------------------------------------------------------------------------
# kb check PATH: scoping, and finding the root from the working directory


def _broken_everywhere(kb) -> None:
    make_error(kb)  # accounts/
    kb.edit(SOP, "audience: internal", "audience: everyone")  # sops/
    kb.edit("training/TRN-901.yaml", "kind: video", "kind: film")  # training/


def test_check_path_reports_only_findings_under_that_path(kb):
    _broken_everywhere(kb)
    everything = {f["path"] for f in kb.findings()}
    assert everything == {ACC, SOP, "training/TRN-901.yaml"}

    res = kb.check("--format", "json", str(kb.root / "sops"))
    assert res.code == 1
    doc = res.json()
    assert {f["path"] for f in doc["findings"]} == {SOP}
    assert doc["summary"]["files"] == 1

    only_acc = kb.findings(str(kb.root / ACC))
    assert {f["path"] for f in only_acc} == {ACC}


def test_check_several_paths(kb):
    _broken_everywhere(kb)
    found = kb.findings(str(kb.root / "sops"), str(kb.root / "training"))
    assert {f["path"] for f in found} == {SOP, "training/TRN-901.yaml"}


def test_check_path_scope_decides_the_exit_code(kb):
    make_error(kb)
    assert kb.check(str(kb.root / "sops")).code == 0
    assert kb.check(str(kb.root / "accounts")).code == 1
    assert kb.check(str(kb.root)).code == 1


def test_check_path_does_not_match_a_sibling_with_the_same_prefix(kb):
    # sops/ops must not also select sops/ops-old/...
    kb.write(
        "sops/ops-old/SOP-OPS-002.md",
        kb.read(SOP).replace("SOP-OPS-001", "SOP-OPS-002").replace("audience: internal", "audience: everyone"),
    )
    assert {f["path"] for f in kb.findings()} == {"sops/ops-old/SOP-OPS-002.md"}
    assert kb.findings(str(kb.root / "sops" / "ops")) == []


def test_check_relative_path_from_the_kb_root_without_root_option(kb, monkeypatch):
    _broken_everywhere(kb)
    monkeypatch.chdir(kb.root)
    res = run_kb(["check", "--today", TODAY, "--format", "json", "accounts"], kb._capsys)
    assert res.code == 1
    assert {f["path"] for f in res.json()["findings"]} == {ACC}


def test_kb_yml_is_found_in_a_parent_folder(kb, monkeypatch):
    make_error(kb)
    monkeypatch.chdir(kb.root / "sops" / "ops")
    res = run_kb(["check", "--today", TODAY], kb._capsys)
    assert res.code == 1
    # paths stay relative to the knowledge-base root, not to the working directory
    assert f"{ACC}:4:" in res.out


# --------------------------------------------------------------------------
# -o FILE


def test_check_output_file(kb, tmp_path):
    make_error(kb)
    (tmp_path / "reports").mkdir()
    out = tmp_path / "reports" / "kb.json"
    res = kb.check("--format", "json", "-o", str(out))
    assert res.code == 1, "writing to a file keeps the exit code"
    assert res.out == ""
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["summary"]["errors"] == 1
    assert doc["findings"][0]["path"] == ACC


def test_check_output_file_is_replaced_not_appended(kb, tmp_path):
    out = tmp_path / "kb.txt"
    out.write_text("old report\n" * 100, encoding="utf-8")
    assert kb.check("-o", str(out)).code == 0
    assert "old report" not in out.read_text(encoding="utf-8")
    assert "no problems" in out.read_text(encoding="utf-8")


def test_output_to_a_folder_exits_2(kb, tmp_path):
    res = kb.check("-o", str(tmp_path))
    assert_usage_error(res)


def test_output_below_a_regular_file_exits_2(kb, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    res = kb.check("-o", str(blocker / "report.txt"))
    assert_usage_error(res, "report.txt")


def test_reviews_output_file(kb, tmp_path):
    out = tmp_path / "reviews.csv"
    res = kb.run("reviews", "--format", "csv", "-o", str(out))
    assert res.code == 0
    assert res.out == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["id"] for r in rows] == ["ACC-00001", "ACC-00001", "SOP-OPS-001"]


# --------------------------------------------------------------------------
# kb reviews


def reviews(kb, *args, today=TODAY):
    res = kb.run("reviews", "--format", "json", *args, today=today)
    doc = res.json()
    return res.code, doc


def set_states(kb) -> None:
    """ACC-00001 review overdue, SOP-OPS-001 due soon, the account plan ok (today 2026-11-22)."""
    kb.edit(ACC, "last_review: 2026-10-01", "last_review: 2026-08-01")  # +3 months = 2026-11-01
    kb.edit(SOP, "last_reviewed: 2026-06-01", "last_reviewed: 2025-12-10")  # +12 months = 2026-12-10
    # plan_updated 2026-02-01 + 12 months = 2027-02-01: ok


def test_reviews_clean_kb(kb):
    code, doc = reviews(kb)
    assert code == 0
    assert doc["version"] == 1
    assert doc["today"] == TODAY
    assert [(i["kind"], i["id"], i["state"]) for i in doc["items"]] == [
        ("account", "ACC-00001", "ok"),
        ("account-plan", "ACC-00001", "ok"),
        ("sop", "SOP-OPS-001", "ok"),
    ]


def test_reviews_json_item_shape(kb):
    _, doc = reviews(kb)
    assert set(doc) >= {"version", "today", "items"}
    keys = {"kind", "id", "title", "owner", "last_review", "every", "due", "days_left", "state", "path"}
    for item in doc["items"]:
        assert set(item) >= keys
    sop = next(i for i in doc["items"] if i["kind"] == "sop")
    assert sop == {
        **{k: sop[k] for k in sop if k not in keys},
        "kind": "sop",
        "id": "SOP-OPS-001",
        "title": "Review an account",
        "owner": "team:ops-team",
        "last_review": "2026-06-01",
        "every": "12 months",
        "due": "2027-06-01",
        "days_left": 191,
        "state": "ok",
        "path": SOP,
    }


def test_reviews_states_and_soonest_due_first(kb):
    set_states(kb)
    code, doc = reviews(kb)
    assert code == 1, "something is overdue"
    got = [(i["kind"], i["state"], i["due"], i["days_left"]) for i in doc["items"]]
    assert got == [
        ("account", "overdue", "2026-11-01", -21),
        ("sop", "due-soon", "2026-12-10", 18),
        ("account-plan", "ok", "2027-02-01", 71),
    ]


def test_reviews_text_report(kb):
    set_states(kb)
    res = kb.run("reviews")
    assert res.code == 1
    lines = [line for line in res.out.splitlines() if line.strip()]
    body = lines[1:-1]  # header ... summary
    assert [line.split()[0] for line in body] == ["OVERDUE", "due", "ok"]
    assert "ACC-00001" in body[0] and "2026-11-01" in body[0]
    assert "SOP-OPS-001" in body[1]
    assert "1 overdue" in lines[-1] and "1 due soon" in lines[-1] and "1 ok" in lines[-1]


def test_reviews_due_soon_only_exits_0(kb):
    kb.edit(SOP, "last_reviewed: 2026-06-01", "last_reviewed: 2025-12-10")
    code, doc = reviews(kb)
    assert code == 0
    assert [i["state"] for i in doc["items"] if i["kind"] == "sop"] == ["due-soon"]


@pytest.mark.parametrize(
    ("last", "state"),
    [("2025-11-21", "overdue"), ("2025-11-22", "due-soon"), ("2025-12-22", "due-soon"), ("2025-12-23", "ok")],
)
def test_reviews_due_soon_window_edges(kb, last, state):
    # 12 months; today 2026-11-22; due-soon window 30 days (kb.yml)
    kb.edit(SOP, "last_reviewed: 2026-06-01", f"last_reviewed: {last}")
    _, doc = reviews(kb)
    assert [i["state"] for i in doc["items"] if i["kind"] == "sop"] == [state]


def test_reviews_due_soon_window_comes_from_kb_yml(kb):
    kb.edit("kb.yml", "due_soon_days: 30", "due_soon_days: 100")
    _, doc = reviews(kb)
    assert {i["kind"]: i["state"] for i in doc["items"]} == {
        "account": "due-soon", "account-plan": "due-soon", "sop": "ok"}


def test_reviews_future_review_date(kb):
    kb.edit(SOP, "last_reviewed: 2026-06-01", "last_reviewed: 2026-12-01")
    code, doc = reviews(kb)
    assert code == 1, "a review dated in the future is an error"
    sop = next(i for i in doc["items"] if i["kind"] == "sop")
    assert (sop["state"], sop["last_review"]) == ("future", "2026-12-01")
    assert "FUTURE" in kb.run("reviews").out


def test_reviews_future_review_date_is_listed_first(kb):
    kb.edit(SOP, "last_reviewed: 2026-06-01", "last_reviewed: 2026-12-01")
    kb.edit(ACC, "last_review: 2026-10-01", "last_review: 2026-08-01")  # overdue
    _, doc = reviews(kb)
    assert [(i["kind"], i["state"]) for i in doc["items"]] == [
        ("sop", "future"), ("account", "overdue"), ("account-plan", "ok")]


def test_reviews_within_keeps_future_dated_items(kb):
    kb.edit(SOP, "last_reviewed: 2026-06-01", "last_reviewed: 2026-12-01")
    code, doc = reviews(kb, "--within", "60")
    assert [(i["id"], i["state"]) for i in doc["items"] if i["kind"] == "sop"] == [("SOP-OPS-001", "future")]
    assert code == 1


def test_reviews_drafts_and_retired_documents_are_not_listed(kb):
    kb.edit(SOP, "status: approved", "status: retired")
    _, doc = reviews(kb)
    assert [i["kind"] for i in doc["items"]] == ["account", "account-plan"]


def test_reviews_account_plan_item_for_tier_1_only(kb):
    kb.write(
        "accounts/ACC-00002.yaml",
        "id: ACC-00002\nname: Small Co\nsegment: RA\ntier: 3\nstatus: active\n"
        "owner: person:alice\nlast_review: 2026-03-01\n",
    )
    _, doc = reviews(kb)
    plans = [(i["id"], i["title"]) for i in doc["items"] if i["kind"] == "account-plan"]
    assert plans == [("ACC-00001", "Example Fuel Co: account plan")]
    plan = next(i for i in doc["items"] if i["kind"] == "account-plan")
    assert (plan["last_review"], plan["every"], plan["due"]) == ("2026-02-01", "12 months", "2027-02-01")
    small = next(i for i in doc["items"] if i["id"] == "ACC-00002")
    assert (small["every"], small["due"], small["state"]) == ("12 months", "2027-03-01", "ok")


def test_reviews_missing_account_plan_is_overdue(kb):
    kb.edit(ACC, "plan_updated: 2026-02-01\n", "")
    code, doc = reviews(kb)
    assert code == 1
    plan = next(i for i in doc["items"] if i["kind"] == "account-plan")
    assert plan["state"] == "overdue"
    assert plan["last_review"] is None and plan["due"] is None
    assert doc["items"][0]["kind"] == "account-plan", "never done comes first"


def test_reviews_within(kb):
    set_states(kb)
    code, doc = reviews(kb, "--within", "30")
    assert code == 1
    assert [i["state"] for i in doc["items"]] == ["overdue", "due-soon"]
    _, doc = reviews(kb, "--within", "0")
    assert [i["state"] for i in doc["items"]] == ["overdue"]
    _, doc = reviews(kb, "--within", "71")
    assert len(doc["items"]) == 3
    _, doc = reviews(kb, "--within", "70")
    assert len(doc["items"]) == 2


def test_reviews_within_without_overdue_exits_0(kb):
    code, doc = reviews(kb, "--within", "45")
    assert code == 0
    assert [(i["kind"], i["days_left"]) for i in doc["items"]] == [("account", 40)]


def test_reviews_owner_filter(kb):
    set_states(kb)
    code, doc = reviews(kb, "--owner", "person:alice")
    assert code == 1
    assert {(i["kind"], i["owner"]) for i in doc["items"]} == {
        ("account", "person:alice"), ("account-plan", "person:alice")}

    code, doc = reviews(kb, "--owner", "team:ops-team")
    assert code == 0, "the overdue account is not listed, so nothing listed is overdue"
    assert [i["id"] for i in doc["items"]] == ["SOP-OPS-001"]

    code, doc = reviews(kb, "--owner", "person:nobody")
    assert (code, doc["items"]) == (0, [])


def test_reviews_owner_filter_text_when_nothing_matches(kb):
    res = kb.run("reviews", "--owner", "person:nobody")
    assert res.code == 0
    assert "nothing to review" in res.out


def test_reviews_csv_reads_back(kb):
    set_states(kb)
    kb.edit(SOP, "title: Review an account", 'title: "Review, then approve: an account"')
    res = kb.run("reviews", "--format", "csv")
    assert res.code == 1
    rows = list(csv.DictReader(io.StringIO(res.out)))
    want = reviews(kb)[1]["items"]
    assert len(rows) == len(want) == 3
    for row, item in zip(rows, want, strict=True):
        for key in ("kind", "id", "title", "owner", "last_review", "every", "due", "days_left", "state", "path"):
            assert row[key] == str(item[key]), key
    assert rows[1]["title"] == "Review, then approve: an account"
    assert [r["state"] for r in rows] == ["overdue", "due-soon", "ok"]


def test_reviews_broken_file_is_flagged_on_stderr(kb):
    kb.edit(SOP, "audience: internal", "audience: everyone")
    res = kb.run("reviews", "--format", "json")
    assert res.code == 1
    assert "kb check" in res.err
    assert [i["id"] for i in res.json()["items"]] == ["ACC-00001", "ACC-00001"]


@pytest.mark.parametrize(("command", "code"), [(["reviews"], 1), (["digest"], 0), (["owners"], 0)])
def test_every_report_says_the_same_when_a_file_is_left_out(kb, command, code):
    kb.edit(SOP, "audience: internal", "audience: everyone")
    res = kb.run(*command)
    assert res.code == code
    assert "1 problem(s) kept some files out of" in res.err and "run kb check" in res.err


@pytest.mark.parametrize(
    ("last", "every", "due"),
    [
        ("2026-01-31", "1 month", "2026-02-28"),
        ("2026-03-31", "1 month", "2026-04-30"),
        ("2025-12-31", "2 months", "2026-02-28"),
        ("2024-01-31", "1 month", "2024-02-29"),
        ("2024-02-29", "1 year", "2025-02-28"),
        ("2025-11-30", "3 months", "2026-02-28"),
        ("2026-01-31", "2 weeks", "2026-02-14"),
        ("2026-01-31", "30 days", "2026-03-02"),
    ],
)
def test_reviews_calendar_arithmetic(kb, last, every, due):
    kb.edit(SOP, "last_reviewed: 2026-06-01", f"last_reviewed: {last}\nreview_every: {every}")
    _, doc = reviews(kb)
    sop = next(i for i in doc["items"] if i["kind"] == "sop")
    assert (sop["last_review"], sop["every"], sop["due"]) == (last, every, due)
    expected_days = (dt.date.fromisoformat(due) - dt.date.fromisoformat(TODAY)).days
    assert sop["days_left"] == expected_days
    assert sop["state"] == "overdue"


def test_check_reports_the_calendar_due_date(kb):
    kb.edit(SOP, "last_reviewed: 2026-06-01", "last_reviewed: 2026-01-31\nreview_every: 1 month")
    found = [f for f in kb.findings() if f["code"] == "review-overdue"]
    assert len(found) == 1
    assert found[0]["path"] == SOP and found[0]["line"] == 11
    assert "2026-02-28" in found[0]["message"]


def test_review_every_defaults_per_document_type_from_kb_yml(kb):
    kb.edit("kb.yml", "  sop: 12 months", "  sop: 2 months")
    _, doc = reviews(kb)
    sop = next(i for i in doc["items"] if i["kind"] == "sop")
    assert (sop["every"], sop["due"], sop["state"]) == ("2 months", "2026-08-01", "overdue")


# --------------------------------------------------------------------------
# real processes: the console script and `python -m kbtools`


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "KB_TODAY"}
    env.update(extra)
    return env


def _run(argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, cwd=cwd, env=_env(**env), capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout, proc.stdout
    return proc


def test_python_m_kbtools_help(tmp_path):
    proc = _run([sys.executable, "-m", "kbtools", "--help"], tmp_path)
    assert proc.returncode == 0
    for word in ("check", "reviews", "schema"):
        assert word in proc.stdout
    assert "Usage:" in proc.stdout


def test_console_script_cases(kb, tmp_path):
    assert KB_SCRIPT.exists(), f"console script missing: {KB_SCRIPT}"
    kb_ = str(KB_SCRIPT)
    root = kb.root

    clean = _run([kb_, "check"], root, KB_TODAY=TODAY)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "no problems" in clean.stdout

    reviews_json = _run([kb_, "reviews", "--format", "json", "--today", TODAY], root)
    assert reviews_json.returncode == 0
    assert json.loads(reviews_json.stdout)["today"] == TODAY

    bad_env = _run([kb_, "check"], root, KB_TODAY="31.12.2026")
    assert bad_env.returncode == 2 and "KB_TODAY" in bad_env.stderr

    empty = tmp_path / "nothing-here"
    empty.mkdir()
    no_kb = _run([kb_, "reviews"], empty)
    assert no_kb.returncode == 2 and "kb.yml" in no_kb.stderr

    make_error(kb)
    kb.write("sops/ops/binary.md", b"\x00\x01\xff\xfe" * 50)
    kb.write("accounts/ACC-00009.yaml", "a: &a [*a, *a]\nid: !!python/object:os.system x\n")
    broken = _run([kb_, "check", "--format", "github", "--today", TODAY], root)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "::error file=accounts/ACC-00001.yaml," in broken.stdout

    kb.write("kb.yml", "review_every: {sop: [\n")
    bad_cfg = _run([kb_, "schema", "--check"], root)
    assert bad_cfg.returncode == 2 and "kb.yml" in bad_cfg.stderr
    assert bad_cfg.stdout == ""


def test_console_script_version_and_help(tmp_path):
    proc = _run([str(KB_SCRIPT), "--version"], tmp_path)
    assert proc.returncode == 0 and "kb" in proc.stdout
    for command in ("check", "reviews", "schema"):
        proc = _run([str(KB_SCRIPT), command, "--help"], tmp_path)
        assert proc.returncode == 0
        assert f"kb {command}" in proc.stdout



# --------------------------------------------------------------------------
# arguments that are not UTF-8 (argv is bytes; Python hands them over as surrogates)


def _kb_bytes(kb, *argv: bytes) -> subprocess.CompletedProcess:
    args = [os.fsencode(sys.executable), b"-m", b"kbtools", *argv, b"--root", os.fsencode(kb.root)]
    return subprocess.run(args, capture_output=True, cwd=kb.root.parent, timeout=60)


@pytest.mark.parametrize(
    "argv, named",
    [
        ([b"review", b"SOP-OPS-001", b"--by", b"person:bob", b"--note", b"caf\xe9"], b"--note"),
        ([b"review", b"SOP-OPS-001", b"--by", b"person:b\xf6b"], b"--by"),
        ([b"review", b"SOP-OPS-001", b"--by=person:\xff", b"--dry-run"], b"--by"),
        ([b"review", b"SOP-\xff", b"--by", b"person:bob"], b"ID"),
        ([b"new", b"sop", b"--department", b"ops", b"--title", b"R\xe9sum\xe9"], b"--title"),
        ([b"new", b"sop", b"--department", b"\xff", b"--title", b"x"], b"--department"),
        ([b"owners", b"reassign", b"person:alice", b"person:\xff"], b"TO"),
        ([b"check", b"sops/\xff"], b"PATHS"),
        ([b"check", b"-o", b"report-\xff.txt"], b"-o"),
        ([b"checklist", b"SOP-OPS-001", b"--set", b"to=\xff"], b"--set"),
        ([b"checklist", b"--due", b"--out", b"due-\xff"], b"--out"),
        ([b"reviews", b"--owner", b"team:\xff"], b"--owner"),
    ],
)
def test_undecodable_arguments_exit_2_with_a_clear_message(kb, argv, named):
    before = {p: p.read_bytes() for p in kb.root.rglob("*") if p.is_file()}
    proc = _kb_bytes(kb, *argv)
    assert proc.returncode == 2, proc.stderr
    assert b"internal error" not in proc.stderr and b"Traceback" not in proc.stderr
    assert proc.stderr.startswith(b"kb: error: " + named + b": b'"), proc.stderr
    assert b"is not UTF-8 text" in proc.stderr
    assert {p: p.read_bytes() for p in kb.root.rglob("*") if p.is_file()} == before
    assert not any(b"\xff" in os.fsencode(p) for p in kb.root.iterdir())


def test_a_schema_file_that_is_not_utf8(kb):
    assert kb.run("schema", today=None).code == 0
    (kb.root / "schemas/sop.schema.json").write_bytes(b"\xff{}")
    result = kb.run("schema", "--check", today=None)
    assert_usage_error(result, "schemas/sop.schema.json is not UTF-8 text (byte 0xff at offset 0)")
    assert kb.run("schema", today=None).code == 0  # written again
    assert kb.run("schema", "--check", today=None).code == 0


def test_a_file_name_that_is_not_utf8_is_printed_escaped(kb):
    text = (kb.root / SOP).read_text(encoding="utf-8").replace("SOP-OPS-001", "SOP-OPS-002")
    (kb.root / os.fsdecode(b"sops/ops/\xff.md")).write_text(text, encoding="utf-8")
    check = _kb_bytes(kb, b"check", b"--today", TODAY.encode())
    assert check.returncode == 1, check.stderr
    assert b"sops/ops/\\xff.md: error: file name" in check.stdout and b"[file-name]" in check.stdout
    # The document is held as broken: nothing writes to a file whose name kb check refuses.
    proc = _kb_bytes(kb, b"review", b"SOP-OPS-002", b"--by", b"person:bob", b"--today", TODAY.encode())
    assert proc.returncode == 1 and b"SOP-OPS-002 has errors; run kb check" in proc.stderr


def test_a_check_scoped_to_a_refused_file_name_reports_it(kb):
    bad = kb.root / "sops/ops/bad\tname.md"
    bad.write_text(kb.read(SOP).replace("SOP-OPS-001", "SOP-OPS-009"), encoding="utf-8")
    res = kb.check(str(bad))
    assert res.code == 1
    assert "sops/ops/bad\\x09name.md: error: file name" in res.out and "[file-name]" in res.out


def test_reviews_list_unconfirmed_glossary_entries(kb):
    kb.edit("org/glossary.yaml", "    definition: A written procedure.",
            "    definition: A written procedure.\n    unconfirmed: The expansion is assumed.")
    _, doc = reviews(kb)
    assert doc["unconfirmed_terms"] == [{"term": "SOP", "expansion": "Standard Operating Procedure",
                                         "unconfirmed": "The expansion is assumed.",
                                         "path": "org/glossary.yaml", "line": 5}]
    text = kb.run("reviews").out
    assert "1 glossary entry is marked unconfirmed" in text
    assert "org/glossary.yaml:5  SOP: The expansion is assumed." in text
    _, mine = reviews(kb, "--owner", "person:alice")
    assert mine["unconfirmed_terms"] == []  # an owner's report: their items only


@pytest.mark.parametrize("command", [["reviews"], ["owners"]])
def test_text_tables_show_a_title_with_terminal_escapes_escaped(kb, command):
    path = kb.root / "sops/ops/SOP-OPS-001.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "title: Review an account", 'title: "Review \\e[2J\\e]0;owned\\a an account"'), encoding="utf-8")
    result = kb.run(*command)
    assert "\x1b" not in result.out and "\x07" not in result.out
    if command == ["reviews"]:
        assert "Review \\x1b[2J\\x1b]0;owned\\x07 an account" in result.out
