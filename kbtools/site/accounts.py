"""Account pages show only what the model does not mark confidential.

Which fields are confidential is read from the models themselves
(`json_schema_extra={"confidential": True}`, see `models.confidential`), at
every level of nesting; nothing here names a field.
"""

from __future__ import annotations

import datetime as dt
import re

from markupsafe import Markup, escape
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ..models import ACCOUNT_TEAM_SLOTS, ANY_REF_RE
from .render import Links, date_html

_REF = re.compile(ANY_REF_RE)
_LABELS = {"id": "ID", **{slot: slot.upper() for slot in ACCOUNT_TEAM_SLOTS}}


def is_confidential(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    if callable(extra):  # a function could say anything: keep such a field off the site
        return True
    return bool(extra and extra.get("confidential"))


def confidential_fields(model: type[BaseModel]) -> set[str]:
    return {name for name, info in model.model_fields.items() if is_confidential(info)}


def public_items(record: BaseModel) -> list[tuple[str, object]]:
    """(label, value) of every field that is set and not confidential, in model order."""
    out = []
    for name, info in type(record).model_fields.items():
        if is_confidential(info):
            continue
        value = getattr(record, name)
        if _empty(value):
            continue
        out.append((label(info.alias or name), value))
    return out


def label(name: str) -> str:
    return _LABELS.get(name) or name.replace("_", " ").capitalize()


def value_html(value: object, links: Links) -> Markup:
    """Any field value as HTML: nested records and lists become tables, references links."""
    if isinstance(value, BaseModel):
        rows = Markup("").join(
            Markup("<tr><th>{}</th><td>{}</td></tr>").format(name, value_html(v, links))
            for name, v in public_items(value)
        )
        return Markup('<table><tbody>{}</tbody></table>').format(rows)
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, BaseModel) for v in value):
            return _records_table(value, links)
        return Markup(", ").join(value_html(v, links) for v in value)
    if isinstance(value, dt.date):
        return date_html(value)
    if isinstance(value, str) and _REF.match(value):
        return links.ref(value)
    return escape(str(value))


def _records_table(records: list[BaseModel] | tuple[BaseModel, ...], links: Links) -> Markup:
    model = type(records[0])
    names = [(n, info) for n, info in model.model_fields.items() if not is_confidential(info)]
    head = Markup("").join(Markup("<th>{}</th>").format(label(info.alias or n)) for n, info in names)
    body = Markup("").join(
        Markup("<tr>{}</tr>").format(Markup("").join(
            Markup("<td>{}</td>").format(_cell(getattr(r, n), links)) for n, _ in names
        ))
        for r in records
    )
    return Markup('<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>').format(head, body)


def _cell(value: object, links: Links) -> Markup:
    return Markup("") if _empty(value) else value_html(value, links)


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, (list, tuple)) and not value)
