"""Working a checklist run on the internal service over HTTP: the real app, uvicorn and a real store."""

from __future__ import annotations

import threading
from urllib.parse import urlencode

import pytest

from kbtools.loop.store import Store
from kbtools.runs import work
from kbtools.service.settings import RateLimit, parse_networks
from service_util import TODAY, running, settings_for

DOC = "TPL-CARE-001"
TIER1 = "ACC-00201"
BEFORE_GATE = ["collect-usage/items/1", "collect-usage/items/2", "collect-usage/items/3", "rate-satisfaction/done",
               "check-contract/items/1"]
HEADER = "x-remote-user"


def as_user(who: str) -> dict[str, str]:
    return {HEADER: who}


def form(service, path: str, fields: list[tuple[str, str]] | dict[str, str], headers: dict[str, str] | None = None):
    body = urlencode(fields).encode()
    return service.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                                **(headers or {})})


def start(store_path, site_kb, account: str | None = TIER1, begin=TODAY) -> str:
    with Store(store_path) as store:
        return work.start_run(site_kb, store, DOC, account_id=account, sets={}, start=begin, today=TODAY,
                              run_kind="review", by=None).ref


def items(service, run: str = "RUN-1") -> dict:
    with Store(service.service.settings.store) as store:
        return {i.key: i for i in store.run_items(int(run.split("-")[1]))}


@pytest.fixture
def proxied(sites, site_kb, tmp_path):
    """Behind a proxy on 127.0.0.1 that names the user in X-Remote-User; RUN-1 started for a tier 1 account."""
    settings = settings_for(sites.kb, sites.internal, tmp_path / "store.sqlite3", identity_header=HEADER,
                            trusted_proxies=parse_networks("127.0.0.1"))
    start(settings.store, site_kb)
    with running(settings, site_kb) as service:
        yield service


@pytest.fixture
def local(sites, site_kb, tmp_path):
    """kb serve --as person:tobias, no proxy."""
    settings = settings_for(sites.kb, sites.internal, tmp_path / "store.sqlite3", acting_as="person:tobias")
    with running(settings, site_kb) as service:
        yield service


def change(service, item: str, action: str, who: str = "tobias", **more):
    return service.post("/api/v1/runs/RUN-1/changes", {"item": item, "action": action, **more}, as_user(who))


def test_a_run_started_and_ticked_in_the_browser_records_the_local_person(local):
    started = form(local, "/service/runs/", {"doc": DOC, "account": TIER1, "start": "2026-11-22", "run": "review"})
    assert started.status == 200  # followed the 303 to the run's page
    page = started.text
    assert "RUN-1: Quarterly account review (periodic review): Alderbrook Brewery (ACC-00201)" in page
    assert "every change here is made as Tobias Lehmann (person:tobias)" in page
    assert "Assignee: Petra Novak (person:petra)" in page and "Due 2026-12-06" in page
    policy = started.headers["content-security-policy"]
    assert "form-action 'self'" in policy and "script-src" not in policy and "<script" not in page
    ticked = form(local, "/service/runs/RUN-1/", {"item": "collect-usage/items/1", "action": "tick"})
    assert ticked.status == 200
    assert items(local)["collect-usage/items/1"].done and items(local)["collect-usage/items/1"].by == "person:tobias"
    assert "person:tobias, " in ticked.text and 'value="untick"' in ticked.text
    listed = local.get("/service/runs/").text
    assert "RUN-1" in listed and "in progress" in listed and "made as Tobias Lehmann" in listed


def test_form_fields_and_comments_are_kept_with_who_wrote_them(local, site_kb):
    start(local.service.settings.store, site_kb)
    form(local, "/service/runs/RUN-1/", [("item", "rate-satisfaction/fields/topics"), ("action", "set"),
                                         ("value", "Billing"), ("value", "Response times"), ("seen", "0")])
    form(local, "/service/runs/RUN-1/", {"item": "check-contract/fields/renewal", "action": "set",
                                         "value": "2027-03-31"})
    page = form(local, "/service/runs/RUN-1/", {"action": "comment", "step": "collect-usage",
                                                "text": "<b>Readings</b> came late"}).text
    assert items(local)["rate-satisfaction/fields/topics"].value == '["Billing", "Response times"]'
    assert items(local)["check-contract/fields/renewal"].value == "2027-03-31"
    assert "person:tobias, " in page and "&lt;b&gt;Readings&lt;/b&gt; came late" in page
    assert 'value="Billing" checked' in page and 'value="Water quality">' in page


def test_the_gate_locks_the_next_steps_until_an_approver_approves(proxied):
    answer = change(proxied, "write-plan/done", "tick")
    assert (answer.status, answer.json()["code"]) == (409, "locked")
    for key in BEFORE_GATE:
        assert change(proxied, key, "tick").status == 200
    answer = change(proxied, "sign-off-status/approval", "approve", "tobias")  # not a care lead
    assert (answer.status, answer.json()["code"]) == (403, "not-approver")
    assert proxied.get("/api/v1/status").status == 200
    page = proxied.get("/service/runs/RUN-1/", as_user("tobias")).text
    assert "<strong>State: waiting for approval</strong>" in page
    answer = change(proxied, "sign-off-status/approval", "approve", "petra@kestrel.example", note="Numbers fine")
    assert answer.status == 200
    assert answer.json()["item"]["decision"] == "approved" and answer.json()["item"]["by"] == "person:petra"
    assert change(proxied, "write-plan/done", "tick").status == 200
    assert change(proxied, "send-summary/items/1", "tick").json()["code"] == "locked"  # behind the second gate


