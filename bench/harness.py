"""Measuring harness shared by the benchmarks in this folder.

Every figure a benchmark reports comes from a fresh child process, so that it
includes interpreter start-up and nothing the parent has already imported or
cached. This module runs those children and measures them the same way for
every benchmark: wall clock (`time.perf_counter`), CPU seconds and peak RSS
(both from the child's own `os.wait4` resource usage), best of N with the
commands interleaved (a b a b ...) so that load from other work on the machine
hits them alike, plus the load average, a fingerprint of the kbtools sources
(to notice edits made while a benchmark runs) and the results file.

It imports only the standard library, so a benchmark can run under any Python
3.11 and drive the repository's venv through BIN.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

REPO = Path(__file__).resolve().parent.parent
# The venv's bin: the repository's .venv if there is one, else this interpreter's.
BIN = REPO / ".venv" / "bin" if (REPO / ".venv" / "bin" / "python").exists() else Path(sys.executable).parent


class BenchError(Exception):
    """An expected failure: printed without a traceback, exit code `code`."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


@dataclass
class Run:
    """One finished child process."""

    wall: float
    cpu: float  # user + system seconds
    maxrss_kb: int
    rc: int
    stdout: str
    stderr: str


@dataclass
class Measure:
    """The runs of one command; the best of them is the figure reported."""

    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(r.wall for r in self.runs)

    @property
    def best_cpu(self) -> float:
        return min(r.cpu for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(r.maxrss_kb for r in self.runs) / 1024

    def walls(self) -> list[float]:
        """Every run's wall clock, rounded to milliseconds (as results files keep them)."""
        return [round(r.wall, 3) for r in self.runs]


@dataclass
class Command:
    """A command to measure: `tag` names it in progress lines, `label` in errors."""

    tag: str
    label: str
    argv: list[str]
    cwd: Path | None = None
    env: dict[str, str] | None = None


def require(paths: list[Path], hint: str) -> None:
    """Stop with a usage error naming the first of `paths` that does not exist."""
    for path in paths:
        if not path.exists():
            raise BenchError(f"{path} not found; {hint}")


def run_child(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run `cmd` to completion: its wall time and its own CPU time and peak RSS (os.wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        except OSError as exc:
            raise BenchError(f"cannot run {cmd[0]}: {exc.strerror}") from None
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        except KeyboardInterrupt:
            proc.kill()
            proc.wait()
            raise
        t1 = time.perf_counter()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait again
        out.seek(0)
        err.seek(0)
        return Run(t1 - t0, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode,
                   out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def tail(text: str, n: int = 15) -> str:
    """The last `n` lines of `text`, indented for an error message."""
    lines = text.strip().splitlines()
    return "\n".join("    " + line for line in lines[-n:])


def measure_interleaved(commands: list[Command], repeat: int, progress: bool = True) -> list[Measure]:
    """Run each command once per round, `repeat` rounds; a failed run stops the benchmark (exit 1)."""
    measures = [Measure(c.label) for c in commands]
    for k in range(repeat):
        for command, measure in zip(commands, measures, strict=False):
            run = run_child(command.argv, command.cwd, command.env)
            if run.rc != 0:
                raise BenchError(
                    f"{command.label}: `{' '.join(command.argv[:3])} ...` exited {run.rc} (run {k + 1})\n"
                    f"{tail(run.stderr or run.stdout)}",
                    code=1,
                )
            measure.runs.append(run)
            if progress:
                print(f"    ({command.tag}) run {k + 1}/{repeat}: {run.wall:8.3f} s"
                      f"  peak {run.maxrss_kb / 1024:7.1f} MB",
                      flush=True)
    return measures


def loadavg() -> float | None:
    """The 1-minute load average, or None where the system does not say."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def kbtools_fingerprint() -> str:
    """A hash of the kbtools sources, to notice edits made while the benchmark runs."""
    h = hashlib.sha256()
    for path in sorted((REPO / "kbtools").rglob("*.py")):
        try:
            h.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
        except OSError:
            h.update(b"?")
    return h.hexdigest()[:16]


def git_state() -> dict[str, Any]:
    """The commit measured, and whether kbtools/ has uncommitted changes (None when git cannot say)."""
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=20)
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "kbtools"],
                               capture_output=True, text=True, timeout=20)
        return {"commit": head.stdout.strip() or None, "kbtools_modified": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "kbtools_modified": None}


def environment(fingerprint: str) -> dict[str, Any]:
    """What the figures were measured on: Python, platform, CPUs, commit and the kbtools fingerprint."""
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            **git_state(), "kbtools_fingerprint": fingerprint}


def close_environment(env: dict[str, Any], load_start: float | None) -> None:
    """Add the load average and whether kbtools changed during the run to `env`;
    print what makes the figures doubtful."""
    env["loadavg_1min"] = {"start": load_start, "end": loadavg()}
    busy = max((v for v in env["loadavg_1min"].values() if v is not None), default=0)
    if busy > 0.5 * (os.cpu_count() or 1):
        print(f"\n  note: the machine was busy (1-minute load average up to {busy} on {os.cpu_count()} CPUs);"
              " wall-clock figures are noisy.")
    changed = kbtools_fingerprint() != env["kbtools_fingerprint"]
    env["kbtools_changed_during_run"] = changed
    if changed:
        print("\n  WARNING: the kbtools sources changed while the benchmark ran;"
              " the figures may mix versions. Run it again.")
    if env.get("kbtools_modified"):
        print("\n  note: kbtools/ has uncommitted changes; the figures are for the working tree, not the commit.")


def kb_check_json(kb_bin: Path, root: Path, today: str) -> tuple[dict[str, Any], float]:
    """Run `kb check --format json` on `root`: the parsed report and the wall time of the run."""
    run = run_child([str(kb_bin), "check", "--today", today, "--root", str(root), "--format", "json"], root)
    if run.rc not in (0, 1):
        raise BenchError(f"kb check on {root} could not run (exit {run.rc}):\n{tail(run.stderr or run.stdout)}", code=1)
    try:
        report = json.loads(run.stdout)
        report["summary"]["errors"]
    except (ValueError, KeyError, TypeError):
        raise BenchError(f"kb check --format json printed no usable report:\n{tail(run.stdout + run.stderr)}",
                         code=1) from None
    return report, run.wall


def validate(kb_bin: Path, root: Path, today: str, expected_files: int, what: str) -> dict[str, Any]:
    """Stop (exit 1) unless `kb check` finds no error and `expected_files` files in `root`; its summary."""
    report, wall = kb_check_json(kb_bin, root, today)
    s = report["summary"]
    print(f"  {what}: kb check --today {today}: {s['files']} files, {s['errors']} errors, {s['warnings']} warnings"
          f"  ({wall:.1f} s)")
    if s["errors"] > 0:
        errors = [f for f in report["findings"] if f.get("severity") == "error"]
        shown = "\n".join(f"    {f['path']}:{f['line']}:{f['col']}: {f['message']} [{f['code']}]" for f in errors[:10])
        raise BenchError(f"the generated knowledge base in {root} is not valid:"
                         f" {s['errors']} errors, first ones:\n{shown}",
                         code=1)
    if s["files"] != expected_files:
        raise BenchError(f"kb check saw {s['files']} files in {root}, expected {expected_files}", code=1)
    return s


def write_results(path: Path, results: dict[str, Any]) -> None:
    """Write the results file (JSON, two-space indent)."""
    try:
        path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    except OSError as exc:
        raise BenchError(f"cannot write {path}: {exc.strerror}") from None


def free_port() -> int:
    """A port on 127.0.0.1 the system picks (never a fixed one)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def positive(value: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def run_main(main: Callable[[], int]) -> NoReturn:
    """Exit with what `main` returns; a BenchError is printed without a traceback."""
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        sys.exit(exc.code)
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        sys.exit(130)
