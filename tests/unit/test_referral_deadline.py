"""Referral deadlines on the real 2026 State Council schedule (chinesecalendar), and China's calendar date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from libs.common.calendar import Deadline, WorkingCalendar
from services.referral.domain import local_date, response_deadline


def calendar() -> WorkingCalendar:
    return WorkingCalendar.from_file(None)


def test_deadline_across_national_day_2026() -> None:
    # Opened Wed 2026-09-30; the opening day never counts.
    # Oct 1-7 National Day off; Oct 8 Thu=1, Oct 9 Fri=2, Oct 10 Sat make-up=3, Oct 11 Sun off,
    # Oct 12 Mon=4, Oct 13 Tue=5.
    assert response_deadline(calendar(), date(2026, 9, 30), 5) == Deadline(date(2026, 10, 13), provisional=False)


def test_deadline_across_an_ordinary_weekend() -> None:
    # Opened Mon 2026-11-23: Tue 24=1, Wed 25=2, Thu 26=3, Fri 27=4, Sat/Sun off, Mon 30=5.
    assert response_deadline(calendar(), date(2026, 11, 23), 5) == Deadline(date(2026, 11, 30), provisional=False)


def test_deadline_in_a_year_without_schedule_is_provisional() -> None:
    # chinesecalendar 1.11 knows 2004-2026; 2027 falls back to Monday-Friday.
    # Opened Mon 2027-03-01: Tue 2=1, Wed 3=2, Thu 4=3, Fri 5=4, Mon 8=5.
    assert response_deadline(calendar(), date(2027, 3, 1), 5) == Deadline(date(2027, 3, 8), provisional=True)


def test_deadline_reaching_into_unknown_year_is_provisional() -> None:
    # Opened Wed 2026-12-30: Thu 31=1 (2026), then 2027 by Mon-Fri: Fri 1=2, Mon 4=3, Tue 5=4, Wed 6=5.
    assert response_deadline(calendar(), date(2026, 12, 30), 5) == Deadline(date(2027, 1, 6), provisional=True)


def test_local_date_is_china_date() -> None:
    # 17:00 UTC + 8 h = 01:00 next day in Asia/Shanghai.
    assert local_date(datetime(2026, 9, 30, 17, 0, tzinfo=UTC)) == date(2026, 10, 1)
    assert local_date(datetime(2026, 9, 30, 15, 59, tzinfo=UTC)) == date(2026, 9, 30)  # 23:59 in China


def test_local_date_from_another_offset() -> None:
    # 2026-10-01 00:30 at UTC+9 (Tokyo) is 2026-09-30 23:30 in China.
    tokyo = timezone(timedelta(hours=9))
    assert local_date(datetime(2026, 10, 1, 0, 30, tzinfo=tokyo)) == date(2026, 9, 30)
