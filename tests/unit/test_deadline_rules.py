"""Working-day deadlines on the real 2026 State Council schedule (chinesecalendar 2026):

    中秋节 Fri 09-25 – Sun 09-27 off; 国庆节 Thu 10-01 – Wed 10-07 off;
    make-up working days (调休上班): Sun 09-20 and Sat 10-10.

Every expected date below is counted by hand in the comment; "within N working days" starts counting on the day
after the trigger (DOMAIN.md), so the trigger day never counts.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from libs.common.calendar import Deadline, WorkingCalendar
from libs.common.deadline_rules import (
    breach_cutoff,
    check_push,
    monthly_due,
    quarterly_due,
    working_days_overdue,
    working_days_overdue_by_due_day,
)
from services.referral.domain import response_deadline

CAL = WorkingCalendar.from_file(None)


def test_the_2026_schedule_is_the_one_the_comments_assume() -> None:
    assert chinese_calendar.is_holiday(date(2026, 9, 25))  # Fri: 中秋节
    assert chinese_calendar.is_workday(date(2026, 9, 20))  # Sun: 调休上班
    assert chinese_calendar.is_workday(date(2026, 10, 10))  # Sat: 调休上班
    assert not chinese_calendar.is_workday(date(2026, 10, 7))  # Wed: 国庆节


def test_referral_opened_on_the_friday_before_national_day_2026() -> None:
    # Fri 09-25 (itself 中秋节, off). Sat 26, Sun 27 off; Mon 28=1, Tue 29=2, Wed 30=3; 10-01..07 off;
    # Thu 10-08=4, Fri 10-09=5.
    assert response_deadline(CAL, date(2026, 9, 25), 5) == Deadline(date(2026, 10, 9), provisional=False)


def test_referral_opened_on_the_make_up_saturday_counts_it_as_a_working_day() -> None:
    # Opened on Sat 10-10, a working day (调休): a referral can arrive on it, and the day it arrives is day 0 as on
    # any working day. Sun 11 off; Mon 12=1, Tue 13=2, Wed 14=3, Thu 15=4, Fri 16=5.
    assert CAL.is_working_day(date(2026, 10, 10))
    assert response_deadline(CAL, date(2026, 10, 10), 5) == Deadline(date(2026, 10, 16), provisional=False)
    # And within a window it is counted: opened Thu 10-08: Fri 9=1, Sat 10=2 (调休), Mon 12=3, Tue 13=4, Wed 14=5.
    # (Without 调休 it would be Thu 10-15.)
    assert response_deadline(CAL, date(2026, 10, 8), 5).due == date(2026, 10, 14)


def test_referral_opened_on_the_saturday_before_the_make_up_sunday() -> None:
    # Opened Sat 09-19 (off): Sun 09-20=1 (调休), Mon 21=2, Tue 22=3, Wed 23=4, Thu 24=5.
    assert response_deadline(CAL, date(2026, 9, 19), 5).due == date(2026, 9, 24)


def test_a_breach_begins_with_the_first_working_day_after_the_due_day() -> None:
    due = date(2026, 10, 9)  # Fri, from the National Day case above
    # On the due day itself: not breached (cutoff is the day itself, and due < cutoff is false).
    assert not due < breach_cutoff(CAL, due)
    # Sat 10-10 is a make-up working day: breached at once, 1 working day overdue.
    assert due < breach_cutoff(CAL, date(2026, 10, 10))
    assert working_days_overdue(CAL, due, date(2026, 10, 10)) == 1
    # Sun 10-11 off: still 1. Mon 10-12: 2. It keeps counting while unanswered: Fri 10-16 = 6.
    assert working_days_overdue(CAL, due, date(2026, 10, 11)) == 1
    assert working_days_overdue(CAL, due, date(2026, 10, 12)) == 2
    assert working_days_overdue(CAL, due, date(2026, 10, 16)) == 6


def test_an_ordinary_weekend_does_not_breach_a_friday_deadline() -> None:
    due = date(2026, 11, 27)  # Fri
    # Sat 11-28 and Sun 11-29 are off: the last working day is Fri 11-27, and due < Fri is false.
    assert breach_cutoff(CAL, date(2026, 11, 28)) == date(2026, 11, 27)
    assert breach_cutoff(CAL, date(2026, 11, 29)) == date(2026, 11, 27)
    assert not due < breach_cutoff(CAL, date(2026, 11, 29))
    assert working_days_overdue(CAL, due, date(2026, 11, 29)) == 0
    # Mon 11-30: breached, 1 working day overdue.
    assert due < breach_cutoff(CAL, date(2026, 11, 30))
    assert working_days_overdue(CAL, due, date(2026, 11, 30)) == 1


def test_cutoff_inside_the_national_day_holiday_is_the_last_working_day_before_it() -> None:
    # 10-01..10-07 off; Wed 09-30 is the last working day.
    assert breach_cutoff(CAL, date(2026, 10, 5)) == date(2026, 9, 30)


def test_roster_push_reaching_medical_security_late_is_a_breach() -> None:
    # Adjusted (动态调整时间) Mon 2026-11-16, 5 working days: Tue 17=1, Wed 18=2, Thu 19=3, Fri 20=4, Mon 23=5.
    on_time = check_push(CAL, date(2026, 11, 16), date(2026, 11, 23), 5)
    assert (on_time.due.due, on_time.breached, on_time.working_days_late) == (date(2026, 11, 23), False, 0)
    # Reached 医保 Wed 11-25: Tue 24, Wed 25 → 2 working days late.
    late = check_push(CAL, date(2026, 11, 16), date(2026, 11, 25), 5)
    assert (late.breached, late.working_days_late) == (True, 2)


def test_calendar_day_report_deadlines() -> None:
    # 附件1 by the 10th of each month; 附件2 for a quarter by the 20th of the next quarter's first month.
    assert monthly_due(2026, 12, 10) == date(2026, 12, 10)
    assert quarterly_due(2026, 3, 20) == date(2026, 10, 20)
    assert quarterly_due(2026, 4, 20) == date(2027, 1, 20)
    with pytest.raises(ValueError, match="quarter"):
        quarterly_due(2026, 5, 20)


def test_overdue_for_many_due_days_at_once_matches_one_by_one() -> None:
    # Due Fri 10-09 on Tue 10-13: Sat 10 (调休)=1, Mon 12=2, Tue 13=3; due Wed 09-30: 10-08, 10-09, 10-10, 10-12,
    # 10-13 = 5; due on or after today: 0.
    today = date(2026, 10, 13)
    dues = [date(2026, 10, 9), date(2026, 9, 30), date(2026, 10, 13), date(2026, 10, 20), date(2026, 10, 9)]
    assert working_days_overdue_by_due_day(CAL, dues, today) == {
        date(2026, 9, 30): 5,
        date(2026, 10, 9): 3,
        date(2026, 10, 13): 0,
        date(2026, 10, 20): 0,
    }
    many = [date(2026, 1, 1) + timedelta(days=n) for n in range(0, 300, 7)]
    assert working_days_overdue_by_due_day(CAL, many, today) == {d: working_days_overdue(CAL, d, today) for d in many}
