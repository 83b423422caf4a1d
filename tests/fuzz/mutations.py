"""Damage done to a knowledge base's files, and what `kb check` must still do with any of it.

Shared by the property tests (`tests/fuzz/test_fuzz.py`, Hypothesis builds the
mutations and shrinks a failure to the smallest) and the long campaign
(`bench/fuzz.py`, a seeded random stream of them). A mutation is plain data,
so a failing case can be printed, saved and replayed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

FORMATS = ("text", "json", "github", "junit")
TODAY = "2026-11-22"
KINDS = ("flip", "insert", "delete", "duplicate-line", "repeat", "encoding", "indent", "rename")
# What YAML, Markdown and front matter give a meaning to, and characters that only look harmless.
SPECIAL = [
    b"[", b"]", b"{", b"}", b":", b": ", b",", b"- ", b"? ", b"&a ", b"*a", b"!", b"!!python/object:os.system ",
    b"!!binary ", b"|", b">", b"'", b'"', b"#", b"%YAML 1.1\n", b"@", b"`", b"\t", b"\n", b"\r", b"\r\n", b"  ",
    b"---\n", b"...\n", b"<<: *a\n", b"~", b"null", b"yes", b"0x1F", b"2026-02-30", b"1e999", b"9" * 40,
    b"\x00", b"\x1b[31m", b"\x7f", "\u2028".encode(), "\u2029".encode(), "\x85".encode(), "\ufeff".encode(),
    "\u202e".encode(), "é".encode(), b"<script>", b"[x](javascript:alert(1))", b"&#106;", b"<a onclick=x>",
    b"id: ", b"id: SOP-OPS-001\n", b"owner: team:kmt\n", b"SOP-OPS-001", b"person:alice", b"\\",
]
# Bytes that are not UTF-8, or UTF-8 of what no file should hold.
BAD_BYTES = [b"\xff", b"\xfe", b"\xc3", b"\xe9", b"\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf"]
REPEATS = [2, 10, 1_000, 30_000, 300_000]
# New names for a file: another case, another suffix, names no tool can write down, another folder.
NAMES = [
    ".MD", ".markdown", ".YAML", ".Yml", ".yml", ".txt", "", " ", "\t", "\n", "\r", "\x1b", "\u2028", "\u00a0",
    "\\", "#", "[x]", "*", "?", "!", "é", "\udcff", "\udce9x",
]
RENAME_TO = ["", "sub/", "sub/deeper/", "/org/", "/sops/", "/training/", "/accounts/"]  # "/": from the root


@dataclass(frozen=True)
class Mutation:
    kind: str  # one of KINDS
    at: float  # where in the file, as a fraction of its length (0 to 1): any mutation fits any file
    size: int  # how many bytes to flip or delete, spaces to indent by, a choice among the options
    payload: bytes = b""  # what to insert
    times: int = 1  # how often to repeat (`repeat`)

    def describe(self) -> str:
        shown = self.payload[:40]
        return f"{self.kind} at {self.at:.3f} size {self.size} times {self.times} payload {shown!r}"


def _offset(data: bytes, at: float) -> int:
    return min(len(data), max(0, int(at * len(data))))


def _line_start(data: bytes, at: float) -> int:
    i = _offset(data, at)
    return data.rfind(b"\n", 0, i) + 1


def apply(data: bytes, m: Mutation) -> bytes:
    """The file's bytes after the mutation (a rename changes no bytes)."""
    i = _offset(data, m.at)
    if m.kind == "flip":
        out = bytearray(data)
        for j in range(i, min(len(out), i + max(1, m.size % 4))):
            out[j] ^= (m.payload[0] if m.payload else 0x20) or 0x01
        return bytes(out)
    if m.kind == "insert":
        return data[:i] + m.payload + data[i:]
    if m.kind == "delete":
        return data[:i] + data[i + m.size:]
    if m.kind == "duplicate-line":
        start = _line_start(data, m.at)
        end = data.find(b"\n", start)
        line = data[start:] if end < 0 else data[start:end + 1]
        return data[:start] + line * (1 + m.size % 3) + data[start:]
    if m.kind == "repeat":
        piece = m.payload or data[i:i + max(1, m.size)]
        return data[:i] + piece * m.times + data[i:]
    if m.kind == "encoding":
        how = m.size % 4
        if how == 0:
            return data[:i] + BAD_BYTES[m.size % len(BAD_BYTES)] + data[i:]
        text = data.decode("utf-8", "replace")
        if how == 1:
            return text.encode("utf-16")
        if how == 2:
            return text.encode("latin-1", "replace")
        return b"\xef\xbb\xbf" + data  # a byte-order mark
    if m.kind == "indent":
        start = _line_start(data, m.at)
        how = m.size % 3
        if how == 0:
            return data[:start] + b" " * (1 + m.size % 7) + data[start:]
        if how == 1:
            return data[:start] + b"\t" + data[start:].lstrip(b" ")
        return data[:start] + data[start:].lstrip(b" ")
    if m.kind == "rename":
        return data
    raise ValueError(f"unknown mutation {m.kind!r}")


