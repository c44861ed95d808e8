"""Referral deadlines as the seeds give them: a decision deadline (none in any seed) and Shanxi's feedback deadline of
5 working days after the agency's decision; the decision day an answer may give.

Dates on the 2026 schedule (chinesecalendar): 国庆节 Thu 10-01 – Wed 10-07 off, Sat 10-10 a make-up working day
(调休上班). Each count is written out by hand.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from libs.common.calendar import WorkingCalendar
from libs.common.policy import PolicyBook, load_book
from services.referral.domain import feedback_check
from services.referral.lifecycle import Refused, check_decided_on

CAL = WorkingCalendar.from_file(None)


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    return load_book(Path(__file__).parents[2] / "policies")


def test_shanxi_sets_a_feedback_deadline_and_no_decision_deadline(book: PolicyBook) -> None:
    rule = book.get("shanxi-2022").referral
    assert rule is not None
    # 在规定时间内将符合监测、救助条件的人员纳入相应的保障范围: 规定时间, no number.
    assert rule.decision_working_days.working_days is None
    assert "规定时间" in rule.decision_working_days.source
    # 并在5个工作日内向县级医保部门推送信息: 5 working days, after the inclusion.
    assert rule.feedback_working_days.working_days == 5
    assert "并在5个工作日内向县级医保部门推送信息" in rule.feedback_working_days.source


@pytest.mark.parametrize("pack_id", ["weihai-2023", "yuecheng-2022", "pengshui-2024"])
def test_the_other_seeds_set_no_referral_deadline(book: PolicyBook, pack_id: str) -> None:
    rule = book.get(pack_id).referral
    assert rule is not None
    assert (rule.decision_working_days.working_days, rule.feedback_working_days.working_days) == (None, None)
    assert rule.decision_working_days.source and rule.feedback_working_days.source


def test_feedback_on_the_fifth_working_day_after_the_decision_is_on_time() -> None:
    # Decided Wed 09-30. 10-01..07 off (国庆); Thu 10-08=1, Fri 10-09=2, Sat 10-10=3 (调休), Sun 11 off,
    # Mon 10-12=4, Tue 10-13=5: due Tue 10-13.
    check = feedback_check(CAL, date(2026, 9, 30), date(2026, 10, 13), 5)
    assert check is not None
    assert (check.due.due, check.working_days_late, check.breached) == (date(2026, 10, 13), 0, False)


def test_feedback_on_the_sixth_working_day_is_a_breach_of_one_day() -> None:
    # Wed 10-14 is the 6th working day after Wed 09-30 (see above): 1 working day late.
    check = feedback_check(CAL, date(2026, 9, 30), date(2026, 10, 14), 5)
    assert check is not None
    assert (check.working_days_late, check.breached) == (1, True)


def test_no_feedback_deadline_is_never_judged() -> None:
    assert feedback_check(CAL, date(2026, 9, 30), date(2026, 12, 31), None) is None


def test_the_decision_day_lies_between_the_opening_and_the_answer() -> None:
    opened, answered = date(2026, 9, 25), date(2026, 10, 13)
    check_decided_on(opened, opened, answered)  # decided the day it arrived
    check_decided_on(answered, opened, answered)  # decided the day it answers
    with pytest.raises(Refused) as after:
        check_decided_on(date(2026, 10, 14), opened, answered)
    assert (after.value.status, after.value.rule, after.value.field) == (422, "decided-by-answer", "decided_on")
    with pytest.raises(Refused) as before:
        check_decided_on(date(2026, 9, 24), opened, answered)
    assert (before.value.status, before.value.rule, before.value.field) == (422, "decided-after-opening", "decided_on")
