"""Turn pydantic validation errors into findings a person can act on."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from collections.abc import Hashable, Iterable

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from .. import models
from ..findings import Finding
from .yamlsrc import Positions

_PATTERN_HELP = {
    models.SLUG_RE: "a lower-case id like 'gather-records'",
    models.DOC_ID_RE: "a document id like SOP-CSC-001 (prefix SOP, POL, PRC, TPL or ART)",
    models.ACCOUNT_ID_RE: "an account id like ACC-00042",
    models.TRAINING_ID_RE: "a training id like TRN-001",
    models.PERSON_REF_RE: "a person reference like person:jdoe",
    models.OWNER_REF_RE: "an owner reference like person:jdoe or team:csc-im",
    models.ANY_REF_RE: "a reference like role:sales-manager, person:jdoe or team:kmt",
    models.DURATION_RE: "a duration like '12 months', '90 days', '2 weeks' or '1 year'",
    models.VERSION_RE: "a version like \"1.2\"",
    models.ASSIGNEE_RE: "input:<id>, person:<id> or team:<id>",
    models.HANDLE_RE: "a GitHub handle like jdoe or northwind/kmt",
    models.SALESFORCE_ID_RE: "a Salesforce id in its 18-character form, like 001i000000NqMKpAAN",
}

HINTS = 20  # did-you-mean suggestions per file; each compares the word with every choice

_TYPE_NAMES = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "date_type": "a date",
    "date_parsing": "a date",
    "date_from_datetime_inexact": "a date",
    "none_required": "nothing",
}


def dotted(path: tuple[Hashable, ...]) -> str:
    """('steps', 0, 'items') -> 'steps[0].items'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def did_you_mean(word: object, choices: Iterable[object]) -> str:
    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f", did you mean {match[0]!r}?" if match else ""


def _describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return repr(value)


def _walk(data: object, loc: tuple[int | str, ...]) -> tuple[tuple[Hashable, ...], object]:
    """Follow `loc` through the data, skipping pydantic's union-branch labels."""
    path: list[Hashable] = []
    node = data
    for loc_part in loc:
        part: Hashable = loc_part  # becomes the data's own key when pydantic wrote it as text
        if isinstance(node, dict) and part not in node:
            # pydantic writes a key that is not text as its str(): find the real key
            part = next((k for k in node if not isinstance(k, str) and str(k) == part), part)
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, (list, tuple)) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        # anything else is a union label ('str', 'Item', 'function-after[...]')
    return tuple(path), node


def _model_at(model: type[BaseModel], path: tuple[Hashable, ...]) -> type[BaseModel] | None:
    """The model class that describes the mapping at `path`, if any."""
    current: object = model
    for part in path:
        if isinstance(part, int):
            continue
        cls = _as_model(current)
        if cls is None:
            return None
        field = _field_by_key(cls, part)
        if field is None:
            return None
        current = field.annotation
    return _as_model(current)


def _field_by_key(cls: type[BaseModel], key: Hashable) -> FieldInfo | None:
    for name, field in cls.model_fields.items():
        if (field.alias or name) == key:
            return field
    return None


