"""`kb serve` over HTTP: the real app, uvicorn, a real SQLite file, the fixture knowledge base's built sites."""

from __future__ import annotations

import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import free_port
from kbtools.loop.store import Store
from kbtools.service.settings import RateLimit, parse_networks
from service_util import running, settings_for

DOC = "SOP-CARE-002"  # internal
PUBLIC_DOC = "ART-DSK-001"
PAGE = "/sops/sop-care-002/"
OWNER_MEMBER = "petra"  # of team:care-managers, which owns DOC


@pytest.fixture
def internal(sites, site_kb, tmp_path):
    settings = settings_for(sites.kb, sites.internal, tmp_path / "store.sqlite3")
    with running(settings, site_kb) as service:
        yield service


def stored(service) -> list:
    with Store(service.service.settings.store) as store:
        return store.items()


def test_feedback_is_stored_with_its_document_version_page_and_audience(internal, site_kb):
    answer = internal.post("/api/v1/feedback", {"doc": DOC, "page": PAGE, "helpful": False,
                                                "comment": "Step 3 names the wrong form"})
    assert answer.status == 201
    assert answer.json() == {"id": "FB-1", "state": "new"}
    [item] = stored(internal)
    assert (item.doc, item.page, item.audience, item.text, item.helpful) == (
        DOC, PAGE, "internal", "Step 3 names the wrong form", False)
    assert item.version == site_kb.docs[DOC].model.version
    assert item.sender is None and item.person is None


def test_a_yes_is_a_vote_and_counts_in_the_documents_helpfulness(internal):
    for helpful in (True, True, True, False):
        assert internal.post("/api/v1/feedback", {"doc": DOC, "page": PAGE, "helpful": helpful}).status == 201
    states = [i.state for i in stored(internal)]
    assert states == ["vote", "vote", "vote", "new"]
    summary = internal.get(f"/api/v1/documents/{DOC}/helpfulness").json()
    assert summary == {"doc": DOC, "votes": 4, "helpful": 3, "percent": 75, "open": 1,
                       "url": f"service/documents/{DOC}/"}


@pytest.mark.parametrize(("body", "headers", "status", "code"), [
    (b'{"doc": "SOP-CARE-002", "page": "/x/", "helpful": fals', {}, 400, "bad-json"),
    (b'\xff\xfe', {}, 400, "bad-json"),
    (json.dumps({"page": "/x/", "helpful": "no"}).encode(), {}, 422, "invalid"),
    (json.dumps({"page": "/x/", "helpful": False, "rating": 5}).encode(), {}, 422, "invalid"),
    (json.dumps({"page": "/x/", "helpful": False, "comment": "a" * 2001}).encode(), {}, 422, "invalid"),
    (json.dumps({"page": "/x/", "helpful": False, "comment": "bell \x07 and \x1b[31m"}).encode(), {}, 422, "invalid"),
    (json.dumps({"page": "javascript:alert(1)", "helpful": False}).encode(), {}, 422, "invalid"),
    (json.dumps({"doc": "SOP-NOPE-999", "page": "/x/", "helpful": False}).encode(), {}, 422, "unknown-document"),
    (json.dumps({"page": "/x/", "helpful": False}).encode(), {"Content-Type": "text/plain"}, 415, "content-type"),
    (json.dumps({"page": "/x/", "helpful": False, "comment": "x" * 20_000}).encode(), {}, 413, "too-large"),
    (b"[]", {}, 422, "invalid"),
    (b'{"doc": "SOP-NOPE-999", "doc": "SOP-CARE-002", "page": "/x/", "helpful": false}', {}, 400, "bad-json"),
    (b"[" * 100_00 + b"]" * 100_00, {}, 413, "too-large"),
    (b"[" * 5000 + b"]" * 5000, {}, 400, "bad-json"),
    (json.dumps({"page": "//evil.example/x", "helpful": False}).encode(), {}, 422, "invalid"),
    (json.dumps({"page": "/x/\u001b[2J", "helpful": False}).encode(), {}, 422, "invalid"),
    (json.dumps({"page": "/x/", "helpful": False, "comment": "right\u202eto left"}).encode(), {}, 422, "invalid"),
])
def test_bad_submissions_get_a_json_error_and_store_nothing(internal, body, headers, status, code):
    answer = internal.post("/api/v1/feedback", body, headers)
    assert answer.status == status
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["code"] == code
    assert answer.json()["error"]
    assert stored(internal) == []


