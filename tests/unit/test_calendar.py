"""Working-day arithmetic on the real 2026 schedule (checked against chinesecalendar 1.11).

2026 around National Day: Sun 09-20 make-up working day; Mid-autumn Fri 09-25 .. Sun 09-27 off;
National Day Thu 10-01 .. Wed 10-07 off; Sat 10-10 make-up working day.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from libs.common.calendar import Deadline, WorkingCalendar, YearSchedule, load_year_schedules

SHIPPED_FILE = Path(__file__).resolve().parents[2] / "deploy" / "holidays.yaml"

# Fictional 2027 schedule for tests only: New Year Fri 01-01 .. Sun 01-03 off, Sat 01-09 worked.
OPERATOR_2027 = """\
years:
  2027:
    holidays: [2027-01-01, 2027-01-02, 2027-01-03]
    workdays: [2027-01-09]
"""


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "holidays.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- 2026, chinesecalendar ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 20), True),  # Sunday, make-up working day
        (date(2026, 9, 25), False),  # Friday, Mid-autumn
        (date(2026, 10, 1), False),  # Thursday, National Day
        (date(2026, 10, 7), False),  # Wednesday, National Day
        (date(2026, 10, 10), True),  # Saturday, make-up working day
        (date(2026, 10, 11), False),  # ordinary Sunday
        (date(2026, 10, 12), True),  # ordinary Monday
    ],
)
def test_is_working_day_2026(cal: WorkingCalendar, day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working
    assert cal.knows_year(2026)


def test_five_days_across_mid_autumn_and_national_day(cal: WorkingCalendar) -> None:
    # Trigger Wed 09-23. Count: Thu 09-24 (1); Fri 09-25..Sun 09-27 off; Mon 09-28 (2),
    # Tue 09-29 (3), Wed 09-30 (4); Thu 10-01..Wed 10-07 off; Thu 10-08 (5).
    assert cal.add_working_days(date(2026, 9, 23), 5) == Deadline(date(2026, 10, 8), provisional=False)


def test_five_days_from_eve_of_national_day_counts_makeup_saturday(cal: WorkingCalendar) -> None:
    # Trigger Wed 09-30. Count: Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 make-up (3),
    # Sun 10-11 off, Mon 10-12 (4), Tue 10-13 (5).
    assert cal.add_working_days(date(2026, 9, 30), 5) == Deadline(date(2026, 10, 13), provisional=False)


def test_trigger_on_makeup_saturday_does_not_count_itself(cal: WorkingCalendar) -> None:
    # Trigger Sat 10-10 (a working day): counting starts the next working day, Mon 10-12.
    # Mon 10-12 (1), Tue 10-13 (2), Wed 10-14 (3), Thu 10-15 (4), Fri 10-16 (5).
    assert cal.add_working_days(date(2026, 10, 10), 5).due == date(2026, 10, 16)
    assert cal.next_working_day(date(2026, 10, 10)).due == date(2026, 10, 12)


def test_trigger_on_saturday_before_makeup_sunday(cal: WorkingCalendar) -> None:
    # Sat 09-19 is off; the next working day is the make-up Sunday 09-20.
    assert cal.next_working_day(date(2026, 9, 19)) == Deadline(date(2026, 9, 20), provisional=False)


def test_plain_weekend_skip(cal: WorkingCalendar) -> None:
    # Fri 2026-03-13, no holiday nearby: Sat/Sun skipped, Mon 03-16 (1) .. Fri 03-20 (5).
    assert cal.next_working_day(date(2026, 3, 13)).due == date(2026, 3, 16)
    assert cal.add_working_days(date(2026, 3, 13), 5).due == date(2026, 3, 20)


@pytest.mark.parametrize("n", [0, -1])
def test_n_below_one_rejected(cal: WorkingCalendar, n: int) -> None:
    with pytest.raises(ValueError, match="n must be >= 1"):
        cal.add_working_days(date(2026, 3, 13), n)


def test_working_days_between(cal: WorkingCalendar) -> None:
    # (09-30, 10-13]: 10-08, 10-09, 10-10, 10-12, 10-13.
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 13)) == 5
    # (09-24, 09-28]: only Mon 09-28.
    assert cal.working_days_between(date(2026, 9, 24), date(2026, 9, 28)) == 1
    assert cal.working_days_between(date(2026, 10, 13), date(2026, 10, 13)) == 0
    assert cal.working_days_between(date(2026, 10, 13), date(2026, 9, 30)) == 0


# --- years nobody knows ------------------------------------------------------------------------


def test_unknown_year_falls_back_to_monday_to_friday(cal: WorkingCalendar) -> None:
    assert not cal.knows_year(2027)
    # Fri 2027-01-08 -> Mon 2027-01-11 on plain Mon-Fri.
    assert cal.next_working_day(date(2027, 1, 8)) == Deadline(date(2027, 1, 11), provisional=True)
    # Fri 2027-01-01 is surely New Year's Day, but nobody has published it yet.
    assert cal.is_working_day(date(2027, 1, 1))


def test_deadline_crossing_into_unknown_year_is_provisional(cal: WorkingCalendar) -> None:
    # Wed 2026-12-30: Thu 12-31 (1), Fri 2027-01-01 (2, guessed), Mon 01-04 (3), Tue 01-05 (4),
    # Wed 01-06 (5).
    assert cal.add_working_days(date(2026, 12, 30), 5) == Deadline(date(2027, 1, 6), provisional=True)
    # Staying inside 2026 keeps it firm: Thu 12-31 (1).
    assert cal.next_working_day(date(2026, 12, 30)) == Deadline(date(2026, 12, 31), provisional=False)


@pytest.mark.parametrize("year", [2003, 2150])
def test_far_years_never_crash(cal: WorkingCalendar, year: int) -> None:
    deadline = cal.add_working_days(date(year, 6, 1), 10)
    assert deadline.provisional
    assert cal.working_days_between(date(year, 6, 1), deadline.due) == 10


# --- operator file -----------------------------------------------------------------------------


def test_operator_file_makes_2027_known(tmp_path: Path) -> None:
    cal = WorkingCalendar.from_file(write(tmp_path, OPERATOR_2027))
    assert cal.knows_year(2027)
    # Wed 2026-12-30: Thu 12-31 (1); Fri 01-01..Sun 01-03 off; Mon 01-04 (2), Tue 01-05 (3),
    # Wed 01-06 (4), Thu 01-07 (5).
    assert cal.add_working_days(date(2026, 12, 30), 5) == Deadline(date(2027, 1, 7), provisional=False)
    # Fri 01-08 -> the make-up Saturday 01-09.
    assert cal.next_working_day(date(2027, 1, 8)) == Deadline(date(2027, 1, 9), provisional=False)
    assert not cal.is_working_day(date(2027, 1, 1))


def test_operator_file_wins_over_chinesecalendar(tmp_path: Path) -> None:
    text = "years:\n  2026:\n    holidays: [2026-03-16]\n"
    cal = WorkingCalendar.from_file(write(tmp_path, text))
    assert not cal.is_working_day(date(2026, 3, 16))
    # The whole year is replaced: National Day is no longer known to be off.
    assert cal.is_working_day(date(2026, 10, 1))


def test_injected_schedule_without_file() -> None:
    cal = WorkingCalendar({2027: YearSchedule(holidays=frozenset({date(2027, 1, 1)}))})
    assert cal.next_working_day(date(2026, 12, 31)) == Deadline(date(2027, 1, 4), provisional=False)


def test_quoted_dates_and_empty_year_accepted(tmp_path: Path) -> None:
    text = "years:\n  2027:\n    holidays: ['2027-01-01']\n  2028:\n"
    schedules = load_year_schedules(write(tmp_path, text))
    assert schedules[2027].holidays == {date(2027, 1, 1)}
    assert schedules[2028] == YearSchedule()


def test_no_file_means_chinesecalendar_only(tmp_path: Path) -> None:
    for cal in (WorkingCalendar.from_file(None), WorkingCalendar.from_file(tmp_path / "absent.yaml")):
        assert cal.knows_year(2026)
        assert not cal.knows_year(2027)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("years:\n  2027:\n    holidays: [2026-10-01]\n", "2026-10-01 belong to another year"),
        (
            "years:\n  2027:\n    holidays: [2027-01-09]\n    workdays: [2027-01-09]\n",
            "2027-01-09 listed both as holiday and as workday",
        ),
        ("years:\n  2027:\n    workdays: [2027-01-08]\n", "fall on Monday–Friday"),
        ("years:\n  2027:\n    holiday: [2027-01-01]\n", "unknown keys"),
        ("years:\n  2027:\n    holidays: [2027-13-01]\n", "not a YYYY-MM-DD date"),
        ("years:\n  twenty:\n    holidays: []\n", "not a year"),
        ("years: [2027]\n", "'years' must map"),
        ("2027:\n  holidays: []\n", "single top-level key 'years'"),
    ],
)
def test_invalid_operator_file(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkingCalendar.from_file(write(tmp_path, text))


def test_injected_schedule_validated() -> None:
    with pytest.raises(ValueError, match="belong to another year"):
        WorkingCalendar({2027: YearSchedule(holidays=frozenset({date(2028, 1, 1)}))})


def test_shipped_file_loads() -> None:
    assert SHIPPED_FILE.exists()
    load_year_schedules(SHIPPED_FILE)
    cal = WorkingCalendar.from_file(SHIPPED_FILE)
    assert cal.add_working_days(date(2026, 9, 30), 5).due == date(2026, 10, 13)
