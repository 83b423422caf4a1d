"""A hostile copy of the site fixture, and a scanner for markup that would run in a browser.

`hostile_copy` writes tests/fixtures/site/ with a hostile value in every string field of
every record that still passes validation: the fields are found by walking the pydantic
models (`kbtools.models`, through the loader's record kinds), never from a list kept here.
A field keeps its old value only when no hostile value fits its pattern (ids, slugs,
references). Every document body starts with `key: value` lines (MkDocs would read them as
front matter) and ends with raw markup; hand-written pages under docs/ get hostile titles,
descriptions, headings and front matter keys.

`scan_html` parses a file (html.parser, not a substring search, so escaped text never
trips it) and reports script elements that are not the theme's own, event-handler
attributes, `javascript:`-style URLs and the payload's marker element.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ValidationError

from conftest import copy_site_kb
from kbtools.load.loader import load

MARKER = "kbxss"  # an element no page has: seeing it parsed as an element means markup got through
SPACED = (f' </title></textarea></script></noscript><{MARKER}></{MARKER}><script>alert("{MARKER}")</script>'
          f'<img src=x onerror=alert("{MARKER}")> "\' &amp; ]]>')
COMPACT = f'"\'></title><{MARKER}></{MARKER}><script>alert("{MARKER}")</script><svg/onload=alert("{MARKER}")>'
ESCAPED_HEADING = "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def _candidates(value: str | None) -> list[Any]:
    if value is None:  # a field the record leaves out: a value, or a list of one
        values = [f"Filled{SPACED}", f"{COMPACT}@x.example", f"https://x.example/{COMPACT}"]
        return values + [[v] for v in values]
    return [value + SPACED, value + COMPACT, COMPACT + value]


def _leaves(data: Any, path: tuple[Any, ...] = ()):
    """(path, value) of every string inside `data` (dicts and lists)."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(data, (list, tuple)):
        for index, value in enumerate(data):
            yield from _leaves(value, (*path, index))


