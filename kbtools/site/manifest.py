"""`kb-site.json`: what a build says about itself, for the service that serves it.

`kb serve` reads it to know which audience a built site is for (it never
serves a site built for another audience) and which Content-Security-Policy
header fits all of its pages. Nothing in it is secret: the public site has
one too.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from ..edit.atomic import write_atomic

NAME = "kb-site.json"
VERSION = 1


@dataclass(frozen=True, slots=True)
class Manifest:
    audience: str
    built_for: dt.date  # the date review states were judged on
    policy: str  # the header policy (csp.header_policy)


def write(site_dir: Path, manifest: Manifest) -> None:
    data = {"version": VERSION, "audience": manifest.audience, "built_for": manifest.built_for.isoformat(),
            "policy": manifest.policy}
    write_atomic(site_dir / NAME, json.dumps(data, indent=2) + "\n")


def read(site_dir: Path) -> Manifest | None:
    """The manifest of the site in `site_dir`; None when there is none or it is not one this kb wrote."""
    try:
        data = json.loads((site_dir / NAME).read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            return None
        return Manifest(str(data["audience"]), dt.date.fromisoformat(data["built_for"]), str(data["policy"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
