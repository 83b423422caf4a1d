#!/usr/bin/env python3
"""Benchmark the knowledge site: the `kb` plugin against the same pages as plain Markdown.

    .venv/bin/python bench/site.py [--sops N] [--repeat N (5)] [--out DIR] [--keep]

Generates a knowledge base of N documents (default 1,000) from the
repository's own documents (same bodies, steps and front matter, new ids,
titles and review dates), with the repository's org/, accounts/ and kb.yml
(bench/generator.py), then builds, in the same run and alternating, each the
best of --repeat fresh `mkdocs build` processes (wall clock):

  (a) plugin: the repository's mkdocs.yml with the `kb` plugin, which loads
      and checks the knowledge base and generates every page;
  (b) plain: the same pages written out beforehand as plain Markdown
      (bench/plain.py), built with the same theme, features, extensions and
      navigation but without the plugin. The plain pages carry no glossary
      tooltips, so the plugin's tooltip work counts against it.

Both builds run with --strict. Reported: the best wall-clock and the best
CPU (user + system) seconds of each. Target: (a)/(b) <= 1.15 in wall-clock
time; the CPU ratio is the steadier figure on a busy machine. A missed target
is reported, not an error. Results also go to DIR/results.json. Exit codes:
0 the benchmark ran, 1 the generated knowledge base does not load cleanly or
a build failed, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from harness import (
    BIN,
    REPO,
    BenchError,
    Command,
    Measure,
    measure_interleaved,
    positive,
    require,
    run_main,
    write_results,
)

sys.path.insert(0, str(REPO))  # the repository's kbtools, also without an installed package

import generator
import plain

from kbtools.kb import KnowledgeBase
from kbtools.load.loader import load

TARGET = 1.15


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/site.py", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sops", type=positive, default=1000)
    # Five: on a shared 2-core machine whole runs are slower by a third at times, for both builds alike.
    parser.add_argument("--repeat", type=positive, default=5)
    parser.add_argument("--out", type=Path, default=REPO / ".bench" / "site")
    parser.add_argument("--keep", action="store_true", help="keep the generated sites")
    return parser.parse_args(argv)


def load_generated(root: Path, count: int) -> KnowledgeBase:
    """The generated knowledge base, after making sure every file loaded and every document is there."""
    kb = load(root)
    if kb.findings:
        shown = "\n".join(f"    {f.path}:{f.line}: {f.message} [{f.code}]" for f in kb.findings[:10])
        raise BenchError(f"the generated knowledge base in {root} does not load cleanly:\n{shown}", code=1)
    if len(kb.docs) != count:
        raise BenchError(f"{root} holds {len(kb.docs)} documents, expected {count}", code=1)
    return kb


def build(tag: str, label: str, config: Path, site: Path) -> Command:
    """One `mkdocs build --strict` of `config` into `site`, for the date the knowledge base was made for."""
    env = dict(os.environ, KB_TODAY=generator.TODAY, NO_MKDOCS_2_WARNING="1", KB_AUDIENCE="internal")
    return Command(tag, label, [str(BIN / "mkdocs"), "build", "--strict", "-q", "-f", str(config), "-d", str(site)],
                   env=env)


def results(args: argparse.Namespace, pages: int, a: Measure, b: Measure) -> dict[str, Any]:
    """The results file: every run's (wall, CPU) seconds, the best of each and their ratios."""
    wall = {"plugin": a.best, "plain": b.best}
    cpu = {"plugin": a.best_cpu, "plain": b.best_cpu}
    ratio = wall["plugin"] / wall["plain"]
    return {"documents": args.sops, "pages": pages, "repeat": args.repeat,
            "runs": {m: [(r.wall, r.cpu) for r in x.runs] for m, x in (("plugin", a), ("plain", b))},
            "wall": wall, "cpu": cpu, "ratio": round(ratio, 3), "cpu_ratio": round(cpu["plugin"] / cpu["plain"], 3),
            "target": TARGET, "met": ratio <= TARGET}


def report(r: dict[str, Any]) -> None:
    wall, cpu = r["wall"], r["cpu"]
    print(f"{r['documents']} documents, {r['pages']} pages, best of {r['repeat']} (wall clock / CPU):")
    print(f"  (a) plugin  {wall['plugin']:6.2f} s / {cpu['plugin']:6.2f} s")
    print(f"  (b) plain   {wall['plain']:6.2f} s / {cpu['plain']:6.2f} s")
    print(f"  (a)/(b)     {r['ratio']:6.3f}   / {r['cpu_ratio']:6.3f}    "
          f"(target <= {TARGET}: {'met' if r['met'] else 'MISSED'})")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    require([BIN / "mkdocs"], "run with the repository's venv: .venv/bin/python bench/site.py (make start sets it up)")
    out = args.out
    kb_root, plain_root = out / "kb", out / "plain"
    shutil.rmtree(out, ignore_errors=True)
    kb_root.mkdir(parents=True)

    generator.from_repo(kb_root, args.sops)
    kb = load_generated(kb_root, args.sops)
    pages = plain.write_plain(kb, dt.date.fromisoformat(generator.TODAY), plain_root)

    a, b = measure_interleaved([
        build("a", "mkdocs build (plugin)", kb_root / "mkdocs.yml", out / "site-plugin"),
        build("b", "mkdocs build (plain)", plain_root / "mkdocs.yml", out / "site-plain"),
    ], args.repeat, progress=False)

    r = results(args, pages, a, b)
    report(r)
    write_results(out / "results.json", r)
    if not args.keep:
        for name in ("kb", "plain", "site-plugin", "site-plain"):
            shutil.rmtree(out / name, ignore_errors=True)
    return 0


if __name__ == "__main__":
    run_main(main)
