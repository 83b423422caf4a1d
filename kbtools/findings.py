"""Findings: what every check reports, with a file, a position and a stable code."""

from __future__ import annotations

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
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


class KBError(Exception):
    """The command cannot run (exit code 2): no knowledge base, bad config, bad usage."""


class ContentError(Exception):
    """The command met content errors it cannot work around (exit code 1)."""
