"""Measure check-jsonschema, the generic validator `kb check` is compared with (bench/check.py's (c)).

A fair comparison runs it the way one would in CI: every account file named on
as few command lines as ARG_MAX allows (like xargs), the time of one run being
the sum of its invocations. At the default size a full run takes many minutes,
so when a calibration projects it beyond a budget, a subset is measured and the
full run extrapolated linearly from start-up and per-file time; the results
entry says which was done.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import BenchError, Measure, Run, run_child, tail


@dataclass
class SchemaRuns:
    """check-jsonschema over a list of files, repeated: per repetition the sum of its invocations."""

    measure: Measure
    invocations: int
    exit_codes: set[int] = field(default_factory=set)
    output: str = ""  # of the first invocation that reported an invalid file


def arg_chunks(args: list[str], fixed: list[str]) -> list[list[str]]:
    """Split `args` into as few command lines as ARG_MAX allows (like xargs)."""
    try:
        limit = os.sysconf("SC_ARG_MAX")
    except (ValueError, OSError):
        limit = 131072
    env = sum(len(k) + len(v) + 2 + 8 for k, v in os.environ.items())
    budget = limit - env - sum(len(a) + 1 + 8 for a in fixed) - 16384  # margin for the loader
    budget = max(budget, 32768)
    chunks: list[list[str]] = []
    current: list[str] = []
    size = 0
    for a in args:
        cost = len(a.encode()) + 1 + 8
        if current and size + cost > budget:
            chunks.append(current)
            current, size = [], 0
        current.append(a)
        size += cost
    if current:
        chunks.append(current)
    return chunks


def invocation(cmd: list[str], cwd: Path, result: SchemaRuns) -> Run:
    """One check-jsonschema process; its exit code (and first complaint) go into `result`."""
    run = run_child(cmd, cwd)
    if run.rc not in (0, 1):  # 1: some file failed validation; anything else: it could not run
        raise BenchError(f"check-jsonschema exited {run.rc}:\n{tail(run.stderr or run.stdout)}", code=1)
    result.exit_codes.add(run.rc)
    if run.rc and not result.output:
        result.output = (run.stdout + run.stderr).strip()
    return run


def timed_runs(command: list[str], files: list[str], cwd: Path, repeat: int, quiet: bool = False) -> SchemaRuns:
    """check-jsonschema over `files` in ARG_MAX-sized invocations, `repeat` times."""
    chunks = arg_chunks(files, command)
    result = SchemaRuns(Measure("check-jsonschema"), len(chunks))
    for k in range(repeat):
        runs = [invocation(command + chunk, cwd, result) for chunk in chunks]
        total, peak = sum(r.wall for r in runs), max(r.maxrss_kb for r in runs)
        result.measure.runs.append(Run(total, sum(r.cpu for r in runs), peak, 0, "", ""))
        if not quiet:
            print(f"    run {k + 1}/{repeat}: {total:8.3f} s  ({len(chunks)} invocation(s) of {len(files)} files)"
                  f"  peak {peak / 1024:7.1f} MB", flush=True)
    return result


def projected_seconds(command: list[str], files: list[str], cwd: Path, invocations: int) -> float:
    """One full run's seconds, projected from a run on one file (start-up) and on a small sample."""
    probe_n = min(len(files), 200)
    startup = timed_runs(command, files[:1], cwd, 1, quiet=True).measure.best
    probe = timed_runs(command, files[:probe_n], cwd, 1, quiet=True).measure.best
    per_file = max(probe - startup, 0.0) / max(probe_n - 1, 1)
    projected = invocations * startup + per_file * len(files)
    print(f"    calibration: start-up {startup:.2f} s, {per_file * 1000:.2f} ms per file -> "
          f"one full run projected at {projected:.0f} s", flush=True)
    return projected


def extrapolated(command: list[str], files: list[str], cwd: Path, repeat: int, budget: float, n_sub: int,
                 invocations: int) -> tuple[float, dict[str, Any], SchemaRuns]:
    """(c) from the first `n_sub` files: start-up x invocations + per-file time x files."""
    print(f"    projected run exceeds the {budget:.0f} s budget: measuring the first {n_sub} "
          f"accounts and extrapolating linearly", flush=True)
    startup = timed_runs(command, files[:1], cwd, repeat, quiet=True).measure.best
    sub = timed_runs(command, files[:n_sub], cwd, repeat)
    c = sub.measure
    per_file = (c.best - sub.invocations * startup) / max(n_sub - sub.invocations, 1)
    seconds = invocations * startup + per_file * (len(files) - invocations)
    return seconds, {
        "seconds": round(seconds, 3), "extrapolated": True, "measured_files": n_sub,
        "measured_seconds": round(c.best, 3), "startup_seconds": round(startup, 3),
        "per_file_ms": round(per_file * 1000, 3), "invocations": invocations,
        "method": "startup x invocations + per-file time x files, from best-of-repeat runs on 1 file and on the subset",
        "peak_mb": round(c.peak_mb, 1), "runs": c.walls(),
    }, sub


def measured(command: list[str], files: list[str], cwd: Path, repeat: int) -> tuple[float, dict[str, Any], SchemaRuns]:
    """(c) over every file."""
    full = timed_runs(command, files, cwd, repeat)
    c = full.measure
    return c.best, {"seconds": round(c.best, 3), "extrapolated": False, "measured_files": len(files),
                    "invocations": full.invocations, "peak_mb": round(c.peak_mb, 1), "runs": c.walls()}, full


def measure(command: list[str], accounts: Path, repeat: int, budget: float,
            subset: int) -> tuple[float, dict[str, Any]]:
    """(c): `command` (check-jsonschema and its schema) over the account files in `accounts`.

    Returns its seconds, extrapolated from the first `subset` files when a full
    run is projected to take more than `budget` seconds, and its results entry.
    """
    files = sorted(f"accounts/{p.name}" for p in (accounts / "accounts").iterdir() if p.suffix == ".yaml")
    invocations = len(arg_chunks(files, command))
    print("(c) check-jsonschema over the account files", flush=True)
    projected = projected_seconds(command, files, accounts, invocations)
    if projected > budget and subset < len(files):
        seconds, result, schema_runs = extrapolated(command, files, accounts, repeat, budget, subset, invocations)
    else:
        seconds, result, schema_runs = measured(command, files, accounts, repeat)
    result["all_files_valid"] = schema_runs.exit_codes == {0}
    if schema_runs.exit_codes != {0}:
        print("    note: check-jsonschema reported invalid files (exit 1); first lines:\n"
              + tail(schema_runs.output, 8))
    return seconds, result
