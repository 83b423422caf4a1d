"""Rows of an export -> account values, through one source of the `crm:` mapping in `kb.yml`.

Every cell of every row is read and checked, whether or not the account it
names will change: a bad row is a bad row. Each problem is a finding at the
row and column of its cell, so that one run lists every row to fix.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..config import CRM_REQUIRED, CrmColumn, CrmKey, CrmSource
from ..findings import Finding
from ..kb import Entry, KnowledgeBase
from ..models import Person
from .export import Export
from .salesforce_id import normalised

Value = str | int | float | dt.date | tuple[str, ...]
# How a (stripped, non-empty, one-line) cell of a key becomes its value: a method of Mapping, called
# with (mapping, key, column, cell, (row, col)). Unbound, so that a Mapping holds no reference to itself
# (a cycle would keep the knowledge base it reads alive until the garbage collector runs, which kb pauses).
Translate = Callable[["Mapping", CrmKey, CrmColumn, str, tuple[int, int]], "Value | None"]
ID_KEY = "salesforce_id"  # the key the id column fills

# A time after a date-time cell's date ("11/22/2026 10:32 AM", "2026-11-22T10:32:00.000Z"): ignored.
_TIME = re.compile(r"(?:,?\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?"
                   r"(?:\s*(?:Z|[+-]\d{2}:?\d{2}|[A-Z]{2,5}))?$")
_CURRENCY = re.compile(r"^(?:[A-Z]{3}\s*|[$€£¥]\s*)")
_HEALTH = ("green", "yellow", "red")


@dataclass
class Facts:
    """One row, translated: the account's Salesforce id and the values of the keys the row fills."""

    row: int
    sfid: str
    values: dict[CrmKey, Value] = field(default_factory=dict)
    cleared: set[CrmKey] = field(default_factory=set)  # empty cells of `empty: clear` keys
    columns: dict[str, int] = field(default_factory=dict)  # key -> 1-based column, for findings


