#!/usr/bin/env python3
"""Benchmark the editors' preview: how long a saved edit takes to show in `mkdocs serve --dirty`.

    .venv/bin/python bench/preview.py [--sops N] [--edits N] [--out DIR] [--keep]

Generates the knowledge base bench/site.py builds (N documents, default 1,000), times one full
`mkdocs build --strict` of it, then starts the preview as `make preview` does (`mkdocs serve
--dirty`) and, for each kind of edit, saves --edits documents (default 5) one after the other:

  body          a new paragraph in the document's text;
  front matter  a new summary and a last review long ago (the document becomes overdue);
  steps         a step's new title.

For each save it measures, over HTTP, the seconds until the document's page shows the edit
(`page`), and until every page that depends on it does (`dependants`: the search index for
every edit; its department, type and owner pages and the review dashboard for front matter;
the blank checklist for steps). Reported: the median of each, and as a fraction of the full build
measured in the same run. Targets: page <= 2 s, dependants <= 10 s; a missed target is reported,
not an error. Results also go to DIR/results.json. Exit codes: 0 the benchmark ran, 1 the
knowledge base does not load cleanly, a build failed or an edit never showed, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
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
    require,
    run_child,
    run_main,
    tail,
    write_results,
)

sys.path.insert(0, str(REPO))

import generator

from kbtools.kb import DocEntry
from kbtools.site import urls


def load_generated(root: Path, count: int) -> Any:
    """bench/site.py's check that the generated knowledge base loads cleanly (its module name is the
    standard library's `site`, so it is loaded from its path)."""
    spec = importlib.util.spec_from_file_location("site_bench", Path(__file__).with_name("site.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load_generated(root, count)

PAGE_TARGET, DEPENDANTS_TARGET = 2.0, 10.0
GIVE_UP = 300.0  # seconds an edit may take to show before the benchmark stops
KINDS = ("body", "front matter", "steps")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/preview.py", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sops", type=positive, default=1000)
    parser.add_argument("--edits", type=positive, default=5, help="saves of each kind")
    parser.add_argument("--out", type=Path, default=REPO / ".bench" / "preview")
    parser.add_argument("--keep", action="store_true", help="keep the generated knowledge base")
    return parser.parse_args(argv)




def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=GIVE_UP) as response:
            return str(response.read().decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError):
        return None


def wait_for(url: str, test: Callable[[str], bool], since: float, server: subprocess.Popen[str]) -> float:
    """Seconds from `since` until the page at `url` passes `test` (polled every 50 ms)."""
    while True:
        text = fetch(url)
        now = time.perf_counter()
        if text is not None and test(text):
            return now - since
        if server.poll() is not None:
            raise BenchError(f"mkdocs serve stopped (exit {server.returncode})", code=1)
        if now - since > GIVE_UP:
            raise BenchError(f"{url} did not show the edit within {GIVE_UP:.0f} s", code=1)
        time.sleep(0.05)


def page_url(base: str, src: str) -> str:
    return base + urls.published(src)


def edit(path: Path, kind: str, marker: str) -> None:
    """Save the document with a change of `kind` that shows `marker` (a key's continuation lines, more
    indented than the key, go with it)."""
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    if kind == "body":
        body = body.rstrip("\n") + f"\n\nPreview check {marker}.\n"
    elif kind == "front matter":
        front = re.sub(r"^summary:.*\n(?:[ \t]+.*\n)*", "", front, flags=re.M)
        front = re.sub(r"^last_reviewed:.*$", "last_reviewed: 2020-01-02", front, count=1, flags=re.M)
        front = re.sub(r"^(id:.*\n)", rf"\1summary: Preview check {marker}\n", front, count=1, flags=re.M)
    else:
        front, found = re.subn(r"^([ \t]+)title:.*\n(?:\1[ \t]+.*\n)*", rf"\1title: Preview check {marker}\n",
                               front, count=1, flags=re.M)
        if not found:
            raise BenchError(f"{path} has no step to rename", code=1)
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")


def candidates(docs: dict[str, DocEntry]) -> dict[str, list[DocEntry]]:
    """Documents each kind of edit may change: approved (a draft is not on the dashboard), with steps
    for a steps edit; a different document for every save."""
    approved = [e for _, e in sorted(docs.items()) if e.model.status == "approved"]
    with_steps = [e for e in approved if e.model.steps]
    rest = [e for e in approved if not e.model.steps]
    return {"body": rest[::2], "front matter": rest[1::2], "steps": with_steps}


