"""The help centre's topics (kb.yml `help_centre:`) name documents the customers' site can show."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import CONFIG_FILE, chosen
from ..findings import Finding
from ..site.view import doc_visible
from . import Context, check
from .references import unknown_in_config


@check("help-centre")
def help_centre(ctx: Context) -> Iterator[Finding]:
    kb = ctx.kb
    published = {i: e.model for i, e in kb.docs.items() if doc_visible(e.model, "public")}

    def at(*keys: str | int) -> tuple[int, int]:
        return kb.config_at("help_centre", "topics", *keys)

    for n, topic in enumerate(kb.config.help_centre.topics):
        for m, doc_id in enumerate(topic.documents):
            entry = kb.docs.get(doc_id)
            line, col = at(n, "documents", m)
            if entry is None:
                head = f"help centre topic {topic.id!r}: unknown document"
                yield from unknown_in_config(ctx, doc_id, (line, col), head)
            elif entry.model.audience != "public":
                # Not named: the public build reports this finding, and its log names no internal document.
                yield Finding(CONFIG_FILE, line, col, "error", "topic-not-public",
                              f"help centre topic {topic.id!r} lists a document that is not public; the "
                              "customers' site cannot show it")
        if not chosen(topic, published):
            line, col = at(n)
            yield Finding(CONFIG_FILE, line, col, "warning", "topic-empty",
                          f"help centre topic {topic.id!r} has no approved public document yet; the customers' "
                          "site leaves it out")
