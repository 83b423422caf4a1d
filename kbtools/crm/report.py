"""The NA/RA report: the accounts by segment, tier, owner and health, with their review and plan state.

In the company's workflow the Implementation Manager tells the Sales
Support Manager when the national and regional accounts are up to date in
the CRM, and the SSM reports on them. Here the report is made from the
knowledge base, which holds the CRM's facts (after `kb accounts import`)
and its own (review dates, plans): one row per account, and counts per
segment, tier, health and owner. Review and plan states come from
`reviews.review_items`, the computation `kb check` and `kb reviews` use.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..kb import KnowledgeBase
from ..output import csv_text, json_report, md_cell
from ..reviews import STATE_LABEL, review_items

TIERS = (1, 2, 3)
HEALTHS = ("green", "yellow", "red", None)
STATES = ("overdue", "due-soon", "ok", "future")
COLUMNS = ["segment", "tier", "owner", "owner_name", "id", "name", "salesforce_id", "status", "health",
           "review_state", "review_due", "last_review", "plan_state", "plan_due", "plan_updated", "path"]


@dataclass(frozen=True, slots=True)
class Filters:
    segments: tuple[str, ...] = ()
    tiers: tuple[int, ...] = ()
    owner: str | None = None
    closed: bool = False  # closed accounts too

    def to_dict(self) -> dict[str, Any]:
        return {"segment": list(self.segments), "tier": list(self.tiers), "owner": self.owner,
                "include_closed": self.closed}


def account_rows(kb: KnowledgeBase, today: dt.date, filters: Filters) -> list[dict[str, Any]]:
    """One row per account that passes the filters, by segment (as kb.yml lists them), tier, owner and id.

    review_state: overdue, due-soon, ok, future, or none (a closed account); plan_state the same,
    missing (no plan_updated), or n/a (a tier without account plans).
    """
    items = {(i.id, i.kind): i for i in review_items(kb, today)}
    plan_tiers = kb.config.account_plan.tiers
    rows: list[dict[str, Any]] = []
    for ident, entry in kb.accounts.items():
        acc = entry.model
        if filters.segments and acc.segment not in filters.segments:
            continue
        if filters.tiers and acc.tier not in filters.tiers:
            continue
        if (filters.owner and acc.owner != filters.owner) or (acc.status == "closed" and not filters.closed):
            continue
        review, plan = items.get((ident, "account")), items.get((ident, "account-plan"))
        plan_state: str
        if plan is not None:
            plan_state = plan.state if plan.due is not None else "missing"
        else:
            plan_state = "n/a" if acc.tier not in plan_tiers else "none"
        rows.append({
            "segment": acc.segment, "tier": acc.tier, "owner": acc.owner, "owner_name": kb.display_name(acc.owner),
            "id": ident, "name": acc.name, "salesforce_id": acc.salesforce_id, "status": acc.status,
            "health": acc.health, "review_state": review.state if review else "none",
            "review_due": review.due.isoformat() if review and review.due else None,
            "last_review": acc.last_review.isoformat() if acc.last_review else None,
            "plan_state": plan_state, "plan_due": plan.due.isoformat() if plan and plan.due else None,
            "plan_updated": acc.plan_updated.isoformat() if acc.plan_updated else None, "path": entry.path,
        })
    order = {s: i for i, s in enumerate(kb.config.segments)}
    rows.sort(key=lambda r: (order.get(r["segment"], len(order)), r["segment"], r["tier"], r["owner"], r["id"]))
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts: per segment, tier, health, owner, review state and plan state."""
    owners: dict[str, dict[str, Any]] = {}
    for r in rows:
        o = owners.setdefault(r["owner"], {"name": r["owner_name"], "accounts": 0, "tier": Counter(),
                                           "reviews_overdue": 0, "reviews_due_soon": 0, "plans_late": 0})
        o["accounts"] += 1
        o["tier"][str(r["tier"])] += 1
        o["reviews_overdue"] += r["review_state"] in ("overdue", "future")
        o["reviews_due_soon"] += r["review_state"] == "due-soon"
        o["plans_late"] += r["plan_state"] in ("overdue", "future", "missing")
    return {
        "accounts": len(rows),
        "segment": dict(Counter(r["segment"] for r in rows)),
        "tier": {str(t): n for t, n in sorted(Counter(r["tier"] for r in rows).items())},
        "segment_tier": {s: {str(t): sum(1 for r in rows if r["segment"] == s and r["tier"] == t) for t in TIERS}
                         for s in dict.fromkeys(r["segment"] for r in rows)},
        "health": {str(h or "unset"): n for h, n in Counter(r["health"] for r in rows).items()},
        "review_state": dict(Counter(r["review_state"] for r in rows)),
        "plan_state": dict(Counter(r["plan_state"] for r in rows)),
        "owner": {ref: {**o, "tier": dict(sorted(o["tier"].items()))} for ref, o in sorted(owners.items())},
    }