def test_a_body_without_a_declared_length_is_cut_off_at_the_limit(internal):
    host, port = internal.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(b"POST /api/v1/feedback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b'{"page": "/x/", "helpful": false, "comment": "' + b"y" * 8000
        for _ in range(4):
            conn.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        reply = conn.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413")
    assert stored(internal) == []


def test_a_body_that_trickles_in_is_cut_off(internal, monkeypatch):
    import kbtools.service.app as app

    monkeypatch.setattr(app, "BODY_SECONDS", 0.5)
    host, port = internal.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(b"POST /api/v1/feedback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 60\r\n\r\n{")
        reply = conn.recv(4096)
    assert reply.startswith(b"HTTP/1.1 408")
    assert stored(internal) == []


def test_only_the_services_own_host_names_are_answered(internal):
    """A page elsewhere whose name was rebound to this address reads nothing and posts nothing."""
    rebound = {"Host": "attacker.example", "Origin": "http://attacker.example", "Sec-Fetch-Site": "same-origin"}
    assert internal.post("/api/v1/feedback", {"doc": DOC, "page": PAGE, "helpful": False}, rebound).status == 400
    assert internal.get("/service/", {"Host": "attacker.example"}).status == 400
    assert stored(internal) == []
    assert internal.get("/service/", {"Host": "localhost"}).status == 200


def test_the_api_says_which_method_a_path_takes(internal):
    answer = internal.get("/api/v1/feedback")
    assert answer.status == 405 and answer.headers["allow"] == "POST" and answer.json()["code"] == "method"
    assert internal.request("OPTIONS", "/api/v1/feedback").status == 405
    assert internal.get("/api/v1/status").headers["cache-control"] == "no-store"
    assert internal.get("/service/").headers["cache-control"] == "no-store"
    assert "cache-control" not in internal.get("/").headers


def test_knowledge_gaps_are_stored_on_the_internal_service(internal):
    answer = internal.post("/api/v1/gaps", {"question": "How do I move a meter between accounts?",
                                            "kind": "cannot", "product": "Meter portal", "account": "ACC-00201",
                                            "doc": DOC, "page": PAGE})
    assert answer.status == 201 and answer.json()["id"].startswith("GAP-")
    [gap] = stored(internal)
    assert (gap.kind, gap.gap_kind, gap.product, gap.account, gap.doc) == (
        "gap", "cannot", "Meter portal", "ACC-00201", DOC)
    assert internal.post("/api/v1/gaps", {"question": "  ", "kind": "unknown"}).status == 422
    assert internal.post("/api/v1/gaps", {"question": "x", "kind": "maybe"}).status == 422
    assert internal.post("/api/v1/gaps", {"question": "x", "kind": "unknown", "account": "ACC-99999"}).json()[
        "code"] == "unknown-account"


def test_the_public_service_takes_votes_on_public_pages_only_and_shows_no_ones_comments(sites, site_kb, tmp_path):
    settings = settings_for(sites.kb, sites.public, tmp_path / "store.sqlite3", audience="public")
    with running(settings, site_kb) as public:
        assert public.get("/api/v1/status").json()["audience"] == "public"
        sent = {"doc": PUBLIC_DOC, "page": "/sops/art-dsk-001/", "helpful": False, "comment": "secret remark"}
        assert public.post("/api/v1/feedback", sent).status == 201
        internal_doc = {"doc": DOC, "page": PAGE, "helpful": True}
        assert public.post("/api/v1/feedback", internal_doc).json()["code"] == "unknown-document"
        assert public.post("/api/v1/gaps", {"question": "q", "kind": "unknown"}).status == 404
        assert public.get(f"/api/v1/documents/{PUBLIC_DOC}/helpfulness").status == 404
        for path in ("/service/", f"/service/documents/{PUBLIC_DOC}/"):
            answer = public.get(path)
            assert answer.status == 404 and b"secret remark" not in answer.body
        assert public.get("/").status == 200
        [item] = stored(public)
        assert item.audience == "public"


def test_identity_is_taken_from_the_trusted_proxy_and_mapped_to_a_person(sites, site_kb, tmp_path):
    settings = settings_for(sites.kb, sites.internal, tmp_path / "s.sqlite3", identity_header="x-remote-user",
                            trusted_proxies=parse_networks("127.0.0.1"))
    with running(settings, site_kb) as service:
        vote = {"doc": DOC, "page": PAGE, "helpful": False}
        assert service.post("/api/v1/feedback", vote, {"X-Remote-User": "Omar@Kestrel.example"}).status == 201
        assert service.post("/api/v1/feedback", vote, {"X-Remote-User": "person:uma"}).status == 201
        assert service.post("/api/v1/feedback", vote, {"X-Remote-User": "stranger@elsewhere.example"}).status == 201
        assert service.post("/api/v1/feedback", vote).status == 201
        twice = service.request("POST", "/api/v1/feedback", json.dumps(vote).encode(),
                                {"Content-Type": "application/json"})
        assert twice.status == 201
        for bad in ("omar\x01", " ", "\u202eomar"):
            assert service.post("/api/v1/feedback", vote, {"X-Remote-User": bad.encode("utf-8").decode("latin-1")}
                                ).json()["code"] == "bad-identity"
        who = [(i.sender, i.person) for i in stored(service)][:4]
    assert who == [("Omar@Kestrel.example", "person:omar"), ("person:uma", "person:uma"),
                   ("stranger@elsewhere.example", None), (None, None)]


def test_an_identity_header_from_anyone_but_the_proxy_is_refused(sites, site_kb, tmp_path):
    settings = settings_for(sites.kb, sites.internal, tmp_path / "s.sqlite3", identity_header="x-remote-user",
                            trusted_proxies=parse_networks("10.9.9.9"))
    with running(settings, site_kb) as service:
        answer = service.post("/api/v1/feedback", {"doc": DOC, "page": PAGE, "helpful": False},
                              {"X-Remote-User": "omar"})
        assert answer.status == 403 and answer.json()["code"] == "untrusted-identity"
        assert stored(service) == []
        assert service.post("/api/v1/feedback", {"doc": DOC, "page": PAGE, "helpful": False}).status == 201


def test_posts_from_other_sites_are_refused(internal):
    vote = {"doc": DOC, "page": PAGE, "helpful": False}
    own = internal.url
    assert internal.post("/api/v1/feedback", vote, {"Origin": "https://evil.example"}).json()["code"] == "cross-origin"
    assert internal.post("/api/v1/feedback", vote, {"Sec-Fetch-Site": "cross-site"}).status == 403
    assert internal.post("/api/v1/feedback", vote, {"Origin": "null"}).status == 403
    assert stored(internal) == []
    assert internal.post("/api/v1/feedback", vote, {"Origin": own, "Sec-Fetch-Site": "same-origin"}).status == 201


def test_the_rate_limit_turns_a_flood_away_per_client(sites, site_kb, tmp_path):
    settings = settings_for(sites.kb, sites.internal, tmp_path / "s.sqlite3", rate=RateLimit(3, 60.0),
                            trusted_proxies=parse_networks("127.0.0.1"))
    with running(settings, site_kb) as service:
        vote = {"doc": DOC, "page": PAGE, "helpful": True}
        first = [service.post("/api/v1/feedback", vote, {"X-Forwarded-For": "203.0.113.7"}) for _ in range(5)]
        assert [a.status for a in first] == [201, 201, 201, 429, 429]
        assert int(first[3].headers["retry-after"]) >= 1
        assert first[3].json()["code"] == "rate-limited"
        # Another client behind the same proxy has its own allowance; a forged left-most hop changes nothing.
        assert service.post("/api/v1/feedback", vote, {"X-Forwarded-For": "198.51.100.2"}).status == 201
        spoofed = service.post("/api/v1/feedback", vote, {"X-Forwarded-For": "1.2.3.4, 203.0.113.7"})
        assert spoofed.status == 429
        assert len(stored(service)) == 4


@pytest.mark.parametrize("fault", ["read-only", "full"])
def test_a_store_that_cannot_take_the_submission_answers_503(sites, site_kb, tmp_path, fault):
    path = tmp_path / "s.sqlite3"
    Store(path).close()
    store = Store(path, read_only=True) if fault == "read-only" else Store(path, max_pages=1)
    settings = settings_for(sites.kb, sites.internal, path)
    with running(settings, site_kb, store) as service:
        if fault == "full":  # fill it: SQLite refuses to grow past max_page_count
            answers = [service.post("/api/v1/feedback", {"doc": DOC, "page": PAGE, "helpful": False,
                                                         "comment": "z" * 1900}) for _ in range(10)]
        else:
            answers = [service.post("/api/v1/feedback", {"doc": DOC, "page": PAGE, "helpful": False})]
        assert answers[-1].status == 503
        assert answers[-1].json()["code"] == "store-unavailable"
        assert service.get("/").status == 200  # the site is still served
    with Store(path) as store:
        assert store.count() == sum(a.status == 201 for a in answers)


def test_every_answer_carries_a_policy_and_the_hardening_headers(internal):
    page, api, live = internal.get(PAGE), internal.get("/api/v1/status"), internal.get("/service/")
    assert page.status == api.status == live.status == 200
    assert "script-src 'self' 'sha256-" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert api.headers["content-security-policy"].startswith("default-src 'none'")
    assert "script-src" not in live.headers["content-security-policy"]
    assert "default-src 'none'" in live.headers["content-security-policy"]
    for answer in (page, api, live):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "server" not in answer.headers
    assert internal.get("/api/pages.json").status == 200  # the build's static API is still the site's
    assert internal.get("/api/v1/nothing").json()["code"] == "not-found"


def test_the_site_is_served_without_following_links_out_of_it(internal, sites, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the web")
    link = sites.internal / "leak.txt"
    link.symlink_to(secret)
    loop_a, loop_b = sites.internal / "loop-a", sites.internal / "loop-b"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    try:
        answer = internal.get("/leak.txt")
        assert answer.status == 404 and b"not for the web" not in answer.body
        assert internal.get("/../secret.txt").status == 404
        assert internal.get("/loop-a").status == 404
    finally:
        for path in (link, loop_a, loop_b):
            path.unlink()


def test_the_dashboard_and_document_pages_show_the_loop_live_and_escaped(internal):
    hostile = '<script>alert(1)</script> & "quotes"'
    internal.post("/api/v1/feedback", {"doc": DOC, "page": PAGE, "helpful": False, "comment": hostile})
    internal.post("/api/v1/gaps", {"question": "Who approves <b>refunds</b>?", "kind": "unknown"})
    internal.post("/api/v1/feedback", {"doc": DOC, "page": PAGE, "helpful": True})
    board = internal.get("/service/").text
    assert "<script>alert(1)</script>" not in board and "&lt;script&gt;alert(1)&lt;/script&gt;" in board
    assert "&lt;b&gt;refunds&lt;/b&gt;" in board
    assert "2 open items" in board
    assert "Account care managers" in board  # the document's owner (team:care-managers)
    assert "<svg" in board  # the chart
    assert board.index("FB-1") < board.index("GAP-2")  # oldest first
    page = internal.get(f"/service/documents/{DOC}/").text
    assert "2 votes · 50% helpful · 1 open item" in " ".join(page.split())
    assert internal.get("/service/documents/SOP-NOPE-999/").status == 404


def test_a_new_item_is_posted_to_the_webhook(sites, site_kb, tmp_path):
    received: list[dict] = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    settings = settings_for(sites.kb, sites.internal, tmp_path / "s.sqlite3", webhook=url)
    try:
        with running(settings, site_kb) as service:
            service.post("/api/v1/feedback", {"doc": DOC, "page": PAGE, "helpful": True})  # a vote: no notice
            service.post("/api/v1/feedback", {"doc": DOC, "page": PAGE, "helpful": False, "comment": "stale"})
            deadline = time.monotonic() + 10
            while not received and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        receiver.shutdown()
    [notice] = received
    assert notice["event"] == "item.created"
    assert notice["item"]["id"] == "FB-2" and notice["item"]["text"] == "stale"
    assert notice["owner"] == "team:care-managers"
    assert notice["recipients"]  # the team's active members' addresses


# -- the command ------------------------------------------------------------------------


def _kb_serve(root: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kbtools", "serve", "--root", str(root), "--today", "2026-11-22",
                             *args], env=dict(os.environ, **(env or {})), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(process: subprocess.Popen, port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"kb serve stopped: {process.stderr.read()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    process.kill()
    pytest.fail("kb serve did not start listening")




def test_kb_serve_says_when_the_port_is_taken(sites):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "kbtools", "serve", "--root", str(sites.kb), "--port", str(port),
                               "--site-dir", str(sites.internal)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_kb_serve_refuses_settings_that_cannot_be_trusted(sites):
    done = subprocess.run([sys.executable, "-m", "kbtools", "serve", "--root", str(sites.kb),
                           "--identity-header", "X-Remote-User"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "trusted-proxy" in done.stderr
    done = subprocess.run([sys.executable, "-m", "kbtools", "serve", "--root", str(sites.kb),
                           "--rate-limit", "lots"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "20/minute" in done.stderr and "Traceback" not in done.stderr


def test_kb_serve_builds_the_site_for_its_audience_and_loses_nothing_when_killed(tmp_path):
    from conftest import copy_site_kb

    root = copy_site_kb(tmp_path / "kb")
    store = tmp_path / "outside" / "store.sqlite3"
    port = free_port()
    process = _kb_serve(root, "--port", str(port), "--audience", "public", "--rate-limit", "1000/second",
                        env={"KB_STORE": str(store)})
    _wait_for(process, port)
    import urllib.request

    accepted = 0
    for n in range(40):
        body = json.dumps({"doc": PUBLIC_DOC, "page": "/sops/art-dsk-001/", "helpful": n % 2 == 0,
                           "comment": f"note {n}"}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/feedback", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            accepted += answer.status == 201
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert json.loads((root / "site-public" / "kb-site.json").read_text())["audience"] == "public"
    with Store(store) as opened:
        assert opened.count() == accepted == 40


def test_the_listening_socket_lets_asyncio_turn_nagle_off():
    """Without IPPROTO_TCP on the socket, every answer on a kept-alive connection waits for a delayed ACK."""
    from kbtools.service.server import listen

    sock = listen("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


def test_a_store_locked_by_another_process_does_not_hold_up_the_site(sites, site_kb, tmp_path):
    import sqlite3

    path = tmp_path / "s.sqlite3"
    Store(path).close()
    with running(settings_for(sites.kb, sites.internal, path), site_kb) as service:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another writer holds the store
        answers: list = []
        posting = threading.Thread(target=lambda: answers.append(
            service.post("/api/v1/feedback", {"doc": DOC, "page": PAGE, "helpful": False})))
        posting.start()
        try:
            page = service.get(PAGE)  # answered while the post still waits for the lock
            still_waiting = posting.is_alive()
        finally:
            other.execute("ROLLBACK")
            other.close()
            posting.join(20)
    assert page.status == 200 and still_waiting
    assert answers[0].status in (201, 503)


def test_a_webhook_that_redirects_or_hangs_is_a_failed_delivery_and_never_holds_up_stopping(tmp_path):
    from kbtools.service.webhook import Webhook

    hits: list[str] = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            hits.append(self.path)
            if self.path == "/hang":
                time.sleep(5)
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.end_headers()

        do_GET = do_POST

        def log_message(self, *args):
            pass

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{receiver.server_address[1]}"
    try:
        redirected = Webhook(f"{base}/hook", backoff=())
        redirected.send({"item": {"id": "FB-1"}})
        redirected.close(wait=10)
        hanging = Webhook(f"{base}/hang", backoff=(), timeout=0.5)
        hanging.send({"item": {"id": "FB-2"}})
        hanging.send({"item": {"id": "FB-3"}})
        hanging.close(wait=3)
        assert not hanging._thread.is_alive()
    finally:
        receiver.shutdown()
    assert "/elsewhere" not in hits  # the redirect was not followed
    assert hits[0] == "/hook"


def test_with_identities_the_live_pages_are_for_the_kmt_and_the_documents_owner(sites, site_kb, tmp_path):
    settings = settings_for(sites.kb, sites.internal, tmp_path / "s.sqlite3", identity_header="x-remote-user",
                            trusted_proxies=parse_networks("127.0.0.1"))
    with running(settings, site_kb) as service:
        service.post("/api/v1/feedback", {"doc": DOC, "page": PAGE, "helpful": False, "comment": "private remark"})
        as_user = {}
        for user in ("ines", "omar", OWNER_MEMBER, None):
            headers = {"X-Remote-User": user} if user else {}
            as_user[user] = (service.get("/service/", headers).status,
                             service.get(f"/service/documents/{DOC}/", headers))
    assert as_user["ines"][0] == 200 and as_user["ines"][1].status == 200  # the governing team (gov-board)
    assert as_user[OWNER_MEMBER][0] == 403 and as_user[OWNER_MEMBER][1].status == 200  # the document's owner
    assert as_user["omar"][0] == 403 and as_user["omar"][1].status == 403
    assert b"private remark" not in as_user["omar"][1].body
    assert as_user[None][0] == 403
