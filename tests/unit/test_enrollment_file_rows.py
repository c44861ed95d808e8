"""The 参保登记 columns as offices type them: tiers, years and statuses in their usual spellings."""

from __future__ import annotations

from datetime import date

import pytest

from libs.common.messaging.contracts.enrollment import EnrollmentStatus
from libs.common.rules import RuleViolation
from services.enrollment.enrollment_file import EnrollmentChecker, status, tier, year


@pytest.mark.parametrize(("typed", "expected"), [("一档", 1), ("二档", 2), (" 2 ", 2), (1, 1), (2.0, 2), ("第一档", 1)])
def test_tiers(typed: object, expected: int) -> None:
    assert tier(typed) == expected


@pytest.mark.parametrize("typed", ["三档", 3, 1.5, None, ""])
def test_other_tiers_are_refused(typed: object) -> None:
    with pytest.raises(RuleViolation) as caught:
        tier(typed)
    assert caught.value.rule == "known_tier"


@pytest.mark.parametrize(("typed", "expected"), [(2026, 2026), ("2026", 2026), ("2026年", 2026), ("2026年度", 2026),
                                                 (2026.0, 2026)])  # fmt: skip
def test_years(typed: object, expected: int) -> None:
    assert year(typed) == expected


@pytest.mark.parametrize("typed", ["26", 1999, "二〇二六", None, "2026-01"])
def test_other_years_are_refused(typed: object) -> None:
    with pytest.raises(RuleViolation) as caught:
        year(typed)
    assert caught.value.rule == "year"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("已参保", EnrollmentStatus.ENROLLED), ("已缴费", EnrollmentStatus.PAID), ("断保", EnrollmentStatus.INTERRUPTED),
     ("中断", EnrollmentStatus.INTERRUPTED), (" 脱保 ", EnrollmentStatus.DROPPED), ("paid", EnrollmentStatus.PAID)],
)  # fmt: skip
def test_statuses(typed: object, expected: EnrollmentStatus) -> None:
    assert status(typed) == expected


def test_a_row_becomes_an_enrollment_change_for_the_uploads_county() -> None:
    checker = EnrollmentChecker(region_code="141123", person_key=lambda number: f"key-{number[-4:]}")
    values = {"姓名": " 张三 ", "身份证号码": "141123196005010128", "参保年度": 2026, "缴费档次": "二档",
              "参保状态": "已缴费", "变动日期": "2026年3月5日"}  # fmt: skip
    [(number, change)] = checker.check([(3, values)]).changes
    assert number == 3
    assert change.model_dump() == {
        "person_key": "key-0128", "id_number": "141123196005010128", "name": "张三", "region_code": "141123",
        "year": 2026, "tier": 2, "status": EnrollmentStatus.PAID, "effective_date": date(2026, 3, 5),
    }  # fmt: skip
