#!/usr/bin/env python3
"""Kill kb's writing commands at random moments and check that nothing is ever half-written.

    .venv/bin/python bench/faults.py [--rounds N] [--seed S] [--out DIR] [--keep]

Each round picks a writing command at random (`kb review` of a document or
the account, `kb owners reassign` of the eight files one person owns, `kb
new`), runs it once to the end on a scratch copy of the knowledge base (so
the round knows what every file must hold afterwards and how long the command
takes), then runs it on the knowledge base itself and sends it SIGKILL after a
random delay between 0 and 1.25 times that duration. Then it checks:

* every file holds either its old or its new content, byte for byte, and a
  new document is absent or whole;
* the files of a reassign are all old or all new, unless its journal is
  there, and `kb check` reports `interrupted-write` exactly when it is;
* nothing else is wrong: `kb check` finds no other problem;
* the next writing command (`kb recover`: `--resume` or `--rollback` at random
  when a journal is there, and itself killed at random now and then) leaves a
  consistent state: all old after a rollback, all new after a resume, no
  journal, and no temporary file anywhere.

The commands run in children forked from one process that has imported
kbtools already, so a round costs milliseconds, not an interpreter start-up,
and the kill lands inside the command itself. The figures (rounds, kills,
kills that left a journal or a temporary file, inconsistencies) are printed
and written to DIR/faults.json. Exit codes: 0 no inconsistency, 1 some, 2 the
campaign could not run. tests/e2e/test_faults.py runs a short campaign.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "minimal"
TODAY = "2026-11-22"
JOURNAL = ".kb-journal.json"
OWNERS = ("person:dana", "person:erin")
HANDED = [f"training/TRN-9{n:02d}.yaml" for n in range(10, 16)] + ["sops/ops/SOP-OPS-010.md", "sops/ops/SOP-OPS-011.md"]

# The process the commands are forked from: it reads one JSON request a line, forks a child that runs
# kb with it (stdin, stdout and stderr on /dev/null), kills the child after `kill_after` seconds unless it
# has finished, and answers with the child's status and how long it ran. It only ever kills its own child,
# before reaping it, so the pid cannot belong to anyone else.
_ZYGOTE = r"""
import json, os, select, signal, sys, time
exec(sys.argv[1])
from kbtools.cli import main
null = os.open(os.devnull, os.O_RDWR)
for line in sys.stdin:
    request = json.loads(line)
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.chdir(request["cwd"])
        code = 2
        try:
            main(request["argv"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        finally:
            os._exit(code)
    pidfd = os.pidfd_open(pid)
    limit = request["kill_after"]
    ready, _, _ = select.select([pidfd], [], [], None if limit is None else limit)
    killed = False
    if not ready:
        os.kill(pid, signal.SIGKILL)
        killed = True
    _, status = os.waitpid(pid, 0)
    os.close(pidfd)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    print(json.dumps({"code": code, "killed": killed, "seconds": time.perf_counter() - started}), flush=True)
"""


# A writer that is not atomic and keeps no journal: what the campaign must catch (its self-test).
UNSAFE_WRITES = r"""
import os
import kbtools.edit.atomic as atomic
import kbtools.edit.journal as journal

def _in_place(folder, name, raw, shown, *, exclusive=False):
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644, dir_fd=folder)
    os.write(fd, raw[: len(raw) // 2])
    os.fsync(fd)
    os.write(fd, raw[len(raw) // 2:])
    os.close(fd)

def _unjournaled(root, command, changes):
    for change in changes:
        atomic.write_below(root, change.path, change.new)

atomic._replace_in = _in_place
journal.write_files = _unjournaled
"""


class Zygote:
    """A child process with kbtools imported, forking one kb run per request; `prelude` runs first."""

    def __init__(self, prelude: str = "") -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", _ZYGOTE, prelude], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, cwd=tempfile.gettempdir())

    def run(self, argv: list[str], root: Path, kill_after: float | None = None) -> dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        request = {"argv": [*argv, "--root", str(root)], "cwd": str(root), "kill_after": kill_after}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the zygote process died")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def make_kb(root: Path) -> None:
    """The minimal fixture plus what the rounds need: dana owns eight files that pass between her and erin."""
    shutil.copytree(FIXTURE, root)
    people = (root / "org/people.yaml").read_text(encoding="utf-8")
    for name in ("dana", "erin"):
        people += f"  - id: {name}\n    name: {name.title()} Example\n    email: {name}@example.com\n    roles: [im]\n"
    (root / "org/people.yaml").write_text(people, encoding="utf-8")
    training = (root / "training/TRN-901.yaml").read_text(encoding="utf-8").replace("person:alice", "person:dana")
    sop = (root / "sops/ops/SOP-OPS-001.md").read_text(encoding="utf-8").replace("team:ops-team", "person:dana")
    for rel in HANDED:
        ident = rel.rsplit("/", 1)[1].rsplit(".", 1)[0]
        text = training.replace("TRN-901", ident) if rel.startswith("training/") else sop.replace("SOP-OPS-001", ident)
        (root / rel).write_text(text, encoding="utf-8")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the knowledge base (the lock file aside), by path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".kb.lock"}


def temporaries(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.name.endswith(".tmp"))


def check_codes(root: Path) -> list[str]:
    """The codes `kb check` reports (in this process)."""
    import datetime as dt

    from kbtools.checks import run_checks
    from kbtools.load.loader import load

    return sorted(f.code for f in run_checks(load(root), dt.date.fromisoformat(TODAY)))


@dataclass
class Figures:
    rounds: int = 0
    commands: Counter[str] = field(default_factory=Counter)
    kills: int = 0  # the child was killed before it finished
    completed: int = 0  # it finished first
    journals_left: int = 0  # kills that left a reassign half-way (journal there)
    temps_left: int = 0  # kills that left a temporary file for the next command to remove
    partial_before_recover: int = 0  # rounds where files of a reassign were part old, part new
    recovers_killed: int = 0
    inconsistencies: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"rounds": self.rounds, "commands": dict(self.commands), "kills": self.kills,
                "completed": self.completed, "journals_left": self.journals_left, "temps_left": self.temps_left,
                "partial_before_recover": self.partial_before_recover, "recovers_killed": self.recovers_killed,
                "inconsistencies": len(self.inconsistencies), "first_inconsistencies": self.inconsistencies[:10]}


class Campaign:
    def __init__(self, base: Path, seed: str, prelude: str = "") -> None:
        self.base = base
        self.root = base / "kb"
        self.rng = random.Random(seed)
        self.zygote = Zygote(prelude)
        self.figures = Figures()
        make_kb(self.root)
        self.made = 0  # documents made by kb new so far

    def close(self) -> None:
        self.zygote.close()

    def _owner(self) -> str:
        text = (self.root / HANDED[0]).read_text(encoding="utf-8")
        return next(o for o in OWNERS if f"owner: {o}\n" in text)

    def _command(self, n: int) -> tuple[str, list[str]]:
        kind = self.rng.choice(["review-sop", "review-account", "reassign", "reassign", "new"])
        note = ["--note", f"round {n}"]
        if kind == "review-sop":
            return kind, ["review", "SOP-OPS-001", "--by", "person:bob", *note, "--today", TODAY]
        if kind == "review-account":
            return kind, ["review", "ACC-00001", "--by", "person:alice", *note, "--today", TODAY]
        if kind == "reassign":
            frm = self._owner()
            return kind, ["owners", "reassign", frm, OWNERS[1 - OWNERS.index(frm)]]
        return kind, ["new", "article", "--department", "ops", "--title", f"Made in round {n}", "--today", TODAY]

    def _fail(self, n: int, kind: str, message: str) -> None:
        self.figures.inconsistencies.append(f"round {n} ({kind}): {message}")

    def round(self, n: int) -> None:
        kind, argv = self._command(n)
        fig = self.figures
        fig.rounds += 1
        fig.commands[kind] += 1
        old = snapshot(self.root)
        scratch = self.base / "scratch"
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(self.root, scratch)
        full = self.zygote.run(argv, scratch)
        if full["code"] != 0:
            raise RuntimeError(f"round {n}: {argv} exits {full['code']} when not killed")
        new = snapshot(scratch)
        run = self.zygote.run(argv, self.root, kill_after=self.rng.uniform(0, 1.25 * full["seconds"]))
        if run["killed"]:
            fig.kills += 1
        elif run["code"] == 0:
            fig.completed += 1
        else:
            self._fail(n, kind, f"exit {run['code']} without being killed")
        self._after_kill(n, kind, old, new)
        self._recover(n, kind, old, new)

    def _after_kill(self, n: int, kind: str, old: dict[str, bytes], new: dict[str, bytes]) -> None:
        now = snapshot(self.root)
        journal = JOURNAL in now
        now.pop(JOURNAL, None)
        if temporaries(self.root):
            self.figures.temps_left += 1
        for rel in sorted(set(now) | set(old) | set(new)):
            if rel.endswith(".tmp"):
                continue
            if now.get(rel) not in (old.get(rel), new.get(rel)):
                self._fail(n, kind, f"{rel} is neither its old nor its new content")
        touched = [rel for rel in HANDED if old[rel] != new[rel]]
        states = {("new" if now[rel] == new[rel] else "old") for rel in touched}
        if len(states) > 1:
            self.figures.partial_before_recover += 1
            if not journal:
                self._fail(n, kind, "a reassign is half done and no journal says so")
        codes = check_codes(self.root)
        if journal:
            self.figures.journals_left += 1
            if kind != "reassign":
                self._fail(n, kind, "a journal after a command that writes one file")
        if codes != (["interrupted-write"] if journal else []):
            self._fail(n, kind, f"kb check reports {codes} with{'' if journal else 'out'} a journal")

    def _recover(self, n: int, kind: str, old: dict[str, bytes], new: dict[str, bytes]) -> None:
        how = self.rng.choice(["--resume", "--rollback"]) if (self.root / JOURNAL).exists() else "--resume"
        if self.rng.random() < 0.25:  # the recovery itself is killed now and then
            self.figures.recovers_killed += self.zygote.run(["recover", how], self.root,
                                                           kill_after=self.rng.uniform(0, 0.03))["killed"]
        pending = (self.root / JOURNAL).exists()
        result = self.zygote.run(["recover", how], self.root)
        if result["code"] != 0:
            self._fail(n, kind, f"kb recover {how} exits {result['code']}")
        now = snapshot(self.root)
        if pending:  # the files must all be old (rollback) or all new (resume)
            wanted = new if how == "--resume" else old
            differ = [rel for rel in HANDED if now.get(rel) != wanted.get(rel)]
            if differ:
                self._fail(n, kind, f"after kb recover {how}: {differ} are not what it restores")
        left = temporaries(self.root)
        if left or JOURNAL in now:
            self._fail(n, kind, f"after kb recover: temporary files {left}, journal {JOURNAL in now}")
        if codes := check_codes(self.root):
            self._fail(n, kind, f"after kb recover kb check reports {codes}")


def campaign(base: Path, rounds: int, seed: str, prelude: str = "", stop_at_first: bool = False) -> Figures:
    """Run the rounds in `base` (a fresh folder); with `stop_at_first`, until the first inconsistency."""
    run = Campaign(base, seed, prelude)
    try:
        for n in range(1, rounds + 1):
            run.round(n)
            if stop_at_first and run.figures.inconsistencies:
                break
    finally:
        run.close()
    return run.figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/faults.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--seed", default="faults")
    parser.add_argument("--out", type=Path, default=REPO / ".bench" / "faults")
    parser.add_argument("--keep", action="store_true", help="keep the knowledge base the campaign wrote")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    started = time.perf_counter()
    try:
        figures = campaign(args.out, args.rounds, args.seed)
    except (OSError, RuntimeError) as exc:
        print(f"bench/faults.py: the campaign could not run: {exc}", file=sys.stderr)
        return 2
    result = {**figures.as_dict(), "seed": args.seed, "seconds": round(time.perf_counter() - started, 1)}
    (args.out / "faults.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if not args.keep:
        for name in ("kb", "scratch"):
            shutil.rmtree(args.out / name, ignore_errors=True)
    print(json.dumps(result, indent=2))
    return 1 if figures.inconsistencies else 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(main())
