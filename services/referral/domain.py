"""Referral rules: who is asked, and by when. Pure: no framework, no I/O."""

from __future__ import annotations

from datetime import date

from libs.common.calendar import Deadline, WorkingCalendar
from libs.common.clock import china_date as local_date

__all__ = ["local_date", "response_deadline"]


def response_deadline(calendar: WorkingCalendar, opened_on: date, working_days: int) -> Deadline:
    """ "Within N working days" counts from the next working day after the referral was opened."""
    return calendar.add_working_days(opened_on, working_days)
