"""`kb digest`: per owner, what is overdue or due soon, with links to the site.

The minimal knowledge base: ACC-00001 (tier 1, owner person:alice) was
reviewed 2026-10-01 (due 2027-01-01) and its plan updated 2026-02-01 (due
2027-02-01); SOP-OPS-001 (owner team:ops-team: alice, bob, and carol who has
left) was reviewed 2026-06-01 (due 2027-06-01).
"""

from __future__ import annotations

import json

from conftest import SITE_FIXTURE, TODAY, run_kb


def test_nothing_due_says_so(kb):
    md = kb.run("digest")
    assert md.code == 0
    store = kb.root / ".kb" / "store.sqlite3"
    assert md.out == (
        "# Review digest, 2026-11-22\n\nNothing is overdue or due within 30 days.\n\n"
        "Feedback and knowledge gaps are not included: no feedback store at "
        f"{str(store).replace('_', chr(92) + '_')}; kb serve creates it, or set --store / KB\\_STORE.\n")
    assert kb.run("digest", "--format", "json").json() == {
        "version": 1, "today": TODAY, "within": 30, "feedback": None,
        "feedback_note": f"no feedback store at {store}; kb serve creates it, or set --store / KB_STORE",
        "owners": []}


def test_within_and_the_json_shape(kb):
    data = kb.run("digest", "--within", "40", "--format", "json").json()
    assert data == {
        "version": 1, "today": TODAY, "within": 40, "feedback": None,
        "feedback_note": f"no feedback store at {kb.root / '.kb' / 'store.sqlite3'}; kb serve creates it, "
                         "or set --store / KB_STORE",
        "owners": [{
            "owner": "person:alice", "name": "Alice Example", "recipients": ["alice@example.com"],
            "items": [{"kind": "account", "id": "ACC-00001", "title": "Example Fuel Co", "state": "ok",
                       "due": "2027-01-01", "days_left": 40, "url": "accounts/acc-00001/"}],
            "feedback": None, "runs": None,
        }],
    }
    assert kb.run("digest", "--within", "39", "--format", "json").json()["owners"] == []


def test_default_window_is_due_soon_days(kb):
    kb.edit("kb.yml", "due_soon_days: 30", "due_soon_days: 45")
    data = kb.run("digest", "--format", "json").json()
    assert data["within"] == 45
    assert [i["state"] for o in data["owners"] for i in o["items"]] == ["due-soon"]


def test_owners_teams_and_site_links(kb):
    kb.write("kb.yml", kb.read("kb.yml") + "site_url: https://kb.example.com/\n")
    data = kb.run("digest", "--format", "json", today="2027-05-20").json()
    assert [(o["owner"], o["recipients"]) for o in data["owners"]] == [
        ("person:alice", ["alice@example.com"]),
        ("team:ops-team", ["alice@example.com", "bob@example.com"]),  # carol has left
    ]
    alice, team = data["owners"]
    assert [(i["kind"], i["state"], i["days_left"]) for i in alice["items"]] == [
        ("account", "overdue", -139), ("account-plan", "overdue", -108)]
    assert alice["items"][1]["url"] == "https://kb.example.com/accounts/acc-00001/"
    assert team["name"] == "Operations team"
    assert team["items"] == [{
        "kind": "sop", "id": "SOP-OPS-001", "title": "Review an account", "state": "due-soon",
        "due": "2027-06-01", "days_left": 12, "url": "https://kb.example.com/sops/sop-ops-001/"}]


def test_markdown_is_ready_to_paste(kb):
    kb.edit("sops/ops/SOP-OPS-001.md", "title: Review an account", 'title: "Review *an* [account]"')
    out = kb.run("digest", today="2027-05-20").out
    assert out.startswith("# Review digest, 2027-05-20\n\n3 items overdue or due within 30 days, for 2 owners.\n")
    assert "## Alice Example (`person:alice`)\n\nTo: alice@example.com\n\n" in out
    assert ("- **OVERDUE** [ACC-00001: Example Fuel Co](accounts/acc-00001/) (account review): "
            "due 2027-01-01, 139 days overdue\n") in out
    assert "(account plan update): due 2027-02-01, 108 days overdue\n" in out
    assert "## Operations team (`team:ops-team`)\n\nTo: alice@example.com, bob@example.com\n\n" in out
    assert ("- **due soon** [SOP-OPS-001: Review \\*an\\* \\[account\\]](sops/sop-ops-001/) (document review): "
            "due 2027-06-01, in 12 days\n") in out


