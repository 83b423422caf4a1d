#!/usr/bin/env python3
"""Benchmark the knowledge site: the `kb` plugin against the same pages as plain Markdown.

    .venv/bin/python bench/site.py [--sops N] [--repeat N] [--out DIR] [--keep]

Generates a knowledge base of N documents (default 1,000) from the
repository's own documents (same bodies, steps and front matter, new ids,
titles and review dates), with the repository's org/, accounts/ and kb.yml,
then builds, in the same run and alternating, each the best of --repeat
fresh `mkdocs build` processes (wall clock):

  (a) plugin: the repository's mkdocs.yml with the `kb` plugin, which loads
      and checks the knowledge base and generates every page;
  (b) plain: the same pages written out beforehand as plain Markdown (each
      document's body with its metadata, banner, roles, steps, related
      documents and history as Markdown; the generated listings as the HTML
      the plugin makes), built with the same theme, features, extensions
      and navigation but without the plugin. The plain pages carry no
      glossary tooltips, so the plugin's tooltip work counts against it.

Both builds run with --strict. Reported: the best wall-clock and the best
CPU (user + system) seconds of each. Target: (a)/(b) <= 1.15 in wall-clock
time; the CPU ratio is the steadier figure on a busy machine. A missed target
is reported, not an error. Results also go to DIR/results.json. Exit codes:
0 the benchmark ran, 1 a build failed, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kbtools.loader import load  # noqa: E402
from kbtools.site import urls  # noqa: E402
from kbtools.site.nav import build_nav  # noqa: E402
from kbtools.site.pages import all_pages  # noqa: E402
from kbtools.site.render import TYPE_NAME, Links, date_text  # noqa: E402
from kbtools.site.sop_page import banner, step_views  # noqa: E402
from kbtools.site.view import SiteView, build_view  # noqa: E402

BIN = REPO / ".venv" / "bin" if (REPO / ".venv" / "bin" / "mkdocs").exists() else Path(sys.executable).parent
TODAY = "2026-11-22"
TARGET = 1.15


# -- the knowledge base --------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Writes the models' tuples as YAML lists."""


_Dumper.add_representer(tuple, yaml.SafeDumper.represent_list)


def generate(root: Path, count: int) -> None:
    """`count` documents made from the repository's, plus its org/, accounts/, kb.yml and site."""
    for name in ("org", "accounts", "docs"):
        shutil.copytree(REPO / name, root / name)
    for name in ("kb.yml", "mkdocs.yml"):
        shutil.copy(REPO / name, root / name)
    kb = load(REPO)
    templates = sorted(kb.docs.values(), key=lambda e: e.model.id)
    rng = random.Random("site-bench")
    today = dt.date.fromisoformat(TODAY)
    made: list[str] = []
    numbers: Counter[str] = Counter()
    for n in range(count):
        entry = templates[n % len(templates)]
        series = entry.model.id.rsplit("-", 1)[0]
        numbers[series] += 1
        ident = f"{series}-{numbers[series]:03d}"  # the originals' ids come first
        data = entry.model.model_dump(mode="python", by_alias=True, exclude_none=True, exclude_defaults=True)
        data.update(
            id=ident,
            title=f"{entry.model.title} ({n + 1})",
            last_reviewed=today - dt.timedelta(days=rng.randrange(0, 420)),
            related=[d for d in made[-3:] if d != ident],
        )
        data["effective"] = min(data["effective"], data["last_reviewed"])
        folder = root / "sops" / entry.model.department
        folder.mkdir(parents=True, exist_ok=True)
        front = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
        (folder / f"{ident}.md").write_text(f"---\n{front}---\n{entry.body}", encoding="utf-8")
        made.append(ident)


# -- the same pages as plain Markdown -------------------------------------------------


def page_url(src: str) -> str:
    """The URL MkDocs gives a source path with use_directory_urls."""
    stem = src[:-3]
    if stem == "index":
        return ""
    return (stem[: -len("index")] if stem.endswith("/index") else stem + "/")


def md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_link(text: str, target: str, src: str) -> str:
    return f"[{md_cell(text)}]({urls.relative_src(target, src)})"


