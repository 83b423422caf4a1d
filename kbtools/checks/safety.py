"""Content safety: no script, event handlers or script/data URLs in SOP bodies."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..findings import Finding
from . import Context, check

_UNSAFE = re.compile(
    r"(?P<script><\s*script\b)"
    r"|(?P<handler><[a-z][^>]*?[\s/\"'](?P<attr>on[a-z]+)\s*=)"
    r"|(?P<url>(?:\]\(\s*<?|<|\b(?:href|src|action|formaction|xlink:href)\s*=\s*[\"']?)\s*(?P<scheme>javascript|vbscript|data)\s*:)",
    re.IGNORECASE,
)


def scan(text: str) -> list[tuple[int, str]]:
    """(offset, message) for every unsafe construct in `text`."""
    found = []
    for m in _UNSAFE.finditer(text):
        if m.group("script"):
            found.append((m.start("script"), "raw <script> tag; scripts are not allowed in documents"))
        elif m.group("handler"):
            found.append((m.start("attr"), f"event handler attribute {m.group('attr')}= is not allowed"))
        else:
            found.append((m.start("scheme"), f"{m.group('scheme').lower()}: URLs are not allowed; "
                          "link to an https:// page or a file in the repository"))
    return found


@check("content-safety")
def content_safety(ctx: Context) -> Iterator[Finding]:
    for entry in ctx.kb.docs.values():
        body = entry.body
        if "<" not in body and ":" not in body:
            continue
        for offset, message in scan(body):
            line = body.count("\n", 0, offset)
            col = offset - (body.rfind("\n", 0, offset) + 1) + 1
            yield Finding(entry.path, entry.body_line + line, col, "error", "unsafe-content", message)
