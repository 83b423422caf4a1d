"""Shapes every report shares: the versioned JSON envelope and aligned text tables.

JSON outputs carry `"version": 1` and only grow while it stays 1: keys are
added, never renamed or removed. Text tables pad every column but the last,
which holds free text (titles, notes).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

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


def text_table(rows: list[list[str]]) -> list[str]:
    """Rows (the header first) as lines: columns padded to their widest cell, the last one free."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1] for row in rows]
    return [line.rstrip() for line in lines]
