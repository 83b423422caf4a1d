"""The one way kbtools renders HTML: Jinja templates with autoescaping on.

The knowledge site and the standalone HTML checklist both take their Jinja
environment from `environment()`, so every value either prints is escaped
the same way, and only what a helper deliberately returns as `Markup` goes
out unescaped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import Environment


def environment(package: str) -> Environment:
    """Templates from `package`'s `templates/` folder; a name the context lacks is an error, not blank."""
    # Imported here: only commands that write HTML pay for loading Jinja (kb check never does).
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )
