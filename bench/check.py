#!/usr/bin/env python3
"""Benchmark `kb check` on a large synthetic knowledge base.

    .venv/bin/python bench/check.py [--sops N] [--accounts N] [--out DIR] [--keep]

Generates a deterministic, valid knowledge base (default 5,000 SOPs and
20,000 accounts, plus the org registry, glossary and the repository's kb.yml;
bench/generator.py) under DIR (default `.bench/` in the repository root, which
git ignores), then measures, each the best of --repeat runs of a fresh
subprocess (wall clock, `time.perf_counter`; peak RSS from `os.wait4`;
bench/harness.py):

  (a) baseline: read every SOP, account and org file once and parse it with
      bare `yaml.load(text, Loader=yaml.CSafeLoader)`;
  (b) `kb check` over the whole knowledge base;
  (c) `check-jsonschema --schemafile schemas/account.schema.json` over every
      account file (extrapolated from a subset when a full run would take
      longer than --jsonschema-budget seconds; the report says so;
      bench/jsonschema_cost.py);
  (d) `kb check` over a second knowledge base holding only the same accounts
      (plus org/ and kb.yml), so that (c) and (d) compare the same files.

(a), (b) and (d) run interleaved (a b d a b d ...), so that load from other
work on the machine hits them alike; the load average is recorded, and a
warning is printed if the kbtools sources change while the benchmark runs.

Targets: (b)/(a) <= 1.5, (c)/(d) >= 5, peak RSS of (b) <= 300 MB. A missed
target is reported, not an error. Exit codes: 0 the benchmark ran (targets
met or not), 1 the generated knowledge base is not valid or a measured command
failed, 2 wrong usage or the benchmark could not run.

Results are printed and written to DIR/results.json. The generated knowledge
bases are deleted afterwards unless --keep is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import generator
import jsonschema_cost
from generator import TODAY
from harness import (
    BIN,
    REPO,
    BenchError,
    Command,
    Measure,
    close_environment,
    environment,
    kbtools_fingerprint,
    loadavg,
    measure_interleaved,
    positive,
    require,
    run_child,
    run_main,
    validate,
    write_results,
)

TARGET_CHECK_VS_BASELINE = 1.5  # (b)/(a) at most
TARGET_JSONSCHEMA_VS_CHECK = 5.0  # (c)/(d) at least
TARGET_PEAK_MB = 300.0  # peak RSS of (b) at most

# (a): what any checker has to do at the least, in a fresh interpreter.
BASELINE = r"""
import os, sys, yaml
L = yaml.CSafeLoader
root = sys.argv[1]
n = 0
for folder in ("sops", "accounts", "org"):
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, folder)):
        for name in filenames:
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            if name.endswith(".md"):
                end = text.index("\n---\n", 3)
                text = text[4:end]
            elif not name.endswith((".yaml", ".yml")):
                continue
            yaml.load(text, Loader=L)
            n += 1
print(n)
"""

# Where (b)'s time goes: load / checks / report inside one process (uses kbtools
# internals). The garbage collector is paused, as `kb` itself does (kbtools.cli.main).
PHASES = r"""
import datetime as dt, gc, json, sys, time
from pathlib import Path
gc.disable()
t0 = time.perf_counter()
from kbtools.load.loader import load
from kbtools.checks import run_checks
from kbtools.checks.report import REPORTERS
t1 = time.perf_counter()
kb = load(Path(sys.argv[1]).resolve())
t2 = time.perf_counter()
findings = run_checks(kb, dt.date.fromisoformat(sys.argv[2]))
t3 = time.perf_counter()
files = kb.files + ["kb.yml"]
REPORTERS["text"](findings, len(files), today=sys.argv[2], file_names=files, strict=False)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "checks": t3 - t2, "report": t4 - t3}))
"""


@dataclass
class Tools:
    """The programs measured (from the venv) and the schema check-jsonschema is given."""

    python: Path
    kb: Path
    check_jsonschema: Path
    schema: Path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench/check.py", description="Benchmark kb check on a large synthetic knowledge base.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--sops", type=positive, default=5000, help="number of SOP/policy/... documents")
    p.add_argument("--accounts", type=positive, default=20000, help="number of account files (at most 99999)")
    p.add_argument("--people", type=positive, default=240,
                   help="people in org/people.yaml (the first 200 hold role am)")
    p.add_argument("--out", type=Path, default=REPO / ".bench", help="working folder")
    p.add_argument("--keep", action="store_true", help="keep the generated knowledge bases")
    p.add_argument("--repeat", type=positive, default=3, help="repetitions per measurement (best is reported)")
    p.add_argument("--seed", default="kb-bench-1", help="seed of the generator")
    p.add_argument("--jsonschema-budget", type=float, default=600.0, metavar="SECONDS",
                   help="measure check-jsonschema on a subset and extrapolate"
                        " when one full run is projected to take longer")
    p.add_argument("--jsonschema-subset", type=positive, default=2000, metavar="N",
                   help="size of that subset (the first N accounts)")
    p.add_argument("--skip-jsonschema", action="store_true", help="skip (c) (and its ratio)")
    args = p.parse_args(argv)
    if args.accounts > 99999:
        p.error("--accounts: account ids have five digits, so at most 99999")
    if args.people < 40:
        p.error("--people: at least 40 (every team needs an active member)")
    return args


def find_tools(skip_jsonschema: bool) -> Tools:
    tools = Tools(BIN / "python", BIN / "kb", BIN / "check-jsonschema", REPO / "schemas" / "account.schema.json")
    require([tools.python, tools.kb] + ([] if skip_jsonschema else [tools.check_jsonschema, tools.schema]),
            "run with the repository's venv: .venv/bin/python bench/check.py (make start sets it up)")
    return tools


def make_folder(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BenchError(f"cannot create {path}: {exc.strerror}") from None
    return path


def dir_size(root: Path) -> int:
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file())


# -- generate and validate ------------------------------------------------------------


def generate(args: argparse.Namespace, full: Path, accounts: Path) -> tuple[int, int, float]:
    """Both knowledge bases: their numbers of files, and the full one's size in MB."""
    print(f"Generating {args.sops} documents and {args.accounts} accounts in {full} (seed {args.seed!r}) ...",
          flush=True)
    t0 = time.perf_counter()
    try:
        n_full = generator.synthetic(full, args.sops, args.accounts, args.people, args.seed)
        n_accounts = generator.synthetic(accounts, 0, args.accounts, args.people, args.seed)
    except OSError as exc:
        raise BenchError(f"generation failed: {exc}", code=1) from None
    size_mb = dir_size(full) / 1e6
    print(f"  done in {time.perf_counter() - t0:.1f} s; {size_mb:.1f} MB on disk", flush=True)
    return n_full, n_accounts, size_mb


def validate_both(kb_bin: Path, full: Path, n_full: int, accounts: Path, n_accounts: int) -> dict[str, Any]:
    print("Checking that the generated knowledge bases are valid ...", flush=True)
    return {"full": validate(kb_bin, full, TODAY, n_full, "full"),
            "accounts_only": validate(kb_bin, accounts, TODAY, n_accounts, "accounts only")}


def new_results(args: argparse.Namespace, size_mb: float, fingerprint: str, validity: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": 1,
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "params": {"sops": args.sops, "accounts": args.accounts, "people": args.people, "repeat": args.repeat,
                   "seed": args.seed, "today": TODAY, "kb_size_mb": round(size_mb, 1)},
        "environment": environment(fingerprint),
        "validity": validity,
        "measurements": {},
    }


# -- (a), (b), (d) ----------------------------------------------------------------------


def measure_kb_check(tools: Tools, full: Path, accounts: Path, args: argparse.Namespace) -> list[Measure]:
    """(a), (b) and (d), interleaved, so that background load hits them alike."""
    print(f"(a) baseline: read + yaml.load(CSafeLoader) every file, fresh interpreter\n"
          f"(b) kb check over the whole knowledge base\n"
          f"(d) kb check over the accounts alone ({args.accounts} accounts + org + kb.yml)\n"
          f"    interleaved a, b, d; best of {args.repeat}", flush=True)
    kb_check = [str(tools.kb), "check", "--today", TODAY, "--root"]
    return measure_interleaved([
        Command("a", "baseline", [str(tools.python), "-c", BASELINE, str(full)], full),
        Command("b", "kb check (full)", [*kb_check, str(full)], full),
        Command("d", "kb check (accounts)", [*kb_check, str(accounts)], accounts),
    ], args.repeat)


def entry(m: Measure, **extra: Any) -> dict[str, Any]:
    """A measurement in the results file: best seconds, peak MB, every run."""
    return {"seconds": round(m.best, 3), "peak_mb": round(m.peak_mb, 1), **extra, "runs": m.walls()}


def kb_check_entries(a: Measure, b: Measure, d: Measure, expected_parsed: int) -> dict[str, Any]:
    """The results of (a), (b) and (d); stops (exit 1) unless (a) parsed every file."""
    parsed = int(a.runs[0].stdout.strip() or 0)
    if parsed != expected_parsed:
        raise BenchError(f"the baseline parsed {parsed} files, expected {expected_parsed}", code=1)
    return {"a_baseline": entry(a, files=parsed), "b_kb_check": entry(b), "d_kb_check_accounts": entry(d)}


def phase_breakdown(python: Path, root: Path) -> dict[str, float] | None:
    """Best effort: one in-process run of (b) timed by phase; None when it fails."""
    try:
        run = run_child([str(python), "-c", PHASES, str(root), TODAY], root)
        return json.loads(run.stdout) if run.rc == 0 else None
    except (BenchError, ValueError):
        return None