def test_a_rejection_in_the_browser_reopens_the_covered_steps(proxied):
    for key in BEFORE_GATE:
        change(proxied, key, "tick")
    page = form(proxied, "/service/runs/RUN-1/", {"item": "sign-off-status/approval", "action": "reject",
                                                  "note": "Use the October readings"}, as_user("petra")).text
    assert "Rejected" in page and "Use the October readings" in page
    assert not any(items(proxied)[k].done for k in BEFORE_GATE)
    answer = form(proxied, "/service/runs/RUN-1/", {"item": "sign-off-status/approval", "action": "reject"},
                  as_user("petra"))
    assert answer.status == 409  # the covered steps are open again: nothing to decide yet


def test_no_identity_no_change_and_a_forged_one_is_refused(proxied, sites, site_kb, tmp_path):
    answer = proxied.post("/api/v1/runs/RUN-1/changes", {"item": "collect-usage/items/1", "action": "tick"})
    assert (answer.status, answer.json()["code"]) == (403, "no-identity")
    settings = settings_for(sites.kb, sites.internal, tmp_path / "other.sqlite3", identity_header=HEADER,
                            trusted_proxies=parse_networks("10.9.9.9"))
    start(settings.store, site_kb)
    with running(settings, site_kb) as elsewhere:
        answer = change(elsewhere, "collect-usage/items/1", "tick", "petra")
        assert (answer.status, answer.json()["code"]) == (403, "untrusted-identity")
        assert not items(elsewhere)["collect-usage/items/1"].done
    assert not items(proxied)["collect-usage/items/1"].done


@pytest.mark.parametrize(("path", "body", "headers", "status", "code"), [
    ("/api/v1/runs/RUN-1/changes", {"item": "collect-usage/items/9", "action": "tick"}, {}, 404, "unknown-item"),
    ("/api/v1/runs/RUN-7/changes", {"item": "collect-usage/items/1", "action": "tick"}, {}, 404, "unknown-run"),
    ("/api/v1/runs/nonsense/changes", {"item": "collect-usage/items/1", "action": "tick"}, {}, 404, "unknown-run"),
    ("/api/v1/runs/RUN-1/changes", {"item": "collect-usage/items/1", "action": "explode"}, {}, 422, "invalid"),
    ("/api/v1/runs/RUN-1/changes", {"item": "rate-satisfaction/fields/satisfaction", "action": "set",
                                    "value": "Thrilled"}, {}, 422, "invalid"),
    ("/api/v1/runs/RUN-1/changes", {"item": "collect-usage/items/1", "action": "tick"},
     {"Origin": "https://evil.example"}, 403, "cross-origin"),
    ("/api/v1/runs/RUN-1/comments", {"step": "collect-usage", "text": "x" * 2001}, {}, 422, "invalid"),
    ("/api/v1/runs/RUN-1/comments", {"step": "collect-usage", "text": "bell \x07"}, {}, 422, "invalid"),
    ("/api/v1/runs/RUN-1/comments", {"step": "no-such-step", "text": "hello"}, {}, 404, "unknown-step"),
])
def test_bad_input_gets_a_4xx_and_changes_nothing(proxied, path, body, headers, status, code):
    before = items(proxied)
    answer = proxied.post(path, body, {**as_user("tobias"), **headers})
    assert (answer.status, answer.json()["code"]) == (status, code)
    assert items(proxied) == before
    with Store(proxied.service.settings.store) as store:
        assert store.run_comments(1) == []


def test_bad_forms_get_a_page_saying_why(proxied):
    answer = form(proxied, "/service/runs/RUN-1/", {"item": "write-plan/done", "action": "tick"}, as_user("tobias"))
    assert answer.status == 409 and "locked" in answer.text and 'href="/service/runs/RUN-1/"' in answer.text
    answer = form(proxied, "/service/runs/RUN-1/", [("item", "a/b"), ("item", "c/d"), ("action", "tick")],
                  as_user("tobias"))
    assert answer.status == 400
    answer = proxied.request("POST", "/service/runs/RUN-1/", b'{"item": "x"}',
                             {"Content-Type": "application/json", **as_user("tobias")})
    assert answer.status == 415
    assert not any(i.done for i in items(proxied).values())


def test_two_people_ticking_at_once_lose_nothing(proxied):
    errors: list[str] = []

    def work_through(who: str, keys: list[str]) -> None:
        for key in keys:
            answer = change(proxied, key, "tick", who)
            if answer.status != 200:
                errors.append(f"{who} {key}: {answer.status} {answer.text}")

    threads = [threading.Thread(target=work_through, args=("tobias", BEFORE_GATE[::2])),
               threading.Thread(target=work_through, args=("ingrid", BEFORE_GATE[1::2])),
               threading.Thread(target=work_through, args=("kofi", BEFORE_GATE))]  # the same ticks again
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(items(proxied)[k].done for k in BEFORE_GATE)


