"""Retired documents with a successor: their old URL takes the reader to the document in force.

A retired document's page stays where it was (links, bookmarks and search
results keep working) and says what replaced it; the browser moves on to the
successor at once. The redirect is a `<meta http-equiv="refresh">`, which the
site's Content-Security-Policy does not restrict and which needs no script.
"""

from __future__ import annotations

from markupsafe import escape


def add_redirect(page: str, url: str) -> str:
    """`page` with a refresh to `url` (relative to the page) at the end of its head."""
    meta = f'<meta http-equiv="refresh" content="0; url={escape(url)}">'
    head_end = page.find("</head>")
    if head_end < 0:
        return page
    return page[:head_end] + meta + page[head_end:]
