"""The Content-Security-Policy of every page, set in a <meta> element.

Scripts may only be files from the site itself, plus the theme's own inline
scripts, each allowed by its SHA-256 hash. The hashes come from the theme's
templates (Material's and the overrides in `docs/overrides/`), read when the
build starts, never from a finished page: a script that reaches a page any
other way (a value that escaped escaping, a template bug) matches no hash and
does not run. A few of the theme's scripts print a value (the page's path to
the site root, which differs with the page's depth); those are rendered for
each `base_url` a page has. Styles, images, fonts, the search worker and its
index come from the site only.

Under `mkdocs serve` the live-reload script MkDocs adds to every page (with a
number that changes on every rebuild) has to run, so the preview's policy is
`'unsafe-inline'` without hashes; built sites never carry it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import TemplateError

if TYPE_CHECKING:
    from jinja2 import Environment

# In the theme's templates (trusted files, not content): an inline <script> element and its text.
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
_NOT_RUN = re.compile(r"""(?<![\w-])type\s*=\s*["']?(?!(?:text|application)/(?:java|ecma)script|module\b)""", re.I)
_SRC = re.compile(r"(?<![\w-])src\s*=", re.I)
_JINJA = ("{{", "{%")
_CHARSET = re.compile(r"<meta charset=[^<>]*>", re.I)  # in a finished page: never past the next tag

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


def source_hash(script: str) -> str:
    """The CSP source expression that allows one inline script's exact text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def template_names(dirs: Iterable[str]) -> dict[str, Path]:
    """Every HTML template of a theme, by name, the first of the theme's folders winning (as Jinja's loader)."""
    found: dict[str, Path] = {}
    for top in dirs:
        for folder, subfolders, files in os.walk(top):
            subfolders[:] = [d for d in subfolders if not d.startswith(".")]  # .icons: thousands of SVGs
            for name in files:
                if name.endswith(".html"):
                    path = Path(folder, name)
                    found.setdefault(path.relative_to(top).as_posix(), path)
    return found


def inline_scripts(template: str) -> list[str]:
    """The text of each inline script a template's source holds (not `src=` ones, not data blocks)."""
    return [body for attrs, body in _SCRIPT.findall(template) if not _SRC.search(attrs) and not _NOT_RUN.search(attrs)]


class ThemeScripts:
    """The hashes of the theme's inline scripts, from its templates, for a page at any depth."""

    def __init__(self, env: Environment, dirs: Iterable[str], context: dict[str, Any]):
        self.env = env
        self.context = context
        self.fixed: set[str] = set()
        self.templated: list[str] = []
        for path in template_names(dirs).values():
            for body in inline_scripts(path.read_text(encoding="utf-8")):
                if any(mark in body for mark in _JINJA):
                    self.templated.append(body)
                else:
                    self.fixed.add(source_hash(body))
        self._policies: dict[str, str] = {}

    def hashes(self, base_url: str) -> list[str]:
        found = set(self.fixed)
        for body in self.templated:
            try:
                found.add(source_hash(self.env.from_string(body).render(**self.context, base_url=base_url)))
            except (TemplateError, TypeError, ValueError, AttributeError):
                continue  # needs a page's own values (a redirect's target): never allowed
        return sorted(found)

    def policy(self, base_url: str, dev: bool = False) -> str:
        """The policy of a page whose way up to the site root is `base_url`."""
        key = f"{dev}:{base_url}"
        if key not in self._policies:
            scripts = ["'self'", *(["'unsafe-inline'"] if dev else self.hashes(base_url))]
            self._policies[key] = "; ".join(POLICY).format(scripts=" ".join(scripts))
        return self._policies[key]


def add_policy(page: str, policy: str) -> str:
    """`page` with `policy` as the first element after its charset declaration."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    found = _CHARSET.search(page)
    if found:
        return page[:found.end()] + meta + page[found.end():]
    return page.replace("<head>", "<head>" + meta, 1)


def header_policy(policies: Iterable[str]) -> str:
    """One policy for an HTTP header that every page's own policy fits in: the union of their scripts.

    A browser enforces both the header and the page's <meta>, so each page still runs only its own
    hashed scripts; the header adds what a <meta> cannot say (no framing by other sites).
    """
    scripts: set[str] = {"'self'"}
    for policy in policies:
        for directive in policy.split(";"):
            name, _, sources = directive.strip().partition(" ")
            if name == "script-src":
                scripts.update(sources.split())
    ordered = ["'self'", *sorted(scripts - {"'self'"})]
    return "; ".join((*POLICY, "frame-ancestors 'none'")).format(scripts=" ".join(ordered))
