"""Versions compared: a page for each version against the one before it, and a snapshot of every
version for comparing any two in the browser (internal builds only; see `history`).

A version's snapshot holds its front matter as fields (each value as text), its steps by id
(each step's values as text) and its body. A comparison lists the fields that changed, the
steps added, removed and changed (with their changed values), and the body, each as a word
diff: runs of words kept, deleted and inserted, which the template prints escaped inside
<del> and <ins>. The snapshots are JSON files beside the pages
(`history/<id>/versions/<key>.json`, by `Version.key`); assets/javascripts/compare.js compares two of them
with the same rules.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..kb import DocEntry
from .downloads import _JSON_SAFE, _write
from .history import History, Version
from .render import Links, render
from .view import SiteView

# Past this many cells (words of one side times words of the other, between the words both
# texts start and end with) a text is shown as replaced whole: difflib's time grows with that
# product on texts of few distinct words. compare.js stops at the same number.
MAX_CELLS = 4_000_000
MAX_EXACT_WORDS = 2_000  # past this, difflib skips the most frequent words when it looks for matches
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
_SKIPPED = frozenset({"steps"})  # compared step by step
Snapshot = dict[str, Any]
Segment = tuple[str, str]  # ("same" | "del" | "ins", text)


def snapshot_path(doc_id: str, key: str) -> str:
    return f"history/{doc_id.lower()}/versions/{key}.json"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, dict):  # a record inside the front matter (a role, a changelog entry): key: value
        return "(" + ", ".join(f"{k}: {_text(v)}" for k, v in value.items()) + ")"
    if isinstance(value, (tuple, list)):
        if all(isinstance(v, str) for v in value):
            return ", ".join(value)
        return "; ".join(_text(v) for v in value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def snapshot(entry: DocEntry, version: Version) -> Snapshot:
    doc = entry.model
    fields = {name: _text(getattr(doc, name)) for name in type(doc).model_fields if name not in _SKIPPED}
    steps = [{"id": s.id, "fields": {name: _text(getattr(s, name)) for name in type(s).model_fields
                                     if name != "id" and _text(getattr(s, name))}} for s in doc.steps]
    return {"id": doc.id, "version": version.version, "label": version.label, "commit": version.commit,
            "date": version.when.isoformat() if version.when else None,
            "fields": {k: v for k, v in fields.items() if v}, "steps": steps, "body": entry.body}


def word_diff(old: str, new: str) -> list[Segment]:
    if old == new:
        return [("same", old)] if old else []
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    # The words both texts start and end with are kept as they are: an edit is most often one
    # place in a long text, and difflib only sees the part in between.
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    middle_a, middle_b = a[start:len(a) - end], b[start:len(b) - end]
    out: list[Segment] = [("same", "".join(a[:start]))] if start else []
    if (len(middle_a) + 1) * (len(middle_b) + 1) > MAX_CELLS:
        out += [(op, "".join(words)) for op, words in (("del", middle_a), ("ins", middle_b)) if words]
    else:
        out += _middle_diff(middle_a, middle_b)
    if end:
        out.append(("same", "".join(a[len(a) - end:])))
    return out


def _middle_diff(a: list[str], b: list[str]) -> list[Segment]:
    out: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=len(b) > MAX_EXACT_WORDS)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("ins", "".join(b[j1:j2])))
    return out


@dataclass(frozen=True, slots=True)
class FieldChange:
    name: str
    diff: list[Segment]


@dataclass(slots=True)
class StepChange:
    id: str
    state: str  # added | removed | changed
    fields: list[FieldChange] = field(default_factory=list)


@dataclass(slots=True)
class Comparison:
    fields: list[FieldChange]
    steps: list[StepChange]
    unchanged_steps: int
    body: list[Segment]

    @property
    def body_changed(self) -> bool:
        return any(op != "same" for op, _ in self.body)


def _fields(old: Mapping[str, str], new: Mapping[str, str]) -> list[FieldChange]:
    names = list(old) + [n for n in new if n not in old]
    return [FieldChange(n, word_diff(old.get(n, ""), new.get(n, ""))) for n in names if old.get(n) != new.get(n)]


def compare(old: Snapshot, new: Snapshot) -> Comparison:
    old_steps = {s["id"]: s["fields"] for s in old["steps"]}
    new_steps = {s["id"]: s["fields"] for s in new["steps"]}
    steps: list[StepChange] = []
    same = 0
    for step in new["steps"]:
        before = old_steps.get(step["id"])
        if before is None:
            steps.append(StepChange(step["id"], "added", _fields({}, step["fields"])))
        elif before != step["fields"]:
            steps.append(StepChange(step["id"], "changed", _fields(before, step["fields"])))
        else:
            same += 1
    steps += [StepChange(s["id"], "removed", _fields(s["fields"], {})) for s in old["steps"]
              if s["id"] not in new_steps]
    return Comparison(_fields(old["fields"], new["fields"]), steps, same, word_diff(old["body"], new["body"]))


def pages(view: SiteView) -> list[Any]:
    """A page for each version of each document against the version before it (SitePages)."""
    from .pages import SitePage

    history = view.history
    if history is None or not history.available:
        return []
    found = []
    for doc_id in history.versions:
        for old, new in history.pairs(doc_id):
            found.append(SitePage(history.page(doc_id, old, new),
                                  f"{doc_id}: version {old.version} and {new.version} compared",
                                  _page(view, history, doc_id, old, new),
                                  meta={"search": {"exclude": True}, "hide": ["feedback"]}))
    return found


def _page(view: SiteView, history: History, doc_id: str, old: Version, new: Version) -> Any:
    def page(links: Links, _body: str) -> str:
        assert old.entry is not None and new.entry is not None
        result = compare(snapshot(old.entry, old), snapshot(new.entry, new))
        choices = [v for v in history.of(doc_id) if v.entry is not None]
        return render("compare.html", view=view, links=links, doc=new.entry.model, old=old, new=new,
                      result=result, choices=choices, snapshots=links.static(f"history/{doc_id.lower()}/versions/"),
                      script=links.static("assets/javascripts/compare.js"))
    return page


def write_snapshots(view: SiteView, site_dir: Path) -> set[str]:
    """Every version's snapshot that can be compared; returns the files written, relative to `site_dir`."""
    history = view.history
    written: set[str] = set()
    if history is None or not history.available:
        return written
    for doc_id, versions in history.versions.items():
        if not history.pairs(doc_id):
            continue
        for version in versions:
            if version.entry is None:
                continue
            rel = snapshot_path(doc_id, version.key)
            _write(site_dir / rel, json.dumps(snapshot(version.entry, version), ensure_ascii=False,
                                              indent=1).translate(_JSON_SAFE) + "\n")
            written.add(rel)
    return written
