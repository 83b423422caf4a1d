"""Calendar arithmetic of review intervals: `models.add_duration` (what `kb check`, `kb reviews`
and the site's banners count due dates with)."""

from __future__ import annotations

import calendar
import datetime as dt
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ON_CI
from kbtools import models

starts = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31))
counts = st.integers(min_value=1, max_value=9999)  # what a duration may say: 1 to 4 digits


def months(n: int) -> str:
    return f"{n} month" if n == 1 else f"{n} months"


@pytest.mark.parametrize("start, duration, due", [
    ("2026-01-31", "1 month", "2026-02-28"),  # the SPEC's example
    ("2024-01-31", "1 month", "2024-02-29"),
    ("2026-03-31", "1 month", "2026-04-30"),
    ("2024-02-29", "1 year", "2025-02-28"),
    ("2026-11-22", "12 months", "2027-11-22"),
    ("2026-12-15", "1 month", "2027-01-15"),
    ("2026-05-02", "2 weeks", "2026-05-16"),
    ("2026-05-02", "30 days", "2026-06-01"),
])
def test_examples(start, duration, due):
    assert models.add_duration(dt.date.fromisoformat(start), duration) == dt.date.fromisoformat(due)


@given(starts, counts)
def test_adding_months_lands_in_the_target_month_never_past_its_end(start, n):
    due = models.add_duration(start, months(n))
    month0 = start.month - 1 + n
    assert (due.year, due.month) == (start.year + month0 // 12, month0 % 12 + 1)
    assert due.day == min(start.day, calendar.monthrange(due.year, due.month)[1])


@given(starts, counts, counts)
def test_adding_months_is_monotonic_in_the_count(start, a, b):
    a, b = sorted((a, b))
    assert start < models.add_duration(start, months(a)) <= models.add_duration(start, months(b))


@given(starts, st.integers(min_value=1, max_value=833))
def test_a_year_is_twelve_months(start, n):
    assert models.add_duration(start, f"{n} years") == models.add_duration(start, months(12 * n))


@given(starts, counts)
def test_days_and_weeks_are_plain_day_counts(start, n):
    assert models.add_duration(start, f"{n} days") == start + dt.timedelta(days=n)
    assert models.add_duration(start, f"{n} weeks") == start + dt.timedelta(weeks=n)


@given(st.dates(min_value=dt.date(9990, 1, 1)), st.integers(min_value=9000, max_value=9999),
       st.sampled_from(["day", "week", "month", "year"]))
def test_past_the_calendars_end_is_its_last_day(start, n, unit):
    assert models.add_duration(start, f"{n} {unit}s") == dt.date.max


def test_hypothesis_runs_the_profile_of_its_environment():
    """CI=true gives the reproducible CI profile (conftest), anything else the developers' one."""
    expected = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if ON_CI else "dev"))
    current = settings()
    for name in ("derandomize", "max_examples", "deadline", "database"):
        assert getattr(current, name) == getattr(expected, name), name
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.deadline is None and ci.database is None
