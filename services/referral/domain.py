"""Referral rules: who is asked, by when they decide, and by when their decision must reach 医保.

Pure: no framework, no I/O.
"""

from __future__ import annotations

from datetime import date

from libs.common.calendar import Deadline, WorkingCalendar
from libs.common.clock import china_date as local_date
from libs.common.deadline_rules import PushCheck, check_push

__all__ = ["feedback_check", "local_date", "response_deadline"]


def response_deadline(calendar: WorkingCalendar, opened_on: date, working_days: int) -> Deadline:
    """ "Within N working days" counts from the next working day after the referral was opened."""
    return calendar.add_working_days(opened_on, working_days)


def feedback_check(
    calendar: WorkingCalendar, decided_on: date, answered_on: date, working_days: int | None
) -> PushCheck | None:
    """Whether the answer reached 医保 within the pack's feedback deadline after the decision (Shanxi: 并在5个工作日内
    向县级医保部门推送信息, counted from the next working day after ``decided_on``); None when the pack sets none."""
    if working_days is None:
        return None
    return check_push(calendar, decided_on, answered_on, working_days)
