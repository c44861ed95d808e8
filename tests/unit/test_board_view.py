"""The deadline board's date arithmetic: buckets and working days overdue, over the real 2026 schedule."""

from __future__ import annotations

from datetime import date, timedelta

from libs.common.calendar import WorkingCalendar
from libs.common.deadline_rules import working_days_overdue_by_due_day
from services.referral.board_view import BoardDates, mask_name

CALENDAR = WorkingCalendar()  # chinesecalendar: 2026 has 中秋 on Fri 25 Sep, 调休 on Sun 20 Sep and Sat 10 Oct


def test_due_soon_ends_on_the_second_working_day_after_today() -> None:
    # Wed 30 Sep: 1–7 Oct are days off, so the 1st and 2nd working days after it are Thu 8 and Fri 9 Oct.
    assert BoardDates.on(CALENDAR, date(2026, 9, 30)) == BoardDates(
        date(2026, 9, 30), date(2026, 10, 9), overdue_before=date(2026, 9, 30)
    )
    # Fri 9 Oct: the next working day is the make-up Saturday 10 Oct, then Mon 12 Oct.
    assert BoardDates.on(CALENDAR, date(2026, 10, 9)).soon_until == date(2026, 10, 12)


def test_on_a_day_off_a_referral_due_on_the_last_working_day_is_not_yet_overdue() -> None:
    # Sun 4 Oct (National Day): the last working day was Wed 30 Sep. The overdue scan notes a deadline of 30 Sep
    # only on Thu 8 Oct, the next working day, so the board does not show it late before then; 29 Sep is late.
    assert BoardDates.on(CALENDAR, date(2026, 10, 4)).overdue_before == date(2026, 9, 30)
    # On a make-up Saturday (10 Oct) the day counts: a deadline of Fri 9 Oct is late that day.
    assert BoardDates.on(CALENDAR, date(2026, 10, 10)).overdue_before == date(2026, 10, 10)


def test_overdue_days_match_the_calendar_for_every_due_day_across_national_day() -> None:
    today = date(2026, 10, 12)
    # The board asks for all of its lines' due days at once (one calendar walk).
    dues = [today - timedelta(days=back) for back in range(0, 60)] + [date(2026, 10, 20), date(2026, 8, 31)]
    overdue = working_days_overdue_by_due_day(CALENDAR, dues, today)
    for due in dues:
        assert overdue[due] == CALENDAR.working_days_between(due, today), due
    # Worked examples: due Wed 30 Sep → Thu 8, Fri 9, Sat 10 (调休), Mon 12 Oct = 4 working days late.
    assert overdue[date(2026, 9, 30)] == 4
    # due Thu 24 Sep → Mon 28, Tue 29, Wed 30 Sep + the same 4 in October = 7 (Fri 25 Sep is 中秋).
    assert overdue[date(2026, 9, 24)] == 7
    assert overdue[today] == 0 and overdue[date(2026, 10, 20)] == 0  # due today or later: not late


def test_names_keep_only_the_surname_character() -> None:
    assert [mask_name(n) for n in ("王五", "欧阳娜娜", "李", "")] == ["王*", "欧***", "李", ""]
