"""Account review cadences as the sales account management policy sets them.

The policy asks for quarterly or semi-annual reviews of tier 1 and tier 2
accounts: semi-annual is the longest interval, an account chooses its cadence
within it, and one that has not chosen is held to the longest. Tier 3's annual
review is a local rule of kb.yml.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kbtools.config import Config
from kbtools.kb import Entry, KnowledgeBase
from kbtools.models import Account
from kbtools.reviews import account_cadence, review_items

TODAY = dt.date(2026, 11, 22)


def _account(tier: int = 1, cadence: str | None = None, months_ago: int = 0, days_ago: int = 0) -> Account:
    last = _months_before(TODAY, months_ago) - dt.timedelta(days=days_ago)
    data = {"id": "ACC-00001", "name": "Example Fuel Co", "segment": "NA", "tier": tier, "status": "active",
            "owner": "person:alice", "last_review": last, "plan_updated": TODAY}
    if cadence is not None:
        data["review_cadence"] = cadence
    return Account.model_validate(data)


def _months_before(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 - months
    return day.replace(year=day.year + month0 // 12, month=month0 % 12 + 1)


def _state(account: Account, config: Config | None = None) -> str:
    kb = KnowledgeBase(root=Path("."), config=config or Config())
    kb.accounts[account.id] = Entry(account, f"accounts/{account.id}.yaml", None)
    [item] = [i for i in review_items(kb, TODAY) if i.kind == "account"]
    # current: not yet due (a review due within the due-soon window is still current, with a warning)
    return "current" if item.state in ("ok", "due-soon") else item.state


@pytest.mark.parametrize(("cadence", "months_ago", "state"), [
    ("semi-annual", 5, "current"),
    ("semi-annual", 7, "overdue"),
    ("quarterly", 2, "current"),
    ("quarterly", 4, "overdue"),
    (None, 5, "current"),        # no cadence chosen: held to semi-annual, the longest the policy allows
    (None, 7, "overdue"),
])
def test_tier_1_review_cadences(cadence, months_ago, state):
    assert _state(_account(1, cadence, months_ago)) == state


def test_an_account_without_a_cadence_is_held_to_semi_annual():
    rule = account_cadence(Config(), _account(1))
    assert (rule.every, rule.chosen) == ("6 months", None)
    assert "policy" in rule.basis
    assert _state(_account(1, None, 6, days_ago=1)) == "overdue"
    assert _state(_account(1, None, 6, days_ago=-40)) == "current"


def test_tier_2_follows_the_same_policy_and_tier_3_the_local_rule():
    assert _state(_account(2, "quarterly", 4)) == "overdue"
    assert _state(_account(2, None, 5)) == "current"
    tier3 = account_cadence(Config(), _account(3))
    assert tier3.every == "12 months" and "local rule" in tier3.basis
    assert _state(_account(3, None, 11)) == "current"
    assert _state(_account(3, None, 13)) == "overdue"


def test_a_cadence_longer_than_the_tier_allows_is_not_applied():
    config = Config.model_validate({"account_review_cadences": {"quarterly": "3 months", "annual": "12 months"}})
    rule = account_cadence(config, _account(1, "annual"))
    assert (rule.every, rule.problem) == ("6 months", "too-long")
    assert _state(_account(1, "annual", 7), config) == "overdue"


def test_an_unknown_cadence_is_not_applied():
    rule = account_cadence(Config(), _account(1, "monthly"))
    assert (rule.every, rule.problem) == ("6 months", "unknown")


def test_the_default_config_is_the_policy():
    config = Config()
    assert config.account_review_every == {1: "6 months", 2: "6 months", 3: "12 months"}
    assert config.account_review_cadences == {"quarterly": "3 months", "semi-annual": "6 months"}
    assert config.account_review_local == (3,)
