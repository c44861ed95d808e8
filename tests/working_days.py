"""Working days as the README documents them, counted here independently of libs/common/calendar.py, so the
end-to-end tests can compute expected deadlines for any date the clock is set to.

A year in the operator file (deploy/holidays.yaml) follows it; else a year chinesecalendar has data for follows
chinesecalendar; else Monday–Friday, and a deadline that counts such a day is provisional.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import chinese_calendar
import yaml

from tests.backends import REPO

HOLIDAYS_FILE = REPO / "deploy" / "holidays.yaml"


@functools.cache
def _operator_years() -> dict[int, tuple[frozenset[date], frozenset[date]]]:
    """Year → (days off, make-up working days) from the operator file."""
    years = (yaml.safe_load(HOLIDAYS_FILE.read_text(encoding="utf-8")) or {}).get("years") or {}

    def days(entry: dict[str, list[object]] | None, kind: str) -> frozenset[date]:
        return frozenset(date.fromisoformat(str(d)) for d in (entry or {}).get(kind) or [])

    return {int(year): (days(entry, "holidays"), days(entry, "workdays")) for year, entry in years.items()}


@functools.cache
def _library_years() -> frozenset[int]:
    # chinesecalendar's own tables: a year with no entry at all is one it was released without.
    return frozenset(d.year for d in chinese_calendar.holidays)


def year_known(year: int) -> bool:
    return year in _operator_years() or year in _library_years()


def is_working_day(day: date) -> bool:
    operator = _operator_years().get(day.year)
    if operator is not None:
        days_off, makeup = operator
        return day in makeup or (day.weekday() < 5 and day not in days_off)
    if day.year in _library_years():
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def expected_due(opened: date, working_days: int) -> tuple[date, bool]:
    """The ``working_days``-th working day after ``opened`` (which never counts itself), and whether it is
    provisional (a day counted lies in a year neither source knows)."""
    day, counted, provisional = opened, 0, False
    while counted < working_days:
        day += timedelta(days=1)
        provisional = provisional or not year_known(day.year)
        if is_working_day(day):
            counted += 1
    return day, provisional


def working_days_in(start: date, end: date) -> int:
    """Working days in (start, end]."""
    return sum(is_working_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))