def to_json(rows: list[dict[str, Any]], today: dt.date, filters: Filters) -> str:
    return json_report(today, filters=filters.to_dict(), summary=summary(rows), accounts=rows)


def to_csv(rows: list[dict[str, Any]]) -> str:
    return csv_text(COLUMNS, ([r[c] for c in COLUMNS] for r in rows), lineterminator="\n")


def _state(state: str) -> str:
    return STATE_LABEL.get(state, state)


def _table(head: list[str], body: list[list[object]], right: int = 0) -> list[str]:
    """A Markdown table; the last `right` columns are numbers (right-aligned)."""
    rule = ["---"] * (len(head) - right) + ["---:"] * right
    return ["| " + " | ".join(head) + " |", "| " + " | ".join(rule) + " |",
            *("| " + " | ".join(md_cell(c) for c in row) + " |" for row in body)]


def to_markdown(rows: list[dict[str, Any]], today: dt.date, filters: Filters) -> str:
    s = summary(rows)
    shown = [f"segment {', '.join(filters.segments)}" if filters.segments else "",
             f"tier {', '.join(map(str, filters.tiers))}" if filters.tiers else "",
             f"owner {filters.owner}" if filters.owner else "", "closed included" if filters.closed else ""]
    scope = "; ".join(x for x in shown if x) or "every open account"
    out = [f"## NA/RA accounts report, {today.isoformat()}", "", f"{len(rows)} accounts ({md_cell(scope)}).", ""]
    if not rows:
        return "\n".join(out) + "\n"
    segments = list(s["segment_tier"])
    out += ["### By segment and tier", ""]
    out += _table(["segment", *(f"tier {t}" for t in TIERS), "total"],
                  [[seg, *(s["segment_tier"][seg][str(t)] for t in TIERS), s["segment"][seg]] for seg in segments]
                  + [["all", *(s["tier"].get(str(t), 0) for t in TIERS), len(rows)]], right=4)
    out += ["", "### By health", ""]
    health = [[seg, *(sum(1 for r in rows if r["segment"] == seg and r["health"] == h) for h in HEALTHS)]
              for seg in segments]
    out += _table(["segment", "green", "yellow", "red", "not set"], health, right=4)
    out += ["", "### Reviews and account plans", ""]
    states = ["overdue", "due-soon", "ok", "future", "missing", "none", "n/a"]
    out += _table(["", *(_state(st) for st in states)],
                  [["account reviews", *(s["review_state"].get(st, 0) for st in states)],
                   ["account plans", *(s["plan_state"].get(st, 0) for st in states)]], right=len(states))
    out += ["", "### By owner", ""]
    out += _table(["owner", "name", "accounts", "tier 1", "tier 2", "tier 3", "reviews overdue", "reviews due soon",
                   "plans overdue or missing"],
                  [[ref, o["name"], o["accounts"], *(o["tier"].get(str(t), 0) for t in TIERS), o["reviews_overdue"],
                    o["reviews_due_soon"], o["plans_late"]] for ref, o in s["owner"].items()], right=7)
    for seg in segments:
        out += ["", f"### {md_cell(seg)} accounts", ""]
        out += _table(["account", "name", "tier", "owner", "health", "status", "review", "review due", "plan",
                       "plan due"],
                      [[r["id"], r["name"], r["tier"], r["owner"], r["health"] or "", r["status"],
                        _state(r["review_state"]), r["review_due"] or "", _state(r["plan_state"]), r["plan_due"] or ""]
                       for r in rows if r["segment"] == seg])
    return "\n".join(out) + "\n"