def plain_document(view: SiteView, doc_id: str) -> str:
    """A document's page as an author would write it by hand."""
    entry = view.docs[doc_id]
    doc, src, body = entry.model, urls.doc(doc_id), entry.body.lstrip()
    b = banner(view, doc)
    owner = md_link(view.kb.display_name(doc.owner), urls.owner(doc.owner), src)
    dept = md_link(view.kb.departments[doc.department].model.name, urls.department(doc.department), src)
    due = date_text(b.due) if b.due else "-"
    out = [
        f"# {doc.title}", "",
        f'!!! note "Review: {b.state}"', f"    Last reviewed {date_text(doc.last_reviewed)}; next review due {due}.", "",
        "| ID | Type | Status | Version | Department | Owner | Effective | Last review | Next review |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| `{doc.id}` | {TYPE_NAME[doc.type]} | {doc.status} | {doc.version} | {dept} | {owner} "
        f"| {date_text(doc.effective)} | {date_text(doc.last_reviewed)} | {due} |", "",
        md_cell(doc.summary or ""), "",
        body.split("\n", 1)[1] if body.startswith("# ") else body, "",
    ]
    if doc.roles:
        out += ["## Roles and responsibilities", "", "| Role | Responsibilities |", "|---|---|"]
        out += [f"| {md_cell(view.kb.display_name('role:' + d.role))} | {'<br>'.join(map(md_cell, d.responsibilities))} |"
                for d in doc.roles]
        out.append("")
    if doc.steps:
        out += ["## Steps", ""]
        for s in step_views(doc):
            out += [f"### Step {s.number} {s.step.title} {{#{urls.step_anchor(s.step.id)}}}", ""]
            if s.step.role:
                out += [f"Role: {view.kb.display_name('role:' + s.step.role)}", ""]
            if s.step.approval:
                covers = ", ".join(f"[Step {c.number}](#{urls.step_anchor(c.step.id)})" for c in s.covers)
                out += ['!!! note "Approval gate"', f"    Approved by {view.kb.display_name(s.step.approval.by)}. Covers {covers}.", ""]
            if s.step.guidance:
                out += [s.step.guidance, ""]
            out += [f"- [ ] {text}" for text, _ in s.items()] + [""]
    related = [r for r in doc.related if r in view.docs]
    if related:
        out += ["## Related documents", ""]
        out += [f"- {md_link(r + ' ' + view.docs[r].model.title, urls.doc(r), src)}" for r in related] + [""]
    if doc.changelog:
        out += ["## Document history", "", "| Version | Date | Change |", "|---|---|---|"]
        out += [f"| {c.version} | {date_text(c.date)} | {md_cell(c.summary)} |" for c in doc.changelog] + [""]
    return "\n".join(out)


def write_plain(kb_root: Path, plain: Path) -> None:
    kb = load(kb_root)
    view = build_view(kb, "internal", dt.date.fromisoformat(TODAY))
    pages = all_pages(view, "Northwind knowledge base")
    url_of = {p.src: page_url(p.src) for p in pages}
    docs = plain / "docs"
    shutil.copytree(kb_root / "docs", docs)
    for page in pages:
        if page.markdown:
            text = plain_document(view, page.src[len("sops/"):-3].upper())
        else:
            text = page.render(Links(view, url_of[page.src], url_of.get), "")
        target = docs / page.src
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text + "\n", encoding="utf-8")
    config = yaml.safe_load((kb_root / "mkdocs.yml").read_text(encoding="utf-8").replace("!ENV ", ""))
    config["plugins"] = ["search"]
    config["nav"] = build_nav(view, ["authoring.md"])
    (plain / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


# -- timing ---------------------------------------------------------------------------


def build_seconds(config: Path, site: Path) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one `mkdocs build --strict` process."""
    env = dict(os.environ, KB_TODAY=TODAY, NO_MKDOCS_2_WARNING="1", KB_AUDIENCE="internal")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([str(BIN / "mkdocs"), "build", "--strict", "-q", "-f", str(config), "-d", str(site)],
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        print(f"bench: mkdocs build of {config} failed", file=sys.stderr)
        raise SystemExit(1)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sops", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / ".bench" / "site")
    parser.add_argument("--keep", action="store_true", help="keep the generated sites")
    args = parser.parse_args(argv)
    if args.sops < 1 or args.repeat < 1:
        parser.error("--sops and --repeat must be at least 1")

    shutil.rmtree(args.out, ignore_errors=True)
    kb_root, plain = args.out / "kb", args.out / "plain"
    kb_root.mkdir(parents=True)
    generate(kb_root, args.sops)
    write_plain(kb_root, plain)
    pages = sum(1 for _ in (plain / "docs").rglob("*.md"))

    runs: dict[str, list[tuple[float, float]]] = {"plugin": [], "plain": []}
    for _ in range(args.repeat):
        runs["plugin"].append(build_seconds(kb_root / "mkdocs.yml", args.out / "site-plugin"))
        runs["plain"].append(build_seconds(plain / "mkdocs.yml", args.out / "site-plain"))
    wall = {k: min(w for w, _ in v) for k, v in runs.items()}
    cpu = {k: min(c for _, c in v) for k, v in runs.items()}
    ratio, cpu_ratio = wall["plugin"] / wall["plain"], cpu["plugin"] / cpu["plain"]
    result = {"documents": args.sops, "pages": pages, "repeat": args.repeat, "runs": runs,
              "wall": wall, "cpu": cpu, "ratio": round(ratio, 3), "cpu_ratio": round(cpu_ratio, 3),
              "target": TARGET, "met": ratio <= TARGET}
    print(f"{args.sops} documents, {pages} pages, best of {args.repeat} (wall clock / CPU):")
    print(f"  (a) plugin  {wall['plugin']:6.2f} s / {cpu['plugin']:6.2f} s")
    print(f"  (b) plain   {wall['plain']:6.2f} s / {cpu['plain']:6.2f} s")
    print(f"  (a)/(b)     {ratio:6.3f}   / {cpu_ratio:6.3f}    (target <= {TARGET}: {'met' if ratio <= TARGET else 'MISSED'})")
    (args.out / "results.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if not args.keep:
        for name in ("kb", "plain", "site-plugin", "site-plain"):
            shutil.rmtree(args.out / name, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