def test_a_field_set_over_someone_elses_newer_value_is_a_clear_conflict(proxied):
    key = "rate-satisfaction/fields/satisfaction"
    assert change(proxied, key, "set", "tobias", value="Satisfied", seen=0).status == 200
    answer = change(proxied, key, "set", "ingrid", value="Neutral", seen=0)
    assert (answer.status, answer.json()["code"]) == (409, "conflict")
    assert "person:tobias" in answer.json()["error"]
    assert items(proxied)[key].value == "Satisfied"


def test_run_changes_are_rate_limited(sites, site_kb, tmp_path):
    settings = settings_for(sites.kb, sites.internal, tmp_path / "store.sqlite3", acting_as="person:tobias",
                            run_rate=RateLimit(2, 60.0))
    start(settings.store, site_kb)
    with running(settings, site_kb) as service:
        answers = [service.post("/api/v1/runs/RUN-1/changes", {"item": k, "action": "tick"})
                   for k in BEFORE_GATE[:3]]
        assert [a.status for a in answers] == [200, 200, 429]
        assert not items(service)[BEFORE_GATE[2]].done


def test_the_public_service_has_no_runs(sites, site_kb, tmp_path):
    settings = settings_for(sites.kb, sites.public, tmp_path / "store.sqlite3", audience="public")
    start(settings.store, site_kb)
    with running(settings, site_kb) as service:
        assert service.get("/service/runs/RUN-1/").status == 404
        assert service.post("/api/v1/runs/RUN-1/changes", {"item": "collect-usage/items/1", "action": "tick"}
                            ).status == 404


@pytest.mark.parametrize(("args", "says"), [
    (["--as", "person:tobias", "--host", "0.0.0.0"], "loopback"),
    (["--as", "person:tobias", "--identity-header", "X-Remote-User", "--trusted-proxy", "127.0.0.1"],
     "without a proxy"),
    (["--as", "person:vera"], "no longer active"),
    (["--as", "tobias"], "person:<id>"),
])
def test_serve_as_one_person_is_for_local_use_by_an_active_person(sites, tmp_path, capsys, args, says):
    from conftest import run_kb

    result = run_kb(["serve", *args, "--site-dir", str(sites.internal), "--store", str(tmp_path / "s.sqlite3"),
                     "--port", "0", "--root", str(sites.kb)], capsys)
    assert result.code == 2 and says in result.err and "Traceback" not in result.err


def test_my_tasks_lists_a_persons_open_items_soonest_due_first_and_the_gate_for_its_approver(proxied, site_kb):
    start(proxied.service.settings.store, site_kb, account="ACC-00202", begin=TODAY.replace(month=10))
    page = proxied.get("/service/tasks/", as_user("petra")).text  # petra owns ACC-00201 (am) and leads care
    assert "My tasks: Petra Novak" in page
    assert "Meter readings for the quarter" in page
    assert "Decide:" not in page  # the gate waits for its steps first
    for key in BEFORE_GATE:
        change(proxied, key, "tick", "tobias")
    page = proxied.get("/service/tasks/?person=person:petra", as_user("tobias")).text
    assert "Decide: Approval: account status" in page
    assert page.count('href="/service/runs/RUN-1/#step-') == 1  # her tasks are ticked, the rest locked
    tobias = proxied.get("/service/tasks/", as_user("tobias")).text
    assert "Decide:" not in tobias  # not a care lead
    assert proxied.get("/service/tasks/?person=person:nobody", as_user("tobias")).status == 404


def test_the_account_page_lists_its_runs_and_the_dashboard_counts_overdue_ones(proxied, site_kb):
    start(proxied.service.settings.store, site_kb, account="ACC-00202", begin=TODAY.replace(month=10))
    account = proxied.get(f"/service/accounts/{TIER1}/", as_user("tobias"))
    assert account.status == 200 and "RUN-1" in account.text and "RUN-2" not in account.text
    assert f'<option value="{TIER1}" selected>' in account.text
    assert proxied.get("/service/accounts/ACC-99999/", as_user("tobias")).status == 404
    dashboard = proxied.get("/service/", as_user("ines")).text  # ines is of the governing team
    assert "<strong>1 overdue</strong>, 0 waiting for approval, 1 in progress, 0 done" in dashboard


def test_a_field_answer_comes_back_as_its_kind_says(proxied):
    for who in ("tobias",):
        for key in BEFORE_GATE:
            change(proxied, key, "tick", who)
    change(proxied, "sign-off-status/approval", "approve", "petra")
    text = change(proxied, "write-plan/fields/goals", "set", value="[draft] three goals")
    assert text.status == 200 and text.json()["item"]["value"] == "[draft] three goals"
    topics = change(proxied, "rate-satisfaction/fields/topics", "set", value=["Billing"])
    assert topics.json()["code"] == "approved"  # frozen once its gate is approved