def test_day_wording(kb):
    assert "due today (2027-01-01)" in kb.run("digest", today="2027-01-01").out
    assert "due 2027-01-01, 1 day overdue" in kb.run("digest", today="2027-01-02").out
    assert "due 2027-01-01, in 1 day\n" in kb.run("digest", today="2026-12-31").out


def test_unknown_owner_and_future_dates(kb):
    kb.edit("sops/ops/SOP-OPS-001.md", "owner: team:ops-team", "owner: team:ghosts")
    kb.edit("sops/ops/SOP-OPS-001.md", "last_reviewed: 2026-06-01", "last_reviewed: 2026-12-01")
    result = kb.run("digest")
    assert result.code == 0
    assert "## team:ghosts (`team:ghosts`)\n\nTo: nobody: the owner is not in org/" in result.out
    assert "- **DATED IN THE FUTURE** [SOP-OPS-001" in result.out


def test_output_file(kb):
    target = kb.root / "out" / "digest.json"
    target.parent.mkdir()
    result = kb.run("digest", "--format", "json", "-o", str(target), today="2027-05-20")
    assert result.code == 0 and result.out == ""
    assert len(json.loads(target.read_text(encoding="utf-8"))["owners"]) == 2


def test_broken_files_are_noted_not_fatal(kb):
    kb.write("accounts/ACC-00002.yaml", "id: [unclosed\n")
    result = kb.run("digest")
    assert result.code == 0
    assert "kept some files out of this digest" in result.err


def test_usage_errors(kb, tmp_path, capsys):
    for args in (["--within", "-1"], ["--within", "x"], ["--format", "html"]):
        result = kb.run("digest", *args)
        assert result.code == 2 and "Traceback" not in result.err
    assert kb.run("digest", today="2026-13-01").code == 2
    assert run_kb(["digest", "--root", str(tmp_path / "nowhere")], capsys).code == 2
    (kb.root / "taken").mkdir()
    assert kb.run("digest", "-o", str(kb.root / "taken")).code == 2


def test_digest_of_a_larger_knowledge_base(capsys):
    result = run_kb(["digest", "--root", str(SITE_FIXTURE), "--today", TODAY, "--format", "json"], capsys)
    assert result.code == 0
    data = result.json()
    assert [(o["owner"], [i["id"] for i in o["items"]]) for o in data["owners"]] == [
        ("person:ingrid", ["ACC-00203"]),
        ("person:petra", ["ACC-00204", "POL-CARE-001", "ACC-00204"]),
        ("person:tobias", ["ACC-00202"]),
        ("team:care-managers", ["SOP-CARE-002"]),
    ]
    petra = data["owners"][1]["items"]  # a plan never made first, then by due date
    assert [(i["kind"], i["due"]) for i in petra] == [("account-plan", None), ("sop", "2026-10-20"),
                                                      ("account", "2026-10-30")]
    for owner in data["owners"]:
        assert owner["items"] and owner["recipients"]
        for item in owner["items"]:
            assert set(item) == {"kind", "id", "title", "state", "due", "days_left", "url"}
            assert item["url"].endswith(f"/{item['id'].lower()}/")
    team = data["owners"][-1]
    assert team["recipients"] == ["petra@kestrel.example", "tobias@kestrel.example", "ingrid@kestrel.example",
                                  "kofi@kestrel.example"]  # vera has left
    within = run_kb(["digest", "--root", str(SITE_FIXTURE), "--today", TODAY, "--within", "400", "--format", "json"],
                    capsys).json()
    assert {i["id"] for o in within["owners"] for i in o["items"]} >= {"SOP-FLD-001", "ACC-00201", "PRC-FLD-001"}
