#!/usr/bin/env python3
"""How `kb check` and the site build grow with the size of the knowledge base.

    .venv/bin/python bench/growth.py [--check-records 1000,10000,100000] [--site-documents 1000,2000,5000,10000]
                                     [--repeat N] [--skip-check] [--skip-site] [--out DIR] [--keep]

For each size it generates a deterministic, valid knowledge base
(bench/generator.py) and measures fresh processes (bench/harness.py): wall
clock, CPU seconds (user + system, which other work on the machine distorts
less than the wall clock) and peak RSS, the best of --repeat runs:

  - `kb check` over N records, a fifth of them documents and the rest
    accounts (the mix of bench/check.py), with the baseline of bench/check.py
    (read and parse every file with bare CSafeLoader) at the same size;
  - `mkdocs build --strict` of the internal site with the `kb` plugin, over
    N documents and a fixed 100 accounts.

Document ids have three digits per department and type, so the generator
makes at most 23,976 documents; account ids have five digits (99,999).

For each size the tables give the time per 1,000 records, the time per
record relative to the smallest size (1.00 is linear growth, less is
better) and the growth exponent from the size before (log of the time ratio
over log of the size ratio: 1.0 is linear), from CPU seconds; the same for
peak memory. A Markdown table is printed for the README; results go to
DIR/growth-results.json. Exit codes: 0 the benchmark ran, 1 a generated
knowledge base is not valid or a measured command failed, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import generator
import harness
from check import BASELINE

PEOPLE = 240  # as bench/check.py
SITE_ACCOUNTS = 100  # accounts in every site measured: the site grows by documents
MAX_DOCUMENTS = 23_976  # the generator's ids: 999 per department and type
MAX_ACCOUNTS = 99_999


@dataclass
class Size:
    """One measured size: its records and the measures taken of it (the baseline for `kb check` only)."""

    records: int
    documents: int
    accounts: int
    measure: harness.Measure
    baseline: harness.Measure | None = None


def sizes(text: str) -> list[int]:
    """argparse type: sizes separated by commas, each at least 1, in increasing order."""
    try:
        values = sorted({harness.positive(part.strip()) for part in text.split(",") if part.strip()})
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
    if not values:
        raise argparse.ArgumentTypeError("give at least one size")
    return values


def split_records(records: int) -> tuple[int, int]:
    """(documents, accounts) for `records` records: a fifth documents, as in bench/check.py's 5,000 and 20,000."""
    documents = records // 5
    accounts = records - documents
    if documents > MAX_DOCUMENTS or accounts > MAX_ACCOUNTS:
        raise harness.BenchError(f"{records:,} records are more than the id formats allow "
                         f"(at most {MAX_DOCUMENTS:,} documents and {MAX_ACCOUNTS:,} accounts)")
    return documents, accounts


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/growth.py", description=(__doc__ or "").split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--check-records", type=sizes, default=[1000, 10000, 100000], metavar="N,N,...",
                   help="sizes of kb check, in records (documents and accounts)")
    p.add_argument("--site-documents", type=sizes, default=[1000, 2000, 5000, 10000], metavar="N,N,...",
                   help="sizes of the site build, in documents")
    p.add_argument("--repeat", type=harness.positive, default=1, help="runs per size (the best is reported)")
    p.add_argument("--skip-check", action="store_true", help="measure no kb check")
    p.add_argument("--skip-site", action="store_true", help="measure no site build")
    p.add_argument("--seed", default="kb-growth")
    p.add_argument("--out", type=Path, default=harness.REPO / ".bench" / "growth", help="working folder")
    p.add_argument("--keep", action="store_true", help="keep the generated knowledge bases")
    args = p.parse_args(argv)
    for n in args.check_records:
        try:
            split_records(n)
        except harness.BenchError as exc:
            p.error(f"--check-records: {exc}")
    if max(args.site_documents) > MAX_DOCUMENTS:
        p.error(f"--site-documents: at most {MAX_DOCUMENTS:,} (document ids have three digits)")
    return args


