#!/usr/bin/env python3
"""Load on `kb serve`: many readers sending feedback at once, nothing lost, the site still served.

    .venv/bin/python bench/serve.py [--submissions N] [--clients N] [--flood N] [--out DIR]

Builds the repository's internal site once into DIR/site, then runs `kb serve`
(a separate process, as in production) with a fresh store in DIR, twice:

  1. load: --clients threads (default 50), each its own client behind the
     trusted proxy (its own X-Forwarded-For address) on a kept-alive
     connection, post --submissions in all (default 10,000; a mix of votes,
     comments and knowledge gaps), with the rate limit raised for that load.
     Meanwhile one reader fetches site pages without pause. Measured first
     in the same run, the baseline: the same clients asking GET
     /api/v1/status (the framework's floor: no validation, no store).
     Reported: submissions per second, the ratio to the baseline, p50 and
     p99 latency, the reader's page latency and failures, and the count in
     the store, which must equal the count accepted (0 lost).
  2. flood: with the default rate limit, one client posts --flood times as
     fast as it can: all but the limit's burst are turned away (429) while
     another client's posts and the pages are still answered.
  3. runs: --runs account-review runs (default 100) started in a fresh
     store, then --run-clients (default 20), each a signed-in user behind the
     proxy, tick every task before each run's first gate, the tasks of one
     run spread over several clients at once. Reported: ticks per second,
     p50 and p99 latency, and the ticks done in the store, which must equal
     the ticks accepted (0 lost).

Exit codes: 0 the benchmark ran and nothing was lost, 1 a submission was
lost, an answer was neither 201 nor 429, or the server failed, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from harness import (
    BIN,
    REPO,
    BenchError,
    close_environment,
    environment,
    free_port,
    kbtools_fingerprint,
    loadavg,
    positive,
    run_main,
    write_results,
)

sys.path.insert(0, str(REPO))

from kbtools.findings import KBError
from kbtools.loop.store import Store
from kbtools.service.server import build_site
from kbtools.service.settings import Settings

TODAY = "2026-11-22"
PAGES = ("/", "/reviews/", "/glossary/")




class Server:
    """`kb serve` in a child process on a free port."""

    def __init__(self, out: Path, store: Path, *args: str):
        self.port = free_port()
        argv = [str(BIN / "kb"), "serve", "--root", str(REPO), "--site-dir", str(out / "site"), "--store", str(store),
                "--port", str(self.port), "--today", TODAY, *args]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"kb serve stopped: {self.process.stderr.read() if self.process.stderr else ''}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        self.stop()
        raise BenchError("kb serve did not start listening within 300 s")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Client:
    """One client on one kept-alive connection, behind the proxy at `address`."""

    def __init__(self, port: int, address: str, user: str | None = None):
        self.port = port
        self.headers = {"Content-Type": "application/json", "X-Forwarded-For": address,
                        **({"X-Remote-User": user} if user else {})}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def send(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, float]:
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            start = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=self.headers)
                answer = self.conn.getresponse()
                answer.read()
                return answer.status, time.perf_counter() - start
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    return 0, time.perf_counter() - start
        raise AssertionError("unreachable")


def submission(n: int, docs: list[tuple[str, str]]) -> tuple[str, dict[str, Any]]:
    doc, page = docs[n % len(docs)]
    if n % 10 == 9:
        return "/api/v1/gaps", {"question": f"Question {n}: where is the rule for this case?", "kind": "unknown",
                                "doc": doc, "page": page}
    if n % 3 == 0:
        return "/api/v1/feedback", {"doc": doc, "page": page, "helpful": False, "comment": f"Comment {n}: unclear."}
    return "/api/v1/feedback", {"doc": doc, "page": page, "helpful": n % 2 == 0}


def run_clients(port: int, clients: int, total: int, work: Any,
                user: Any = None) -> tuple[list[int], list[float], float]:
    """`total` requests from `clients` threads; `work(n)` gives request n, `user(i)` client i's signed-in user.
    Statuses, latencies, wall seconds."""
    statuses: list[int] = []
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def worker(index: int) -> None:
        client = Client(port, f"10.1.{index // 250}.{index % 250 + 1}", user(index) if user else None)
        mine_s, mine_l = [], []
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            method, path, body = work(n)
            status, latency = client.send(method, path, body)
            mine_s.append(status)
            mine_l.append(latency)
        with lock:
            statuses.extend(mine_s)
            latencies.extend(mine_l)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses, latencies, time.perf_counter() - start


class Reader(threading.Thread):
    """Fetches site pages one after another until stopped: latency and failures."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.client = Client(port, "10.2.0.1")
        self.latencies: list[float] = []
        self.failures = 0
        self.done = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.done.is_set():
            status, latency = self.client.send("GET", PAGES[n % len(PAGES)])
            self.latencies.append(latency)
            self.failures += status != 200
            n += 1


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run_workload(out: Path, runs: int, clients: int) -> dict[str, Any]:
    """Start `runs` review runs, then tick every task before each one's first gate from `clients` clients."""
    from kbtools.load.loader import load
    from kbtools.runs import work

    kb = load(REPO)
    doc = kb.config.account_review_checklist
    if doc is None:
        raise BenchError("kb.yml names no account_review_checklist", code=1)
    accounts = sorted(kb.accounts)
    people = sorted(p for p, e in kb.people.items() if e.model.active)
    store = out / "runs.sqlite3"
    for path in out.glob("runs.sqlite3*"):
        path.unlink()
    ticks: list[tuple[str, str]] = []
    with Store(store) as opened:
        for n in range(runs):
            record = work.start_run(kb, opened, doc, account_id=accounts[n % len(accounts)], sets={},
                                    start=dt.date.fromisoformat(TODAY), today=dt.date.fromisoformat(TODAY),
                                    run_kind="review", by=None)
            items = opened.run_items(record.id)
            states = work.step_states(work.checklist_of(record), items)
            ticks += [(record.ref, i.key) for i in items if i.kind == "task" and states[i.step] == "open"]
    # Interleaved: consecutive ticks (the same run's) go to different clients at the same moment.
    server = Server(out, store, "--trusted-proxy", "127.0.0.1", "--identity-header", "X-Remote-User",
                    "--run-rate-limit", "100000/minute")
    try:
        statuses, latencies, wall = run_clients(
            server.port, clients, len(ticks),
            lambda n: ("POST", f"/api/v1/runs/{ticks[n][0]}/changes", {"item": ticks[n][1], "action": "tick"}),
            user=lambda i: people[i % len(people)])
    finally:
        server.stop()
    with Store(store) as opened:
        done = sum(1 for items in opened.all_run_items().values() for i in items if i.kind == "task" and i.done)
    accepted = statuses.count(200)
    return {"runs": runs, "clients": clients, "ticks": len(ticks), "accepted": accepted, "done": done,
            "lost": accepted - done, "other_statuses": sorted({s for s in statuses if s != 200}),
            "per_s": round(len(statuses) / wall), "p50_ms": round(pct(latencies, 0.5), 2),
            "p99_ms": round(pct(latencies, 0.99), 2), "wall_s": round(wall, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=positive, default=10_000)
    parser.add_argument("--clients", type=positive, default=50)
    parser.add_argument("--flood", type=positive, default=500)
    parser.add_argument("--runs", type=positive, default=100)
    parser.add_argument("--run-clients", type=positive, default=20)
    parser.add_argument("--out", type=Path, default=REPO / ".bench" / "serve")
    args = parser.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = environment(kbtools_fingerprint())
    load_start = loadavg()

    print(f"building the internal site into {out / 'site'} ...")
    try:
        build_site(Settings(root=REPO, site_dir=out / "site", store=out / "unused.sqlite3"),
                   dt.date.fromisoformat(TODAY))
    except KBError as exc:
        raise BenchError(str(exc), code=1) from None
    pages = json.loads((out / "site" / "api" / "pages.json").read_text(encoding="utf-8"))
    docs = [(p["id"], p["url"]) for p in pages["pages"] if p.get("kind") == "sop"]
    if not docs:
        raise BenchError("the built site lists no documents in api/pages.json", code=1)

    results: dict[str, Any] = {"environment": env, "submissions": args.submissions, "clients": args.clients}
    bad = []

    # 1. load, with the baseline measured first in the same server.
    store = out / "load.sqlite3"
    for path in out.glob("load.sqlite3*"):
        path.unlink()
    server = Server(out, store, "--trusted-proxy", "127.0.0.1", "--rate-limit", "100000/minute")
    try:
        base_s, base_l, base_wall = run_clients(server.port, args.clients, args.submissions,
                                                lambda n: ("GET", "/api/v1/status", None))
        reader = Reader(server.port)
        reader.start()
        statuses, latencies, wall = run_clients(server.port, args.clients, args.submissions,
                                                lambda n: ("POST", *submission(n, docs)))
        reader.done.set()
        reader.join()
    finally:
        server.stop()
    accepted = statuses.count(201)
    with Store(store) as opened:
        in_store = opened.count()
    others = sorted({s for s in statuses if s != 201})
    load = {
        "baseline_per_s": round(len(base_s) / base_wall), "baseline_p50_ms": round(pct(base_l, 0.5), 2),
        "per_s": round(len(statuses) / wall),
        "ratio_to_baseline": round((len(statuses) / wall) / (len(base_s) / base_wall), 2),
        "p50_ms": round(pct(latencies, 0.5), 2), "p99_ms": round(pct(latencies, 0.99), 2),
        "max_ms": round(max(latencies) * 1000, 1), "accepted": accepted, "stored": in_store,
        "lost": accepted - in_store, "other_statuses": others,
        "pages_fetched": len(reader.latencies), "page_failures": reader.failures,
        "page_p50_ms": round(pct(reader.latencies, 0.5), 2), "page_p99_ms": round(pct(reader.latencies, 0.99), 2),
        "wall_s": round(wall, 1),
    }
    results["load"] = load
    if load["lost"] or others or reader.failures or accepted != args.submissions:
        bad.append("load")

    # 2. flood from one client under the default limit, while another client and the pages carry on.
    store = out / "flood.sqlite3"
    for path in out.glob("flood.sqlite3*"):
        path.unlink()
    server = Server(out, store, "--trusted-proxy", "127.0.0.1")
    try:
        flood = Client(server.port, "10.3.0.1")
        first = submission(1, docs)
        flood_statuses = [flood.send("POST", *first)[0] for _ in range(args.flood)]
        other = Client(server.port, "10.3.0.2")
        other_status = other.send("POST", *submission(2, docs))[0]
        page_status = other.send("GET", "/")[0]
    finally:
        server.stop()
    with Store(store) as opened:
        flood_stored = opened.count()
    results["flood"] = {
        "posted": args.flood, "accepted": flood_statuses.count(201), "refused_429": flood_statuses.count(429),
        "other": sorted({s for s in flood_statuses if s not in (201, 429)}), "second_client": other_status,
        "page": page_status, "stored": flood_stored,
    }
    f = results["flood"]
    if f["other"] or other_status != 201 or page_status != 200 or flood_stored != f["accepted"] + 1:
        bad.append("flood")

    # 3. runs: many runs ticked by many signed-in clients at once.
    results["runs"] = r = run_workload(out, args.runs, args.run_clients)
    if r["lost"] or r["other_statuses"] or r["accepted"] != r["ticks"]:
        bad.append("runs")

    close_environment(env, load_start)
    write_results(out / "results.json", results)
    print(f"\n  load: {args.submissions:,} submissions from {args.clients} clients in {load['wall_s']} s")
    print(f"    {load['per_s']:,}/s (baseline GET /api/v1/status {load['baseline_per_s']:,}/s, ratio "
          f"{load['ratio_to_baseline']}); latency p50 {load['p50_ms']} ms, p99 {load['p99_ms']} ms")
    print(f"    accepted {accepted:,}, stored {in_store:,}, lost {load['lost']}; other answers {others or 'none'}")
    print(f"    pages meanwhile: {load['pages_fetched']:,} fetched, {load['page_failures']} failed, "
          f"p50 {load['page_p50_ms']} ms, p99 {load['page_p99_ms']} ms")
    print(f"  flood (default limit): {f['posted']} posts from one client: {f['accepted']} accepted, "
          f"{f['refused_429']} refused (429); another client {f['second_client']}, a page {f['page']}; "
          f"stored {f['stored']}")
    print(f"  runs: {r['runs']} runs, {r['ticks']:,} ticks from {r['clients']} signed-in clients in {r['wall_s']} s: "
          f"{r['per_s']:,}/s; latency p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms")
    print(f"    accepted {r['accepted']:,}, done in the store {r['done']:,}, lost {r['lost']}; "
          f"other answers {r['other_statuses'] or 'none'}")
    print(f"  results: {out / 'results.json'}")
    if bad:
        print(f"  FAILED: {', '.join(bad)}")
        return 1
    return 0


if __name__ == "__main__":
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    run_main(main)