def dependants(base: str, entry: DocEntry, kind: str) -> list[str]:
    """What else shows the edit: the search index always; the listings of the document (its
    department, type and owner pages, which print its summary) and the review dashboard for front
    matter; the blank checklist for steps."""
    doc = entry.model
    found = [base + "search/search_index.json"]
    if kind == "front matter":
        found += [page_url(base, src) for src in
                  (urls.department(doc.department), urls.doc_type(doc.type), urls.owner(doc.owner), urls.REVIEWS)]
    if kind == "steps":
        found.append(base + urls.checklist(doc.id, "md"))
    return found


def measure_edits(root: Path, base: str, server: subprocess.Popen[str], docs: dict[str, DocEntry],
                  count: int) -> dict[str, list[dict[str, float]]]:
    pool = candidates(docs)
    results: dict[str, list[dict[str, float]]] = {}
    for kind in KINDS:
        if len(pool[kind]) < count:
            raise BenchError(f"only {len(pool[kind])} documents to make {kind} edits to", code=1)
        results[kind] = []
        for i, entry in enumerate(pool[kind][:count]):
            marker = f"{kind.replace(' ', '-')}-{i}-{time.time_ns()}"
            deps = dependants(base, entry, kind)
            expected = {url: (entry.model.id if url.endswith("reviews/") else marker) for url in deps}
            for url, needle in expected.items():
                if needle in (fetch(url) or ""):
                    raise BenchError(f"{url} shows {needle} before the edit", code=1)
            since = time.perf_counter()
            edit(root / entry.path, kind, marker)
            page = wait_for(page_url(base, urls.doc(entry.model.id)), lambda t, m=marker: m in t, since, server)
            late = max(wait_for(url, lambda t, n=needle: n in t, since, server) for url, needle in expected.items())
            results[kind].append({"page": round(page, 3), "dependants": round(late, 3)})
            print(f"  {kind:12} {entry.model.id}: page {page:6.2f} s, dependants {late:6.2f} s", flush=True)
            time.sleep(1.0)  # the catch-up build's reload settles before the next save
    return results


def summary(results: dict[str, list[dict[str, float]]], full: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, runs in results.items():
        page = statistics.median(r["page"] for r in runs)
        late = statistics.median(r["dependants"] for r in runs)
        out[kind] = {"page": page, "dependants": late, "page_ratio": round(page / full, 3),
                     "dependants_ratio": round(late / full, 3),
                     "met": page <= PAGE_TARGET and late <= DEPENDANTS_TARGET}
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    require([BIN / "mkdocs"], "run with the repository's venv: .venv/bin/python bench/preview.py")
    out = args.out
    root = out / "kb"
    shutil.rmtree(out, ignore_errors=True)
    root.mkdir(parents=True)
    env_info = environment(kbtools_fingerprint())
    load_start = loadavg()

    generator.from_repo(root, args.sops)
    kb = load_generated(root, args.sops)
    env = dict(os.environ, KB_TODAY=generator.TODAY, NO_MKDOCS_2_WARNING="1", KB_AUDIENCE="internal")
    mkdocs = str(BIN / "mkdocs")
    build = run_child([mkdocs, "build", "--strict", "-q", "-f", str(root / "mkdocs.yml"), "-d", str(out / "site")],
                      env=env)
    if build.rc != 0:
        raise BenchError(f"mkdocs build exited {build.rc}\n{tail(build.stderr or build.stdout)}", code=1)
    print(f"{args.sops} documents: full build {build.wall:.2f} s (CPU {build.cpu:.2f} s)", flush=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    log = (out / "serve.log").open("w", encoding="utf-8")
    started = time.perf_counter()
    server = subprocess.Popen([mkdocs, "serve", "--dirty", "-f", str(root / "mkdocs.yml"), "-a", f"127.0.0.1:{port}"],
                              env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        first = wait_for(base, lambda t: "</html>" in t, started, server)
        print(f"  preview's first build and serve: {first:.2f} s", flush=True)
        results = measure_edits(root, base, server, kb.docs, args.edits)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    medians = summary(results, build.wall)
    print(f"median of {args.edits} saves each (seconds, and as a fraction of the full build):")
    for kind, m in medians.items():
        print(f"  {kind:12} page {m['page']:6.2f} s ({m['page_ratio']:.3f})  dependants {m['dependants']:6.2f} s "
              f"({m['dependants_ratio']:.3f})  targets <= {PAGE_TARGET:.0f} / {DEPENDANTS_TARGET:.0f} s: "
              f"{'met' if m['met'] else 'MISSED'}")
    close_environment(env_info, load_start)
    print(f"  (1-minute load average: {env_info['loadavg_1min']})")
    write_results(out / "results.json", {
        "documents": args.sops, "edits": args.edits, "full_build": {"wall": build.wall, "cpu": build.cpu},
        "preview_first_build": first, "runs": results, "median": medians, "environment": env_info})
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(out / "site", ignore_errors=True)
    return 0


if __name__ == "__main__":
    run_main(main)
