#!/usr/bin/env python3
"""A long fuzzing campaign against `kb check`: thousands of damaged knowledge bases.

    .venv/bin/python bench/fuzz.py [--runs N] [--seed S] [--timeout SECONDS] [--out DIR]

Each run takes one file of a fixture knowledge base (tests/fixtures/minimal or
tests/fixtures/site), damages it with one to three mutations drawn from a
seeded random stream (tests/fuzz/mutations.py: byte flips, YAML-special
characters, deletions, duplicated lines, huge repetition, encoding damage,
indentation changes, renames), runs `kb check` in one of the four formats and
checks the output: exit 0, 1 or 2, no traceback, valid JSON or JUnit XML,
every error located (tests/fuzz/mutations.py `problems`).

Runs happen in a worker process, in-process there for speed (no interpreter
start-up per run). A worker that dies (a signal such as SIGSEGV) or takes
longer than --timeout on one run is replaced; that run is replayed alone in a
fresh process to confirm it, and counted as a crash or a hang. Each input
that crashed, hung or broke the output rules is saved under DIR (default
.bench/fuzz/) with its mutations, and the slowest input too (the ten
slowest runs are timed again, best of three, so that a run slowed by other
work on the machine is not reported as the slowest input). The report:
runs, crashes, hangs, output problems, the slowest input, findings per run,
exit codes and time per run; also DIR/results.json. Exit 0 when every run
passed, 1 otherwise, 2 on wrong usage.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness import BIN, REPO, BenchError, positive, run_main, write_results

sys.path.insert(0, str(REPO / "tests" / "fuzz"))
from mutations import (
    BAD_BYTES,
    FORMATS,
    KINDS,
    REPEATS,
    SPECIAL,
    Mutation,
    count_findings,
    damaged,
    line_counts,
    problems,
    run_check,
)

FIXTURES = {"minimal": REPO / "tests" / "fixtures" / "minimal", "site": REPO / "tests" / "fixtures" / "site"}


def files_of(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def jobs(runs: int, seed: str) -> list[dict[str, Any]]:
    """The campaign's inputs: the same seed always gives the same ones."""
    rng = random.Random(seed)
    files = {name: files_of(root) for name, root in FIXTURES.items()}
    out = []
    for n in range(runs):
        name = rng.choice(sorted(FIXTURES))
        damage = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            payload = rng.choice(SPECIAL) if rng.random() < 0.7 else rng.randbytes(rng.randint(1, 6))
            if rng.random() < 0.1:
                payload = rng.choice(BAD_BYTES)
            damage.append(Mutation(rng.choice(KINDS), rng.random(), rng.randint(0, 400), payload, rng.choice(REPEATS)))
        out.append({"n": n, "fixture": name, "file": rng.choice(files[name]), "format": rng.choice(FORMATS),
                    "damage": [_encode(m) for m in damage]})
    return out


def _encode(m: Mutation) -> dict[str, Any]:
    return {**asdict(m), "payload": m.payload.hex()}


def _decode(d: dict[str, Any]) -> Mutation:
    return Mutation(d["kind"], d["at"], d["size"], bytes.fromhex(d["payload"]), d["times"])


# -- the worker: runs jobs in its own process, one JSON line in, one out -------------------


def worker(base: Path) -> int:
    roots = {name: base / name for name in FIXTURES}
    for root in roots.values():  # imports and first-time work, so that no run's time includes them
        run_check(root, "json")
    for line in sys.stdin:
        job = json.loads(line)
        damage = [_decode(d) for d in job["damage"]]
        start = time.perf_counter()
        root = roots[job["fixture"]]
        with damaged(root, job["file"], damage) as now:
            code, out, err = run_check(root, job["format"])
            seconds = time.perf_counter() - start
            lines = line_counts(root, job["file"], now)
        result = {"n": job["n"], "code": code, "seconds": seconds, "findings": count_findings(job["format"], out),
                  "problems": problems(job["format"], code, out, err, lines)}
        print(json.dumps(result), flush=True)
    return 0