def _set(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    data = copy.deepcopy(data)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def _plain(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_plain(v) for v in data]
    return data


def _valid(model: type[BaseModel], data: dict[str, Any]) -> bool:
    try:
        model.model_validate(data, strict=False)
    except ValidationError:
        return False
    return True


def _nested(model: type[BaseModel], data: dict[str, Any], path: tuple[Any, ...] = ()):
    """(path, model, data) of a record and of every record inside it, at any depth."""
    yield path, model, data
    for key, value in data.items():
        inner = _record_type(model, key)
        if inner is None:
            continue
        if isinstance(value, dict):
            yield from _nested(inner, value, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    yield from _nested(inner, item, (*path, key, index))


def _optional_fields(model: type[BaseModel], data: dict[str, Any]):
    """Paths of fields (in nested records too) that the record leaves out."""
    for path, inner, record in _nested(model, data):
        for name, info in inner.model_fields.items():
            if (info.alias or name) not in record:
                yield (*path, info.alias or name)


def _record_type(model: type[BaseModel], key: str) -> type[BaseModel] | None:
    """The record model a field holds (directly, in a tuple or optionally), if any."""
    for name, info in model.model_fields.items():
        if (info.alias or name) != key:
            continue
        stack = [info.annotation]
        while stack:
            tp = stack.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                return tp
            stack.extend(getattr(tp, "__args__", ()))
    return None


def _example(annotation: Any) -> Any:
    """A valid value of a field's type, for a record the fixture has none of (`synthesize`)."""
    origin = getattr(annotation, "__origin__", None)
    args = getattr(annotation, "__args__", ())
    metadata = getattr(annotation, "__metadata__", ())
    for meta in metadata:
        examples = getattr(meta, "examples", None)
        if examples:
            return examples[0]
    if origin is Literal:
        return args[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return synthesize(annotation)
    if annotation is dt.date:
        return dt.date(2026, 1, 1)
    if annotation is str:
        return "x"
    if origin is Annotated or metadata:
        return _example(args[0])
    if origin is tuple:
        return [_example(args[0])]
    for arg in args:  # a union: the first type that is not None
        if arg is not type(None):
            return _example(arg)
    raise TypeError(annotation)


def synthesize(model: type[BaseModel]) -> dict[str, Any]:
    """The required fields of `model`, each with a valid value."""
    return {info.alias or name: info.examples[0] if info.examples else _example(info.annotation)
            for name, info in model.model_fields.items() if info.is_required()}


def _empty_record_lists(model: type[BaseModel], data: dict[str, Any]):
    """(path, record model) of each list of records the record leaves empty, at any depth."""
    for path, outer, record in _nested(model, data):
        for name, info in outer.model_fields.items():
            key = info.alias or name
            inner = _record_type(outer, key)
            tuple_field = getattr(info.annotation, "__origin__", None) is tuple
            if inner is not None and tuple_field and record.get(key) in (None, [], ()):
                yield (*path, key), inner


def poison(record: BaseModel) -> tuple[BaseModel, list[str]]:
    """`record` with a hostile value in every string field that takes one; the paths poisoned.

    A list of records the record leaves empty gets one made up (`synthesize`), so the fields
    of records the fixture has none of (a review entry, say) are poisoned too."""
    model = type(record)
    data = _plain(record.model_dump(by_alias=True, exclude_unset=True))
    for path, inner in list(_empty_record_lists(model, data)):
        trial = _set(data, path, [synthesize(inner)])
        if _valid(model, trial):
            data = trial
    done: list[str] = []
    targets = [(path, value) for path, value in _leaves(data)]
    targets += [(path, None) for path in _optional_fields(model, data)]
    for path, value in targets:
        for candidate in _candidates(value):
            trial = _set(data, path, candidate)
            if _valid(model, trial):
                data = trial
                done.append(".".join(map(str, path)))
                break
    return model.model_validate(data, strict=False), done


def _dump(record: BaseModel) -> Any:
    return _plain(record.model_dump(by_alias=True, exclude_unset=True))


HOSTILE_PAGES = {
    # front matter values, public so both builds show them
    "hostile-meta.md": (
        "---\naudience: public\n"
        f"title: {json.dumps('Help' + SPACED)}\n"
        f"description: {json.dumps('About' + SPACED)}\n"
        "---\n\n# Help\n\nA page whose title and description are hostile.\n"
    ),
    # a heading whose entities would come back as markup if a template unescaped them
    "hostile-heading.md": (
        f"---\naudience: public\n---\n\n# Help {ESCAPED_HEADING}\n\n## Part {ESCAPED_HEADING}\n\nText.\n"
    ),
    # front matter the theme reads to choose the page's template (one that prints a value into a script)
    "hostile-template.md": (
        "---\naudience: public\ntemplate: redirect.html\nlocation: 'javascript:alert(1)'\n"
        f"subtitle: {json.dumps(SPACED)}\nauthor: {json.dumps(SPACED)}\n---\n\n# Help\n\nText.\n"
    ),
    # raw markup in a heading (MkDocs strips tags from it for the title)
    "hostile-raw.md": (
        "---\naudience: public\n---\n\n# Help </title><script>alert(1)</script>\n\n"
        "## Part <img src=x onerror=alert(1)>\n\nText.\n"
    ),
}
# MkDocs reads `key: value` lines at the top of a page as its front matter: a document body may start so
BODY_META = "template: redirect.html\nlocation: javascript:alert(1)\n\n"
HOSTILE_BODY = (
    "\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(1))\n\n"
    f"<div class=\"kb-banner kb-banner--current\">{ESCAPED_HEADING}</div>\n\n"
    '<img alt="a" src="\\\\evil.example/a.png"> <img alt="b" src="/\\evil.example/b.png">'
    ' <img alt="c" src="/&#9;/evil.example/c.png">\n'
)


def hostile_copy(dest: Path) -> tuple[Path, dict[str, list[str]]]:
    """A copy of the site fixture with every string field poisoned; returns the root and, per
    record kind, the field paths that took a hostile value."""
    root = copy_site_kb(dest)
    kb = load(root)
    assert not kb.findings, kb.findings
    files: dict[str, Any] = {}
    bodies: dict[str, str] = {}
    poisoned: dict[str, list[str]] = {}
    for kind in ("document", "account", "training", "department", "team", "role", "person", "term"):
        for entry in kb.table(kind).values():
            record, paths = poison(entry.model)
            poisoned.setdefault(type(record).__name__, []).extend(paths)
            if entry.base:
                data = files.setdefault(entry.path, yaml.safe_load((root / entry.path).read_text(encoding="utf-8")))
                data[entry.base[0]][entry.base[1]] = _dump(record)
            else:
                files[entry.path] = _dump(record)
            if kind == "document":
                bodies[entry.path] = BODY_META + entry.body + HOSTILE_BODY
    for rel, data in files.items():
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        if rel in bodies:
            text = f"---\n{text}---\n{bodies[rel]}"
        (root / rel).write_text(text, encoding="utf-8")
    for rel, text in HOSTILE_PAGES.items():
        (root / "docs" / rel).write_text(text, encoding="utf-8")
    return root, poisoned


# -- the scanner -------------------------------------------------------------------------------

_URL_SCHEME = re.compile(r"^\s*([a-z][a-z0-9+.-]*):", re.I)
# The one refresh the site writes: a retired document's page sending readers to its successor's page,
# by a relative path inside the site (kbtools/site/redirects.py).
_SITE_REDIRECT = re.compile(r"^0; url=(\.\./)*[a-z0-9-]+(/[a-z0-9-]+)*/$")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
BAD_SCHEMES = {"javascript", "vbscript", "data"}
BAD_ELEMENTS = {MARKER, "iframe", "frame", "object", "embed", "base", "applet"}
NOT_RUN = {"application/json", "application/ld+json", "text/template"}


class _Scanner(HTMLParser):
    def __init__(self, allowed_inline: set[str] | None):
        super().__init__(convert_charrefs=True)
        self.allowed_inline = allowed_inline
        self.problems: list[str] = []
        self.inline: list[str] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in BAD_ELEMENTS:
            self.problems.append(f"<{tag}> element")
        if tag == "meta" and (found.get("http-equiv") or "").lower() == "refresh" \
                and not _SITE_REDIRECT.match(found.get("content") or ""):
            self.problems.append("<meta http-equiv=refresh>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            scheme = _URL_SCHEME.match(_CONTROL.sub("", value or ""))
            if scheme and scheme.group(1).lower() in BAD_SCHEMES and not (tag == "img" and name == "src"
                                                                          and value.startswith("data:image/")):
                self.problems.append(f"<{tag} {name}={value!r}> {scheme.group(1)}: URL")
        if tag == "script":
            src = found.get("src")
            kind = (found.get("type") or "").lower()
            if src is not None:
                if re.match(r"^\s*([a-z][a-z0-9+.-]*:|[/\\]{2})", src, re.I):
                    self.problems.append(f"script from elsewhere: {src!r}")
                self._script = None
            elif kind in NOT_RUN:
                self._script = None
            else:
                self._script = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._close_script()

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._close_script()

    def _close_script(self) -> None:
        if self._script is None:
            return
        body = "".join(self._script)
        self._script = None
        self.inline.append(body)
        if self.allowed_inline is not None and body not in self.allowed_inline:
            self.problems.append(f"inline script that is not the theme's: {body[:80]!r}")


def scan_html(text: str, allowed_inline: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Executable markup in `text`; an inline script counts unless its text is in `allowed_inline`."""
    scanner = _Scanner(set(allowed_inline))
    scanner.feed(text)
    scanner.close()
    return scanner.problems


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources += [v or "" for k, v in attrs if k == "src"]


def image_sources(text: str) -> list[str]:
    parser = _Images()
    parser.feed(text)
    parser.close()
    return parser.sources


def inline_scripts(text: str) -> list[str]:
    scanner = _Scanner(None)
    scanner.feed(text)
    scanner.close()
    return scanner.inline
