"""Findings: what every check reports, with a file, a position and a stable code."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    path: str  # relative to the knowledge-base root, always with forward slashes
    line: int  # 1-based; 0 when the finding is about the file as a whole
    col: int  # 1-based; 0 when unknown
    severity: Severity
    code: str
    message: str

    @property
    def shown_path(self) -> str:
        """The path with control characters escaped (safe for terminals and XML)."""
        return printable(self.path)

    def format(self) -> str:
        where = self.shown_path
        if self.line:
            where += f":{self.line}:{self.col or 1}"
        # Messages quote contributed text (keys, values): a control character in it must not reach a terminal.
        return f"{where}: {self.severity}: {printable(self.message)} [{self.code}]"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.col, self.code, self.message)

    def to_dict(self) -> dict[str, str | int]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


def printable(text: str) -> str:
    """Text safe for terminals, reports and XML: bytes that are not UTF-8 as \\xNN, other control characters
    as \\xNN, \\uNNNN or \\UNNNNNNNN.

    Names read from the file system keep undecodable bytes as lone surrogates
    (Python's `surrogateescape`); those can be neither printed nor written
    as UTF-8, so they are shown as the bytes they stand for.
    """
    if text.isprintable():
        return text
    with contextlib.suppress(UnicodeError):  # a surrogate that stands for no byte keeps its own escape
        text = os.fsencode(text).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _escape(c: str) -> str:
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


class KBError(Exception):
    """The command cannot run (exit code 2): no knowledge base, bad config, bad usage."""


class ContentError(Exception):
    """The command met content errors it cannot work around (exit code 1)."""