# -- measuring ----------------------------------------------------------------------------


def check_size(records: int, out: Path, args: argparse.Namespace) -> Size:
    """Generate `records` records, check they are valid, then time the baseline and `kb check` on them."""
    documents, accounts = split_records(records)
    root = out / f"check-{records}"
    print(f"kb check, {records:,} records ({documents:,} documents, {accounts:,} accounts) ...", flush=True)
    files = generator.synthetic(root, documents, accounts, PEOPLE, args.seed)
    harness.validate(harness.BIN / "kb", root, generator.TODAY, files, f"{records:,} records")
    base, check = harness.measure_interleaved([
        harness.Command("a", "baseline", [str(harness.BIN / "python"), "-c", BASELINE, str(root)], root),
        harness.Command("b", "kb check",
                        [str(harness.BIN / "kb"), "check", "--today", generator.TODAY, "--root", str(root)], root),
    ], args.repeat)
    clean(root, args.keep)
    return Size(records, documents, accounts, check, base)


def site_kb(root: Path, documents: int, seed: str) -> None:
    """A generated knowledge base of `documents` documents with the repository's site configuration."""
    generator.synthetic(root, documents, SITE_ACCOUNTS, PEOPLE, seed)
    shutil.copytree(harness.REPO / "docs", root / "docs")
    shutil.copy(harness.REPO / "mkdocs.yml", root / "mkdocs.yml")


def site_size(documents: int, out: Path, args: argparse.Namespace) -> Size:
    """Generate `documents` documents and time `mkdocs build --strict` of their internal site."""
    root = out / f"site-{documents}"
    print(f"site build, {documents:,} documents and {SITE_ACCOUNTS} accounts ...", flush=True)
    site_kb(root, documents, args.seed)
    env = dict(os.environ, KB_TODAY=generator.TODAY, NO_MKDOCS_2_WARNING="1", KB_AUDIENCE="internal")
    built = root / "site"
    (measure,) = harness.measure_interleaved([harness.Command(
        "s", "mkdocs build", [str(harness.BIN / "mkdocs"), "build", "--strict", "-q", "-f", str(root / "mkdocs.yml"),
                              "-d", str(built)], root, env)], args.repeat)
    pages = sum(1 for _ in built.rglob("*.html"))
    print(f"    {pages:,} pages", flush=True)
    clean(root, args.keep)
    return Size(documents, documents, SITE_ACCOUNTS, measure)


def clean(root: Path, keep: bool) -> None:
    if not keep:
        shutil.rmtree(root, ignore_errors=True)


# -- growth -------------------------------------------------------------------------------


def growth(measured: list[Size]) -> list[dict[str, Any]]:
    """Each size's figures, per record against the smallest size, and its growth exponent from the size before."""
    rows: list[dict[str, Any]] = []
    first = measured[0]
    for k, size in enumerate(measured):
        m = size.measure
        row: dict[str, Any] = {
            "records": size.records, "documents": size.documents, "accounts": size.accounts,
            "wall_s": round(m.best, 3), "cpu_s": round(m.best_cpu, 3), "peak_mb": round(m.peak_mb, 1),
            "cpu_ms_per_1000": round(1000 * 1000 * m.best_cpu / size.records, 1),
            "mb_per_1000": round(1000 * m.peak_mb / size.records, 2),
            "cpu_per_record_vs_smallest": round(per_record(m.best_cpu, size, first.measure.best_cpu, first), 2),
            "mb_per_record_vs_smallest": round(per_record(m.peak_mb, size, first.measure.peak_mb, first), 2),
            "cpu_exponent": None, "mb_exponent": None,
        }
        if k:
            before = measured[k - 1]
            row["cpu_exponent"] = exponent(before.records, before.measure.best_cpu, size.records, m.best_cpu)
            row["mb_exponent"] = exponent(before.records, before.measure.peak_mb, size.records, m.peak_mb)
        if size.baseline is not None:
            row["baseline_wall_s"] = round(size.baseline.best, 3)
            row["baseline_cpu_s"] = round(size.baseline.best_cpu, 3)
            row["check_over_baseline"] = round(m.best / size.baseline.best, 2)
        rows.append(row)
    return rows


