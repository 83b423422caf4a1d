"""Review status: when every SOP and account is due, and whether it is late.

One computation serves `kb check` (findings), `kb reviews` (a report) and the
site (banners, dashboard).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from .config import Config
from .kb import Entry, KnowledgeBase
from .models import Account, add_duration

State = Literal["overdue", "due-soon", "ok", "future"]
ItemKind = Literal["sop", "account", "account-plan"]
STATE_ORDER = {"future": 0, "overdue": 1, "due-soon": 2, "ok": 3}
# How the text and Markdown reports name each state (what needs action shouts).
STATE_LABEL = {"overdue": "OVERDUE", "due-soon": "due soon", "ok": "ok", "future": "DATED IN THE FUTURE"}


@dataclass(frozen=True, slots=True)
class ReviewItem:
    kind: ItemKind
    id: str
    title: str
    owner: str
    last: dt.date | None  # None: never done (an account plan that is missing)
    every: str
    due: dt.date | None
    state: State
    entry: Entry[Any]
    field: str  # the key the dates come from, for positions
    today: dt.date
    basis: str = ""  # why `every`: "the account's quarterly cadence", "the policy's longest for tier 1", ...
    cadence: str | None = None  # an account's chosen cadence, when it is the one applied

    @property
    def days_left(self) -> int | None:
        return None if self.due is None else (self.due - self.today).days

    def due_within(self, days: int) -> bool:
        """Overdue, dated in the future, never done, or due within `days` days."""
        return self.state in ("overdue", "future") or self.days_left is None or self.days_left <= days

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "owner": self.owner,
            "last_review": self.last.isoformat() if self.last else None,
            "every": self.every,
            "due": self.due.isoformat() if self.due else None,
            "days_left": self.days_left,
            "state": self.state,
            "path": self.entry.path,
            **({"cadence": self.cadence, "basis": self.basis} if self.kind == "account" else {}),
        }


@dataclass(frozen=True, slots=True)
class Cadence:
    """How often one account is reviewed, and why.

    The sales account management policy sets the longest interval per tier (`account_review_every`);
    an account may choose a cadence within it (`review_cadence`); one that has not chosen, or chose a
    cadence that kb.yml does not name or that is longer than its tier allows, is held to the longest.
    """

    every: str
    basis: str
    chosen: str | None  # the cadence applied, when the account's choice is
    problem: str | None = None  # "unknown" or "too-long": the account's choice that was not applied


def _length(duration: str) -> dt.date:
    """A duration as a point in time, so two can be compared (3 months < 13 weeks < 1 year)."""
    return add_duration(dt.date(2001, 1, 31), duration)


def account_cadence(cfg: Config, account: Account) -> Cadence:
    longest = cfg.account_review_every[account.tier]
    if account.tier in cfg.account_review_local:
        held = Cadence(longest, f"the local rule for tier {account.tier}", None)
    else:
        held = Cadence(longest, f"the policy's longest for tier {account.tier}", None)
    chosen = account.review_cadence
    if chosen is None:
        return held
    every = cfg.account_review_cadences.get(chosen)
    if every is None:
        return Cadence(held.every, held.basis, None, "unknown")
    if _length(every) > _length(longest):
        return Cadence(held.every, held.basis, None, "too-long")
    return Cadence(every, f"the account's {chosen} cadence", chosen)


def accounts_due(kb: KnowledgeBase, today: dt.date, within: int) -> list[ReviewItem]:
    """Account reviews overdue, dated in the future, or due within `within` days, soonest first."""
    return [i for i in review_items(kb, today) if i.kind == "account" and i.due_within(within)]


def state_of(last: dt.date | None, due: dt.date | None, today: dt.date, window: int) -> State:
    if last is not None and last > today:
        return "future"
    if due is None or due < today:
        return "overdue"
    if (due - today).days <= window:
        return "due-soon"
    return "ok"


def review_items(kb: KnowledgeBase, today: dt.date) -> list[ReviewItem]:
    """Every reviewed item, soonest due first (future-dated and missing first)."""
    cfg = kb.config
    window = cfg.due_soon_days
    items: list[ReviewItem] = []

    def add(kind: ItemKind, ident: str, title: str, owner: str, last: dt.date | None, every: str,
            entry: Entry[Any], field: str, basis: str = "", cadence: str | None = None,
            opened: dt.date | None = None) -> None:
        # Never done: due one interval after the day the record was opened, when it says (accounts).
        start = last or opened
        due = add_duration(start, every) if start else None
        if last is None and opened is not None:
            field = "opened"
        items.append(
            ReviewItem(kind, ident, title, owner, last, every, due,
                       state_of(start, due, today, window), entry, field, today, basis, cadence)
        )

    for ident, doc in kb.docs.items():
        sop = doc.model
        if sop.status in ("draft", "retired") or sop.last_reviewed is None:
            continue
        every = sop.review_every or cfg.review_every[sop.type]
        add("sop", ident, sop.title, sop.owner, sop.last_reviewed, every, doc, "last_reviewed")

    for ident, account in kb.accounts.items():
        acc = account.model
        if acc.status == "closed" or (acc.last_review is None and acc.opened is None):
            continue
        rule = account_cadence(cfg, acc)
        add("account", ident, acc.name, acc.owner, acc.last_review, rule.every, account, "last_review",
            rule.basis, rule.chosen, opened=acc.opened)
        if acc.tier in cfg.account_plan.tiers:
            add("account-plan", ident, f"{acc.name}: account plan", acc.owner,
                acc.plan_updated, cfg.account_plan.every, account, "plan_updated", opened=acc.opened)

    items.sort(key=lambda i: (i.state != "future", i.due or dt.date.min, STATE_ORDER[i.state], i.kind, i.id))
    return items
