"""Shapes every report shares: the versioned JSON envelope, aligned text tables and CSV.

JSON outputs carry `"version": 1` and only grow while it stays 1: keys are
added, never renamed or removed. Text tables pad every column but the last,
which holds free text (titles, notes). Every CSV the project writes (`kb
reviews`, checklists in the CLI and the site's downloads) is made by
`csv_text`, which neutralises every cell a spreadsheet would run as a formula;
Markdown tables (`kb accounts`) put every cell through `md_cell`, which does
the same and escapes what Markdown would read as markup.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from .findings import printable

FORMAT_VERSION = 1


def envelope(today: dt.date | str, **fields: Any) -> dict[str, Any]:
    """`{"version": 1, "today": "YYYY-MM-DD", **fields}`: the top of every JSON output."""
    day = today.isoformat() if isinstance(today, dt.date) else today
    return {"version": FORMAT_VERSION, "today": day, **fields}


def json_text(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"


def json_report(today: dt.date | str, **fields: Any) -> str:
    """An enveloped JSON output as text."""
    return json_text(envelope(today, **fields))


def plural(count: int, word: str) -> str:
    """`1 day`, `2 days`."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def text_table(rows: list[list[str]]) -> list[str]:
    """Rows (the header first) as lines: columns padded to their widest cell, the last one free.

    Every cell is printed through `printable` (a title from a file may hold terminal escapes);
    cells a caller escaped already come out the same.
    """
    if not rows:
        return []
    rows = [[printable(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1] for row in rows]
    return [line.rstrip() for line in lines]


# A cell starting with one of these is a formula to a spreadsheet (=, +, -, @, a tab or carriage return,
# and their full-width and small forms, which some spreadsheets read as the same).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20",
                 "\ufe66", "\ufe62", "\ufe63", "\ufe6b")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)\Z")


def csv_cell(value: object) -> str:
    """A cell's text, with a `'` in front when a spreadsheet would run it as a formula.

    A plain number (`-3`, `+1.5`) is left alone: it cannot be a formula, and the
    prefix would turn it into text.
    """
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], lineterminator: str = "\r\n") -> str:
    """A CSV file: the header, then the rows, every cell through `csv_cell`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=lineterminator)
    writer.writerow([csv_cell(h) for h in header])
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return buf.getvalue()


_MD_SPECIAL = frozenset("\\`*_[]|#~")
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "@": "&#64;"}


def md_cell(value: object) -> str:
    """A cell of a Markdown table that shows `value` as it is: neutralised as `csv_cell` does (a table
    pasted into a spreadsheet runs no formula), markup escaped (`|`, `*`, `[x](y)`, `<b>`, an `@mention`),
    line breaks and control characters shown as escapes (a cell is one line)."""
    return "".join(_md_char(c) for c in csv_cell(value))


def _md_char(c: str) -> str:
    if c in _MD_SPECIAL:
        return "\\" + c
    if c in _MD_ENTITIES:
        return _MD_ENTITIES[c]
    if c.isprintable():
        return c
    n = ord(c)  # shown as \xNN: the backslash escaped, so that Markdown shows it
    return f"\\\\x{n:02x}" if n < 0x100 else f"\\\\u{n:04x}" if n < 0x10000 else f"\\\\U{n:08x}"