class Mapping:
    """One source of `kb.yml`'s `crm:` applied to one export."""

    def __init__(self, source: CrmSource, export: Export, kb: KnowledgeBase, today: dt.date):
        self.source = source
        self.export = export
        self.kb = kb
        self.today = today
        self.findings: list[Finding] = []
        self._dates: dict[str, dt.date | None] = {}
        self._people: dict[str, dict[str, list[Entry[Person]]]] = {}
        self.first_row: dict[str, int] = {}  # Salesforce id -> the first row that holds it
        self.id_at = self._place(source.id_column, ID_KEY)
        self.places: dict[CrmKey, int | None] = {key: self._place(col.column, key)
                                                 for key, col in source.columns.items()}
        self._keys = [(key, col, at, _translator(key)) for key, col in source.columns.items()
                      if (at := self.places[key]) is not None]
        self._choices: dict[str, dict[str, Value]] = {key: self._labels(key, col) for key, col in source.columns.items()
                                                      if key in ("segment", "tier", "health")}

    def _place(self, name: str, key: str) -> int | None:
        at = self.export.column(name)
        if at is None:
            shown = ", ".join(repr(h) for h in self.export.header if h)
            self._fail((1, 1), "import-column", f"no column {name!r} (for {key}) in the header; it has {shown}")
            return None
        if sum(1 for h in self.export.header if h == name.strip()) > 1:
            self._fail((1, at + 1), "import-column", f"the header names {name!r} more than once; which one fills "
                                                    f"{key} is not clear")
        return at

    @property
    def usable(self) -> bool:
        """Every column the mapping names is in the header, once."""
        return not self.findings

    def _fail(self, where: tuple[int, int], code: str, message: str) -> None:
        """A finding at (row, column) of the export."""
        self.findings.append(Finding(self.export.path, where[0], where[1], "error", code, message))

    # -- rows ---------------------------------------------------------------------------

    def facts(self) -> Iterator[Facts]:
        """Each row that translates without a problem (the others add findings)."""
        assert self.id_at is not None
        id_at = self.id_at
        columns: dict[str, int] = {ID_KEY: id_at + 1}  # shared by every row's facts, read only
        columns.update((key, at + 1) for key, _col, at, _fn in self._keys)
        for row in self.export.rows:
            before = len(self.findings)
            number, cells = row.number, row.cells
            sfid, problem = normalised(cells[id_at])
            facts = Facts(number, sfid or "", columns=columns)
            if problem:
                empty = not cells[id_at].strip()
                self._fail((number, id_at + 1), "import-missing" if empty else "import-id", problem)
            elif sfid is not None and (first := self.first_row.setdefault(sfid, number)) != number:
                self._fail((number, id_at + 1), "import-duplicate",
                           f"Salesforce id {sfid} is on row {first} already (its 15- and 18-character "
                           "forms are one id); one row per account")
            for key, col, at, translate in self._keys:
                cell = cells[at].strip()
                where = (number, at + 1)
                if not cell:
                    self._empty(facts, key, col, where)
                elif key != "products" and (problem := _not_one_line(cell)):
                    self._fail(where, "import-value", f"{col.column}: {problem}")
                elif (value := translate(self, key, col, cell, where)) is not None:
                    facts.values[key] = value
                elif key == "products" and not self.findings_at(where):  # only separators: as an empty cell
                    self._empty(facts, key, col, where)
            if len(self.findings) == before:
                yield facts

    def _empty(self, facts: Facts, key: CrmKey, col: CrmColumn, where: tuple[int, int]) -> None:
        if key in CRM_REQUIRED or col.empty == "error":
            self._fail(where, "import-missing", f"{col.column} is empty; every account needs its {key}")
        elif col.empty == "clear":
            facts.cleared.add(key)

    def findings_at(self, where: tuple[int, int]) -> bool:
        return any((f.line, f.col) == where for f in self.findings)

    def _labels(self, key: CrmKey, col: CrmColumn) -> dict[str, Value]:
        """Casefolded cell -> value: the mapping's `values`, else the values themselves."""
        if col.values is not None:
            return {label.strip().casefold(): value for label, value in col.values.items()}
        choices: tuple[str | int, ...] = (self.kb.config.segments if key == "segment"
                                          else (1, 2, 3) if key == "tier" else _HEALTH)
        return {str(c).casefold(): c for c in choices}

    def _choice(self, key: CrmKey, col: CrmColumn, cell: str, where: tuple[int, int]) -> Value | None:
        found = self._choices[key].get(cell.casefold())
        if found is not None:
            return found
        if col.values is not None:
            known = ", ".join(repr(label) for label in col.values)
            self._fail(where, "import-value", f"{col.column}: unknown {key} {cell!r}; the mapping knows {known}")
        else:
            shown = ", ".join(str(c) for c in self._choices[key].values())
            self._fail(where, "import-value",
                       f"{col.column}: unknown {key} {cell!r}; expected one of {shown} (or give values: in kb.yml)")
        return None

    def _owner(self, _key: CrmKey, col: CrmColumn, cell: str, where: tuple[int, int]) -> str | None:
        how = col.match or "email"
        found = self._by(how).get(_folded(cell), [])
        if not found:
            what = {"email": "email", "name": "name", "id": "id"}[how]
            self._fail(where, "import-owner", f"{col.column}: no person with {what} {cell!r} in org/people.yaml")
            return None
        if len(found) > 1:
            refs = ", ".join(f"person:{p.model.id}" for p in found)
            self._fail(where, "import-owner", f"{col.column}: {len(found)} people have the {how} {cell!r} "
                                                f"({refs}); match owners by email")
            return None
        person = found[0].model
        if not person.active:
            left = f" on {person.left}" if person.left else ""
            self._fail(where, "import-owner",
                       f"{col.column}: person:{person.id} ({cell}) left{left} and cannot own accounts; "
                       "reassign the account in the CRM")
            return None
        return f"person:{person.id}"

    def _by(self, how: str) -> dict[str, list[Entry[Person]]]:
        if how not in self._people:
            index: dict[str, list[Entry[Person]]] = {}
            for entry in self.kb.people.values():
                person = entry.model
                key = {"email": person.email, "name": person.name, "id": person.id}[how]
                index.setdefault(_folded(key), []).append(entry)
            self._people[how] = index
        return self._people[how]

    def _products(self, _key: CrmKey, col: CrmColumn, cell: str, where: tuple[int, int]) -> tuple[str, ...] | None:
        names: list[str] = []
        for part in cell.split(col.separator or ";"):
            name = part.strip()
            if not name:
                continue
            if problem := _not_one_line(name):
                self._fail(where, "import-value", f"{col.column}: {problem}")
                return None
            if name not in names:
                names.append(name)
        return tuple(names) or None

    def _date(self, key: CrmKey, col: CrmColumn, cell: str, where: tuple[int, int]) -> dt.date | None:
        if cell not in self._dates:
            self._dates[cell] = _parse_date(cell, self.source.date_format)
        day = self._dates[cell]
        if day is None:
            sample = dt.date(2026, 11, 22).strftime(self.source.date_format)
            self._fail(where, "import-date", f"{col.column}: {cell!r} is not a date written "
                                               f"{self.source.date_format} (like {sample})")
            return None
        if key == "opened" and day > self.today:
            self._fail(where, "import-date", f"{col.column}: {day} is after today ({self.today})")
            return None
        return day

    def _number(self, _key: CrmKey, col: CrmColumn, cell: str, where: tuple[int, int]) -> int | float | None:
        text = _CURRENCY.sub("", cell).replace("\u00a0", "").replace(" ", "")
        thousands = "," if self.source.decimal == "." else "."
        text = text.replace(thousands, "").replace(self.source.decimal, ".")
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is None or number != number or number in (float("inf"), float("-inf")) or number < 0:
            self._fail(where, "import-value", f"{col.column}: {cell!r} is not an amount")
            return None
        return int(number) if number.is_integer() else number


def _translator(key: CrmKey) -> Translate:
    """The method of Mapping that turns a (stripped, non-empty, one-line) cell of `key` into its value."""
    if key == "name":
        return lambda _self, _key, _col, cell, _where: cell
    if key in ("segment", "tier", "health"):
        return Mapping._choice
    if key == "owner":
        return Mapping._owner
    if key == "products":
        return Mapping._products
    if key in ("since", "opened"):
        return Mapping._date
    return Mapping._number


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # Unicode's Cc, Zl and Zp: no text of one line


def _not_one_line(text: str) -> str | None:
    """Why `text` cannot be a one-line value: the control character or line break it holds (None: it can)."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    c = found.group()
    return f"the cell holds U+{ord(c):04X} ({unicodedata.name(c, 'a control character')}); a value is one line of text"


def _parse_date(cell: str, fmt: str) -> dt.date | None:
    for text in (cell, _TIME.sub("", cell)):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
