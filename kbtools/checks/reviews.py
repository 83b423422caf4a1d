"""Review dates: overdue is an error, due soon a warning, a future date an error."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..reviews import account_cadence, review_items
from . import Context, check

_LABEL = {"sop": "review", "account": "account review", "account-plan": "account plan update"}


@check("review-dates")
def review_dates(ctx: Context) -> Iterator[Finding]:
    for item in review_items(ctx.kb, ctx.today):
        what = _LABEL[item.kind]
        plan = item.kind == "account-plan"
        first = f"first {what} (opened {item.entry.model.opened})" if item.field == "opened" else what
        if item.state == "future":
            when = getattr(item.entry.model, item.field)
            fix = ("write the day the account was opened" if item.field == "opened"
                   else f"record the date the {what} happened")
            yield item.entry.finding(
                "error", "plan-in-future" if plan else "review-in-future",
                f"{item.field} {when} is after today ({ctx.today}); {fix}",
                item.field,
            )
        elif item.state == "overdue" and item.due is None:
            yield item.entry.finding(
                "error", "plan-missing",
                f"tier {item.entry.model.tier} accounts need an account plan updated every {item.every}: "
                "add plan_updated",
                "id",
            )
        elif item.state == "overdue":
            assert item.due is not None  # set whenever `last` (or `opened`) is
            late = (ctx.today - item.due).days
            yield item.entry.finding(
                "error", "plan-overdue" if plan else "review-overdue",
                f"{first} overdue: due {item.due} ({late} days ago; every {item.every}{_why(item.basis)}), "
                f"owner {item.owner}",
                item.field,
            )
        elif item.state == "due-soon":
            yield item.entry.finding(
                "warning", "plan-due-soon" if plan else "review-due-soon",
                f"{first} due {item.due} (in {item.days_left} days; every {item.every}{_why(item.basis)}), "
                f"owner {item.owner}",
                item.field,
            )


def _why(basis: str) -> str:
    return f", {basis}" if basis else ""


@check("account-cadences")
def account_cadences(ctx: Context) -> Iterator[Finding]:
    """An account's chosen cadence is one kb.yml names, and no longer than its tier allows."""
    cfg = ctx.kb.config
    for entry in ctx.kb.accounts.values():
        acc = entry.model
        rule = account_cadence(cfg, acc)
        if rule.problem == "unknown":
            names = list(cfg.account_review_cadences)
            yield entry.finding(
                "error", "unknown-cadence",
                f"unknown review cadence {acc.review_cadence!r}{ctx.hint(entry.path, str(acc.review_cadence), names)}"
                f" (kb.yml account_review_cadences: {', '.join(names) or 'none'}); "
                f"held to {rule.every}, {rule.basis}",
                "review_cadence",
            )
        elif rule.problem == "too-long":
            yield entry.finding(
                "error", "cadence-too-long",
                f"review cadence {acc.review_cadence} ({cfg.account_review_cadences[str(acc.review_cadence)]}) "
                f"is longer than tier {acc.tier} allows ({rule.every}, {rule.basis}); held to {rule.every}",
                "review_cadence",
            )