def phases_entry(python: Path, root: Path) -> dict[str, Any]:
    """The phases of (b), printed and as results entry (none when they could not be timed)."""
    phases = phase_breakdown(python, root)
    if not phases:
        return {}
    print("    (b) phases, one in-process run: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
    return {"b_phases_one_run": {k: round(v, 3) for k, v in phases.items()}}


# -- (c) --------------------------------------------------------------------------------


def measure_jsonschema(tools: Tools, accounts: Path, args: argparse.Namespace) -> tuple[float, dict[str, Any]]:
    """(c) over the accounts-only knowledge base (bench/jsonschema_cost.py)."""
    return jsonschema_cost.measure([str(tools.check_jsonschema), "--schemafile", str(tools.schema)], accounts,
                                   args.repeat, args.jsonschema_budget, args.jsonschema_subset)


# -- report -----------------------------------------------------------------------------


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "PASS" if ok else "FAIL"


def targets(a: Measure, b: Measure, d: Measure, c_seconds: float | None, c_extrapolated: bool) -> list[dict[str, Any]]:
    """Each target with its measured value and whether it was met (None: not measured)."""
    r_ba = b.best / a.best
    r_cd = (c_seconds / d.best) if c_seconds is not None else None
    return [
        {"name": "kb check vs baseline parse, (b)/(a)", "value": round(r_ba, 2),
         "target": f"<= {TARGET_CHECK_VS_BASELINE}", "pass": r_ba <= TARGET_CHECK_VS_BASELINE},
        {"name": "check-jsonschema vs kb check on the accounts, (c)/(d)"
                 + (" [(c) extrapolated]" if c_extrapolated else ""),
         "value": None if r_cd is None else round(r_cd, 2),
         "target": f">= {TARGET_JSONSCHEMA_VS_CHECK}",
         "pass": None if r_cd is None else r_cd >= TARGET_JSONSCHEMA_VS_CHECK},
        {"name": "peak RSS of kb check (b), MB", "value": round(b.peak_mb, 1), "target": f"<= {TARGET_PEAK_MB:.0f}",
         "pass": b.peak_mb <= TARGET_PEAK_MB},
    ]


def ratios(a: Measure, b: Measure, d: Measure, c_seconds: float | None) -> dict[str, float | None]:
    """The ratios against the baselines measured in the same run."""
    return {"b_over_a": round(b.best / a.best, 3),
            "c_over_d": None if c_seconds is None else round(c_seconds / d.best, 3)}


def print_table(args: argparse.Namespace, a: Measure, b: Measure, d: Measure,
                c_seconds: float | None, c: dict[str, Any] | None) -> None:
    print()
    print(f"Results ({args.sops} documents, {args.accounts} accounts, best of {args.repeat};"
          " wall clock incl. interpreter start-up)")
    c_note = ("skipped" if c is None
              else f"EXTRAPOLATED from the first {c['measured_files']} accounts" if c["extrapolated"] else "")
    rows = [
        ("(a) baseline: read + CSafeLoader parse, all files", a.best, a.peak_mb, ""),
        ("(b) kb check, whole knowledge base", b.best, b.peak_mb, ""),
        ("(c) check-jsonschema, account files", c_seconds, None if c is None else c["peak_mb"], c_note),
        ("(d) kb check, accounts + org only", d.best, d.peak_mb, ""),
    ]
    for label, secs, mb, note in rows:
        s = "      n/a" if secs is None else f"{secs:9.3f} s"
        m = "" if mb is None else f"  peak {mb:7.1f} MB"
        print(f"  {label:<52} {s}{m}  {note}".rstrip())


def print_targets(rows: list[dict[str, Any]]) -> None:
    print()
    for t in rows:
        v = "n/a" if t["value"] is None else t["value"]
        print(f"  {verdict(t['pass']):4}  {t['name']:<70} {v!s:>8}   target {t['target']}")


def clean_up(keep: bool, folders: list[Path]) -> None:
    if keep:
        print("Kept " + " and ".join(str(f) for f in folders))
        return
    for path in folders:
        shutil.rmtree(path, ignore_errors=True)


# -- main -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tools = find_tools(args.skip_jsonschema)
    out = make_folder(args.out.resolve())
    full, accounts = out / "kb", out / "kb-accounts"
    fingerprint, load_start = kbtools_fingerprint(), loadavg()

    n_full, n_accounts, size_mb = generate(args, full, accounts)
    results = new_results(args, size_mb, fingerprint, validate_both(tools.kb, full, n_full, accounts, n_accounts))
    meas = results["measurements"]

    a, b, d = measure_kb_check(tools, full, accounts, args)
    meas.update(kb_check_entries(a, b, d, expected_parsed=n_full - 1))  # every file but kb.yml
    meas.update(phases_entry(tools.python, full))
    c_seconds, c = (None, None) if args.skip_jsonschema else measure_jsonschema(tools, accounts, args)
    if c is not None:
        meas["c_check_jsonschema"] = c

    results["ratios"] = ratios(a, b, d, c_seconds)
    results["targets"] = targets(a, b, d, c_seconds, c is not None and c["extrapolated"])
    print_table(args, a, b, d, c_seconds, c)
    print_targets(results["targets"])
    close_environment(results["environment"], load_start)
    write_results(out / "results.json", results)
    print(f"\nWrote {out / 'results.json'}")
    clean_up(args.keep, [full, accounts])
    return 0


if __name__ == "__main__":
    run_main(main)