def renamed(rel: str, m: Mutation) -> str:
    """Where a `rename` moves the file `rel` (a name from the file system: undecodable bytes as surrogates)."""
    folder, _, name = rel.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    choice = NAMES[m.size % len(NAMES)]
    where = RENAME_TO[(m.size // len(NAMES)) % len(RENAME_TO)]
    if choice.startswith(".") or choice == "":
        new = stem + choice
    elif m.at < 0.33:
        new = choice + name
    elif m.at < 0.66:
        new = stem + choice + dot + suffix
    else:
        new = name + choice
    return where[1:] + new if where.startswith("/") else f"{folder}/{where}{new}".lstrip("/")


def line_counts(root: Path, rel: str, now: str) -> dict[str, int]:
    """How many lines the damaged file has, by the path findings name it with."""
    from kbtools.findings import printable

    data = (root / now).read_bytes() if (root / now).is_file() else b""
    return {printable(now): data.count(b"\n") + 1}


@contextlib.contextmanager
def damaged(root: Path, rel: str, mutations: list[Mutation]) -> Iterator[str]:
    """`root` with the file `rel` damaged; everything is put back afterwards. Yields where the file is now."""
    path = root / rel
    original = path.read_bytes()
    data = original
    for m in mutations:
        data = apply(data, m)
    current = rel
    made: list[Path] = []
    try:
        path.write_bytes(data)
        for m in mutations:
            if m.kind != "rename":
                continue
            target = renamed(current, m)
            dest = root / target
            if dest.exists() or target == current:
                continue
            for parent in reversed(dest.relative_to(root).parents[:-1]):
                if not (root / parent).exists():
                    (root / parent).mkdir()
                    made.append(root / parent)
            os.rename(root / current, dest)
            current = target
        yield current
    finally:
        if current != rel:
            os.rename(root / current, path)
        for folder in reversed(made):
            shutil.rmtree(folder, ignore_errors=True)
        path.write_bytes(original)


def run_check(root: Path, fmt: str) -> tuple[int, str, str]:
    """`kb check --format FMT` in this process: (exit code, stdout, stderr)."""
    from kbtools.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(["check", "--root", str(root), "--today", TODAY, "--format", fmt])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        else:  # pragma: no cover - main always exits
            code = 0
    return code, out.getvalue(), err.getvalue()


# -- what the output must be, whatever the input ------------------------------------------

# The only errors that may be about a file as a whole (line 0): its name, or it cannot be read.
WHOLE_FILE = frozenset({"file-name", "read"})
_TEXT = re.compile(r"(?P<path>.+?)(?::(?P<line>\d+):(?P<col>\d+))?: (?P<severity>error|warning): "
                   r"(?P<message>.*) \[(?P<code>[a-z0-9-]+)\]")
_SUMMARY = re.compile(r"(ok: \d+ files? checked, no problems|\d+ errors?, \d+ warnings?( in \d+ files?)? "
                      r"\(\d+ files? checked\))")
_GITHUB = re.compile(r"::(?P<severity>error|warning) file=(?P<path>[^,]*)(?:,line=(?P<line>\d+),col=(?P<col>\d+))?"
                     r",title=(?P<code>[a-z0-9-]+)::(?P<message>.*)")


def _located(severity: str, line: int, col: int, code: str) -> str | None:
    if severity == "error" and line < 1 and code not in WHOLE_FILE:
        return f"an error without a line: [{code}]"
    if line < 0 or col < 0 or (line > 0 and col < 1):
        return f"a bad position {line}:{col} [{code}]"
    return None


def problems(fmt: str, code: int, out: str, err: str, lines: dict[str, int] | None = None) -> list[str]:
    """What is wrong with one run's output (nothing, for a good run); `lines` holds how many lines
    files have, for the positions of their findings."""
    found = []
    if not all(line.isprintable() for line in (out + err).split("\n")):
        found.append("a control character printed (terminals obey them)")
    if code not in (0, 1, 2):
        found.append(f"exit code {code}")
    if "Traceback" in out + err or "internal error" in err:
        found.append(f"a crash: {err.strip()[-300:]}")
    if code == 2:
        if not err.startswith("kb: error: "):
            found.append(f"exit 2 without a message: {err[:200]!r}")
        return found
    errors = 0
    if fmt == "json":
        try:
            report = json.loads(out)
        except ValueError as exc:
            return [*found, f"not JSON: {exc}"]
        for f in report["findings"]:
            errors += f["severity"] == "error"
            if "\n" in f["message"] or "\r" in f["message"]:
                found.append(f"a line break in a message [{f['code']}]")
            where = _located(f["severity"], f["line"], f["col"], f["code"])
            if where:
                found.append(f"{f['path']}: {where}")
            if lines and f["path"] in lines and f["line"] > lines[f["path"]]:
                found.append(f"{f['path']}: line {f['line']} of {lines[f['path']]} [{f['code']}]")
        summary = report["summary"]
        if summary["errors"] != errors or summary["warnings"] != len(report["findings"]) - errors:
            found.append("the summary does not count the findings")
    elif fmt == "junit":
        try:
            root = ET.fromstring(out)
        except ET.ParseError as exc:
            return [*found, f"not XML: {exc}"]
        failures = sum(1 for case in root.iter("testcase") if case.find("failure") is not None)
        if str(failures) != root.get("failures"):
            found.append("the failure count is wrong")
        errors = failures
    else:
        pattern = _TEXT if fmt == "text" else _GITHUB
        lines = [line for line in out.split("\n") if line]
        if not lines or not _SUMMARY.fullmatch(lines[-1]):
            found.append(f"no summary line: {lines[-1:]!r}")
        for line in lines[:-1]:
            m = pattern.fullmatch(line)
            if m is None:
                found.append(f"a line that is not a finding: {line[:200]!r}")
                continue
            errors += m["severity"] == "error"
            where = _located(m["severity"], int(m["line"] or 0), int(m["col"] or 0), m["code"])
            if where:
                found.append(f"{m['path']}: {where}")
    if (code == 1) != (errors > 0):
        found.append(f"exit {code} with {errors} error(s)")
    return found


def count_findings(fmt: str, out: str) -> int:
    """How many findings a report holds (0 for a run that stopped with exit 2)."""
    if fmt == "json":
        try:
            return len(json.loads(out)["findings"])
        except (ValueError, KeyError):
            return 0
    if fmt == "github":
        return sum(1 for line in out.split("\n") if line.startswith("::"))
    return sum(1 for line in out.split("\n") if _TEXT.search(line) and line.rstrip().endswith("]"))