class Worker:
    def __init__(self, base: Path) -> None:
        self.base = base
        for name, root in FIXTURES.items():  # fresh copies: a killed run may have left its damage behind
            shutil.rmtree(base / name, ignore_errors=True)
            shutil.copytree(root, base / name)
        self.proc = subprocess.Popen([str(BIN / "python"), __file__, "--worker", str(base)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)

    def run(self, job: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """The job's result, or None when the worker died or hung on it (it is stopped then)."""
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        import selectors

        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(timeout):
                self.stop()
                return None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            return None
        result: dict[str, Any] = json.loads(line)
        return result

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.kill()
        return self.proc.wait()


def replay(job: dict[str, Any], base: Path, timeout: float) -> tuple[str, int | None]:
    """Run one job alone in a fresh worker: ('crash', signal), ('hang', None) or ('ok', None)."""
    alone = Worker(base / "replay")
    try:
        result = alone.run(job, timeout)
    finally:
        rc = alone.stop() if alone.proc.poll() is None else alone.proc.returncode
    if result is not None:
        return "ok", None
    return ("hang", None) if rc == -9 else ("crash", rc)


def save(job: dict[str, Any], why: str, out: Path) -> Path:
    """The damaged file and its mutations, to replay the input by hand."""
    folder = out / "inputs" / f"{why}-{job['n']:05d}"
    folder.mkdir(parents=True, exist_ok=True)
    root = FIXTURES[job["fixture"]]
    data = (root / job["file"]).read_bytes()
    from mutations import apply

    for m in map(_decode, job["damage"]):
        data = apply(data, m)
    (folder / "file").write_bytes(data)
    (folder / "job.json").write_text(json.dumps(job, indent=2) + "\n", encoding="utf-8")
    return folder


def _slowest(results: list[dict[str, Any]], todo: list[dict[str, Any]], out: Path,
             timeout: float) -> tuple[dict[str, Any], float]:
    """The slowest run, timed again: the ten slowest are replayed three times each in a fresh worker and
    the best of each kept (a run slowed by other work on the machine is not the input's doing).
    Returns that run with its best time, and the time it first took."""
    first = {r["n"]: r["seconds"] for r in results}
    candidates = sorted(results, key=lambda r: r["seconds"], reverse=True)[:10]
    again = Worker(out / "retime")
    try:
        best: list[dict[str, Any]] = []
        for result in candidates:
            runs = [again.run(todo[result["n"]], timeout) for _ in range(3)]
            times = [r["seconds"] for r in runs if r is not None]
            best.append({**result, "seconds": min(times) if times else result["seconds"]})
    finally:
        again.stop()
    slowest = max(best, key=lambda r: r["seconds"])
    return slowest, first[slowest["n"]]


def main() -> int:
    p = argparse.ArgumentParser(prog="bench/fuzz.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=positive, default=7_500)
    p.add_argument("--seed", default="kb-fuzz")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds one run may take (default 60)")
    p.add_argument("--out", type=Path, default=REPO / ".bench" / "fuzz")
    p.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args.worker)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / "inputs", ignore_errors=True)
    todo = jobs(args.runs, args.seed)
    results: list[dict[str, Any]] = []
    crashes: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    started = time.perf_counter()
    current = Worker(out / "work")
    try:
        for job in todo:
            result = current.run(job, args.timeout)
            if result is None:
                current.stop()
                kind, signal = replay(job, out, args.timeout)
                crashes.append({"n": job["n"], "kind": kind, "signal": signal, "input": str(save(job, kind, out))})
                current = Worker(out / "work")
                continue
            results.append(result)
            if result["problems"]:
                bad.append({"n": job["n"], "problems": result["problems"], "input": str(save(job, "output", out))})
            if job["n"] % 500 == 499:
                print(f"  {job['n'] + 1} runs, {len(crashes)} crashes, {len(bad)} bad outputs", file=sys.stderr)
    finally:
        current.stop()
    if not results:
        raise BenchError("no run finished", 1)
    slowest, retimed = _slowest(results, todo, out, args.timeout)
    slow_job = todo[slowest["n"]]
    findings = [r["findings"] for r in results]
    seconds = [r["seconds"] for r in results]
    report = {
        "runs": len(todo), "finished": len(results), "seed": args.seed,
        "crashes": [c for c in crashes if c["kind"] == "crash"], "hangs": [c for c in crashes if c["kind"] == "hang"],
        "unconfirmed": [c for c in crashes if c["kind"] == "ok"], "bad_outputs": bad,
        "exit_codes": dict(sorted(Counter(r["code"] for r in results).items())),
        "findings_per_run": {"mean": round(statistics.mean(findings), 2), "median": statistics.median(findings),
                             "max": max(findings)},
        "seconds_per_run": {"mean": round(statistics.mean(seconds), 4), "max": round(max(seconds), 3)},
        "slowest": {"seconds": round(slowest["seconds"], 3), "first_seen_seconds": round(retimed, 3),
                    "fixture": slow_job["fixture"],
                    "file": slow_job["file"], "format": slow_job["format"],
                    "damage": [_decode(d).describe() for d in slow_job["damage"]],
                    "input": str(save(slow_job, "slowest", out))},
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    write_results(out / "results.json", report)
    print(f"runs: {report['runs']} ({report['finished']} finished) in {report['wall_seconds']} s")
    print(f"crashes: {len(report['crashes'])}, hangs: {len(report['hangs'])}, "
          f"output problems: {len(bad)}, replayed without a crash: {len(report['unconfirmed'])}")
    print(f"exit codes: {report['exit_codes']}")
    print(f"findings per run: {report['findings_per_run']}")
    print(f"seconds per run: {report['seconds_per_run']}")
    s = report["slowest"]
    print(f"slowest input: {s['seconds']} s (best of 3; {s['first_seen_seconds']} s in the campaign), "
          f"{s['fixture']}/{s['file']} --format {s['format']}: {'; '.join(s['damage'])}")
    for item in (*report["crashes"], *report["hangs"], *bad[:20]):
        print(f"  {item}")
    print(f"results: {out / 'results.json'}")
    return 0 if not (crashes or bad) else 1


if __name__ == "__main__":
    run_main(main)
