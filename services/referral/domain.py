"""Referral rules: who is asked, and by when. Pure: no framework, no I/O."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from libs.common.calendar import Deadline, WorkingCalendar

# Deadlines are counted in China's calendar days, whatever the server's clock zone.
CHINA = ZoneInfo("Asia/Shanghai")


def local_date(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def response_deadline(calendar: WorkingCalendar, opened_on: date, working_days: int) -> Deadline:
    """ "Within N working days" counts from the next working day after the referral was opened."""
    return calendar.add_working_days(opened_on, working_days)