def per_record(value: float, size: Size, first_value: float, first: Size) -> float:
    """`value` per record, relative to the smallest size's."""
    return (value / size.records) / (first_value / first.records) if first_value else math.nan


def exponent(n1: int, v1: float, n2: int, v2: float) -> float | None:
    """b in v = c * n ** b between two sizes (1.0: linear); None when it cannot be told."""
    if n1 == n2 or v1 <= 0 or v2 <= 0:
        return None
    return round(math.log(v2 / v1) / math.log(n2 / n1), 2)


def shown(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def markdown(title: str, rows: list[dict[str, Any]], what: str) -> str:
    """The rows as a Markdown table, as the README shows them."""
    baseline = "check_over_baseline" in rows[0] if rows else False
    head = [what, "wall s", "CPU s", "CPU ms per 1,000", "CPU per record vs smallest", "exponent",
            "peak MB", "MB per 1,000", "MB per record vs smallest", "exponent"]
    if baseline:
        head += ["baseline wall s", "kb check / baseline"]
    lines = [f"**{title}**", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        size = f"{r['records']:,}" + (f" ({r['documents']:,} + {r['accounts']:,})" if baseline else "")
        cells = [size, f"{r['wall_s']:.2f}", f"{r['cpu_s']:.2f}", f"{r['cpu_ms_per_1000']:.0f}",
                 f"{r['cpu_per_record_vs_smallest']:.2f}", shown(r["cpu_exponent"]),
                 f"{r['peak_mb']:.0f}", f"{r['mb_per_1000']:.1f}", f"{r['mb_per_record_vs_smallest']:.2f}",
                 shown(r["mb_exponent"])]
        if baseline:
            cells += [f"{r['baseline_wall_s']:.2f}", f"{r['check_over_baseline']:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tools = [harness.BIN / "kb", harness.BIN / "python"] + ([] if args.skip_site else [harness.BIN / "mkdocs"])
    harness.require(tools, "run with the repository's venv: .venv/bin/python bench/growth.py (make start sets it up)")
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    fingerprint, load_start = harness.kbtools_fingerprint(), harness.loadavg()
    results: dict[str, Any] = {"version": 1, "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
                               "params": {"repeat": args.repeat, "seed": args.seed, "today": generator.TODAY},
                               "environment": harness.environment(fingerprint)}
    tables = []
    parts = [
        ("kb_check", "kb check", "records (documents + accounts)", check_size, args.check_records, args.skip_check),
        ("site_build", f"site build (internal, {SITE_ACCOUNTS} accounts)", "documents", site_size,
         args.site_documents, args.skip_site),
    ]
    for key, title, what, measure, counts, skip in parts:
        if skip:
            continue
        measured: list[Size] = []
        for n in counts:
            measured.append(measure(n, out, args))
            m = measured[-1].measure
            print(f"    best: {m.best:.2f} s, CPU {m.best_cpu:.2f} s, peak {m.peak_mb:.1f} MB"
                  f" (1-minute load average {harness.loadavg()})", flush=True)
            results[key] = growth(measured)
            harness.write_results(out / "growth-results.json", results)  # what is measured so far survives a stop
        tables.append(markdown(title, results[key], what))
    harness.close_environment(results["environment"], load_start)
    loads = results["environment"]["loadavg_1min"]
    print(f"\n1-minute load average: {loads['start']} at the start, {loads['end']} at the end\n")
    print("\n\n".join(tables))
    harness.write_results(out / "growth-results.json", results)
    print(f"\nWrote {out / 'growth-results.json'}")
    return 0


if __name__ == "__main__":
    harness.run_main(main)
