"""The Content-Security-Policy of every page, set in a <meta> element.

Scripts may only come from the site itself, plus the theme's few inline
scripts, each allowed by its SHA-256 hash (computed from the finished page,
so a script injected into content would not match). Styles, images, fonts,
the search worker and its index come from the site only.
"""

from __future__ import annotations

import base64
import hashlib
import re

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", re.S)
_CHARSET = re.compile(r"<meta charset=[^>]*>", re.I)

POLICY = (
    "default-src 'self'",
    "script-src {scripts}",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)


def script_hashes(page: str) -> list[str]:
    found = dict.fromkeys(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(page)
    )
    return list(found)


def policy(page: str, dev: bool = False) -> str:
    """The policy for one finished page. `dev` (mkdocs serve) allows the live-reload script."""
    scripts = ["'self'", *(["'unsafe-inline'"] if dev else script_hashes(page))]
    return "; ".join(POLICY).format(scripts=" ".join(scripts))


def add_policy(page: str, dev: bool = False) -> str:
    """`page` with the policy as the first element after its charset declaration."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(page, dev)}">'
    found = _CHARSET.search(page)
    if found:
        return page[:found.end()] + meta + page[found.end():]
    return page.replace("<head>", "<head>" + meta, 1)
