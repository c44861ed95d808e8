"""When a tracked deadline is breached and by how much. Pure: no framework, no I/O (the SQL is in deadlines.py).

Two kinds of deadline appear in the seeds (DOMAIN.md flows 1, 3, 4, 6):
- "within N working days" of a trigger (roster push, gap push, referral feedback): counted on the working-day
  calendar, 调休 included; breached once a whole working day has begun after the due day, so a deadline due on
  a Friday is breached on Monday (or on a make-up Saturday), and "days overdue" is never 0 for a breach;
- "X日前" — on or before a calendar day (the monthly list by the 10th, the quarterly 附件2 by the 20th of the
  quarter's first month): breached the calendar day after.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from libs.common.calendar import Deadline, WorkingCalendar

__all__ = [
    "PushCheck",
    "breach_cutoff",
    "calendar_breach_cutoff",
    "check_push",
    "monthly_due",
    "quarterly_due",
    "working_days_overdue",
    "working_days_overdue_by_due_day",
]

_ONE_DAY = timedelta(days=1)
# A year without a single working day cannot exist; the bound only stops a broken calendar from looping forever.
_MAX_LOOKBACK_DAYS = 366


def breach_cutoff(calendar: WorkingCalendar, today: date) -> date:
    """Working-day deadlines due strictly before this day are breached on ``today``: the last working day on or
    before ``today``. (Due Fri 2026-10-09: on Sat 2026-10-10, a make-up working day, the cutoff is the Saturday
    itself, so it is breached; on an ordinary Saturday the cutoff is the Friday, so not yet.)"""
    day = today
    for _ in range(_MAX_LOOKBACK_DAYS):
        if calendar.is_working_day(day):
            return day
        day -= _ONE_DAY
    raise ValueError(f"no working day in the year before {today}")


def calendar_breach_cutoff(today: date) -> date:
    """Calendar-day deadlines ("10日前" = on or before the 10th) due strictly before today are breached."""
    return today


def working_days_overdue(calendar: WorkingCalendar, due_on: date, today: date) -> int:
    """Working days after the due day up to and including today; 0 while not overdue. Keeps counting for as long
    as the deadline stays unmet."""
    return calendar.working_days_between(due_on, today)


def working_days_overdue_by_due_day(
    calendar: WorkingCalendar, due_days: Iterable[date], today: date
) -> dict[date, int]:
    """``working_days_overdue`` for many due days at once, walking the calendar once from the earliest to today
    (a board of 100,000 referrals shares a few hundred due days; day by day per row would walk years per row)."""
    wanted = sorted(set(due_days))
    if not wanted:
        return {}
    result: dict[date, int] = {d: 0 for d in wanted if d >= today}
    past = [d for d in wanted if d < today]
    if not past:
        return result
    # Working days in (d, today] = working days in (first, today] - working days in (first, d].
    cumulative: dict[date, int] = {}
    count, day = 0, past[0]
    cumulative[day] = 0
    while day < today:
        day += _ONE_DAY
        if calendar.is_working_day(day):
            count += 1
        cumulative[day] = count
    return result | {d: count - cumulative[d] for d in past}


@dataclass(frozen=True)
class PushCheck:
    """A push that had to reach its recipient within N working days of a trigger."""

    due: Deadline
    reached_on: date
    working_days_late: int

    @property
    def breached(self) -> bool:
        return self.working_days_late > 0


def check_push(calendar: WorkingCalendar, triggered_on: date, reached_on: date, working_days: int) -> PushCheck:
    """E.g. a roster change adjusted (动态调整时间) on ``triggered_on`` that reached 医保 on ``reached_on``."""
    due = calendar.add_working_days(triggered_on, working_days)
    return PushCheck(due, reached_on, calendar.working_days_between(due.due, reached_on))


def monthly_due(year: int, month: int, day: int) -> date:
    """ "每月X日前": on or before day X of the month the report is due in (the 附件1 list: X = 10)."""
    return date(year, month, day)


def quarterly_due(year: int, quarter: int, day: int) -> date:
    """ "每季度的首月X日前" for the *previous* quarter's summary (附件2: X = 20): due in the first month of the next
    quarter, e.g. Q3 2026 → 2026-10-20, Q4 2026 → 2027-01-20."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1–4, got {quarter}")
    if quarter == 4:
        return date(year + 1, 1, day)
    return date(year, 3 * quarter + 1, day)