def _as_model(tp: object) -> type[BaseModel] | None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _as_model(typing.get_args(tp)[0])
    if origin in (list, tuple, typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            found = _as_model(arg)
            if found is not None:
                return found
    return None


def keys_of(cls: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in cls.model_fields.items()]


def findings_from(
    exc: ValidationError,
    model: type[BaseModel],
    data: object,
    path: str,
    pos: Positions | None,
    base: tuple[Hashable, ...] = (),
) -> list[Finding]:
    """One finding per distinct problem, each at the key or value it is about."""
    raw: list[tuple[tuple[Hashable, ...], object, ErrorDetails]] = []
    for err in exc.errors(include_url=False):
        real, value = _walk(data, tuple(err["loc"]))
        raw.append((real, value, err))

    # A union reports every branch. Type errors at a place that has deeper
    # errors are noise (the value had the right shape, something inside was
    # wrong); type errors at the same place merge into "expected X or Y".
    # every place that has something deeper below it (a set: thousands of errors cost no more than one each)
    above = {path[:k] for path, _value, _err in raw for k in range(len(path))}
    expected: dict[tuple[Hashable, ...], list[str]] = {}
    kept: list[tuple[tuple[Hashable, ...], object, ErrorDetails]] = []
    for real, value, err in raw:
        name = _TYPE_NAMES.get(err["type"])
        if name is not None:
            if real in above:
                continue
            names = expected.setdefault(real, [])
            if names:
                if name not in names:
                    names.append(name)
                continue
            names.append(name)
        kept.append((real, value, err))
    out: dict[tuple[int, int, str, tuple[Hashable, ...], tuple[int | str, ...]], Finding] = {}
    for real, value, err in kept:
        hint = len(out) < HINTS  # did-you-mean for the first findings of a file only
        finding = _one(real, value, err, model, path, pos, base, " or ".join(expected.get(real, [])), hint)
        out.setdefault((finding.line, finding.col, finding.code, real, tuple(err["loc"])[-1:]), finding)
    return list(out.values())


def _locate(
    pos: Positions | None, base: tuple[Hashable, ...], real: tuple[Hashable, ...], key: bool = False
) -> tuple[int, int]:
    if pos is not None:
        return pos.locate(base + real, key=key)
    return 1, 1


def _one(
    real: tuple[Hashable, ...],
    value: object,
    err: ErrorDetails,
    model: type[BaseModel],
    path: str,
    pos: Positions | None,
    base: tuple[Hashable, ...],
    expected: str = "",
    hint: bool = True,
) -> Finding:
    etype = err["type"]
    ctx = err.get("ctx") or {}
    name = dotted(real) or "document"
    last = real[-1] if real else None

    if etype == "invalid_key" or err["loc"][-1:] == ("[key]",):
        line, col = _locate(pos, base, real, key=True)
        shown = "null" if last is None else str(last).lower() if isinstance(last, bool) else str(last)
        if etype == "literal_error":
            choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
            where = dotted(real[:-1])
            return Finding(path, line, col, "error", "unknown-key",
                           f"{where}: key {shown} is not allowed; expected one of {', '.join(choices)}")
        return Finding(path, line, col, "error", "unknown-key",
                       f"key {shown} is not text; keys are names like 'owner'")

    if etype == "extra_forbidden":
        owner = _model_at(model, real[:-1])
        suggestion = did_you_mean(last, keys_of(owner)) if owner and hint else ""
        line, col = _locate(pos, base, real, key=True)
        where = dotted(real[:-1])
        inside = f" in {where}" if where else ""
        return Finding(path, line, col, "error", "unknown-key", f"unknown key {last!r}{inside}{suggestion}")

    if etype == "missing":
        line, col = _locate(pos, base, real, key=True)
        key = err["loc"][-1]
        where = dotted(real)
        inside = f" in {where}" if where else ""
        return Finding(path, line, col, "error", "missing-key", f"missing required key {key!r}{inside}")

    line, col = _locate(pos, base, real)

    if etype == "string_pattern_mismatch":
        help_ = _PATTERN_HELP.get(str(ctx.get("pattern")), f"text matching {ctx.get('pattern')}")
        return Finding(path, line, col, "error", "invalid-value", f"{name}: {value!r} is not valid; expected {help_}")

    if etype == "literal_error":
        choices = re.findall(r"'([^']*)'|(\d+)", str(ctx.get("expected", "")))
        options = [a or b for a, b in choices]
        suggestion = did_you_mean(value, options) if hint and isinstance(value, str) else ""
        return Finding(
            path, line, col, "error", "invalid-value",
            f"{name}: {_describe(value)} is not allowed; expected one of {', '.join(options)}{suggestion}",
        )

    if etype in _TYPE_NAMES:
        expected = expected or _TYPE_NAMES[etype]
        msg = f"{name}: expected {expected}, got {_describe(value)}"
        if expected == "a date":
            msg += "; write dates as YYYY-MM-DD without quotes"
        elif expected == "text" and isinstance(value, (int, float)) and not isinstance(value, bool):
            msg += f"; quote it: \"{value}\""
        return Finding(path, line, col, "error", "invalid-date" if expected == "a date" else "invalid-type", msg)

    if etype == "value_error":
        message = str(ctx.get("error", err["msg"]))
        return Finding(path, line, col, "error", "invalid-record", f"{name}: {message}" if real else message)

    if etype in ("too_short", "too_long"):
        return Finding(path, line, col, "error", "invalid-value", f"{name}: {err['msg'].lower()}")

    return Finding(path, line, col, "error", "invalid-value", f"{name}: {err['msg']}")
