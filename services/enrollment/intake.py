"""Roster intake: rows of 附件3 (or JSON items) → roster changes, or a per-row report of what is wrong.

Every row is checked and all are taken in one transaction, so a file is taken whole, or (when the caller
asks) its good rows are taken and the bad ones returned; never half of it by accident (see ``uploads.take``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Annotated

from pydantic import BeforeValidator

from libs.common.agencies import Agency
from libs.common.categories import Category, parse_category
from libs.common.dates import parse_office_date
from libs.common.messaging.contracts.enrollment import ChangeType, RosterChangedV1
from libs.common.messaging.envelope import new_event_id
from libs.common.rules import RuleViolation
from services.enrollment.domain import AUTHORITY, NotAuthorised, check_authority
from services.enrollment.row_checks import (
    Column,
    Intake,
    RowError,
    check_row,
    id_number,
    office_date,
    optional_text,
    required_text,
)

__all__ = ["ChangeTypeField", "Intake", "OfficeDate", "RosterChecker", "RowError", "validate"]

_LABELS = {"新增": ChangeType.ADDED, "退出": ChangeType.EXITED}
_CODES = {t.value: t for t in ChangeType}


def change_type(value: object) -> ChangeType:
    """新增/退出 (surrounding blanks ignored), or the codes added/exited exactly as written."""
    if isinstance(value, str) and (found := _LABELS.get(value.strip()) or _CODES.get(value)) is not None:
        return found
    raise RuleViolation("enum", "Input should be 'added' or 'exited'")


OfficeDate = Annotated[date, BeforeValidator(parse_office_date)]
ChangeTypeField = Annotated[ChangeType, BeforeValidator(change_type)]  # 新增/退出 or added/exited

# One 附件3 row: JSON field name, the attachment's column heading, and the check.
COLUMNS = (
    Column("township", "乡（镇）", optional_text, required=False),
    Column("village", "行政村", optional_text, required=False),
    Column("name", "姓名", required_text),
    Column("id_number", "身份证号码", id_number),
    Column("change_type", "动态调整类型", change_type),
    Column("category", "人员类别", parse_category),
    Column("effective_date", "动态调整时间", office_date),
)


class RosterChecker:
    """Checks 附件3 rows (or JSON items) and turns the good ones into roster changes. Called piece by piece for a
    large file; a change repeated anywhere in the file is reported at its second row."""

    def __init__(
        self,
        *,
        agency: Agency,
        region_code: str,
        list_date: date,
        person_key: Callable[[str], str],
        by_alias: bool,
    ) -> None:
        """``by_alias`` reports columns by their 附件3 headings (files) or field names (JSON)."""
        self._agency = agency
        self._region_code = region_code
        self._list_date = list_date
        self._person_key = person_key
        self._by_alias = by_alias
        self._seen: dict[tuple[str, Category, ChangeType, date], int] = {}

    def check(self, items: Iterable[tuple[int, Mapping[str, object]]]) -> Intake[RosterChangedV1]:
        intake: Intake[RosterChangedV1] = Intake([], [])
        agency, by_alias, seen = self._agency, self._by_alias, self._seen
        allowed = AUTHORITY.get(agency, frozenset())
        for number, values in items:
            intake.received += 1
            row = check_row(number, values, COLUMNS, by_alias, intake.errors)
            if row is None:
                continue
            try:
                check_authority(agency, row["category"])
            except NotAuthorised as exc:
                column = "人员类别" if by_alias else "category"
                intake.errors.append(RowError(number, column, "category_authority", str(exc)))
                continue
            key = (row["id_number"], row["category"], row["change_type"], row["effective_date"])
            if key in seen:
                column = "身份证号码" if by_alias else "id_number"
                message = f"same change as row {seen[key]} / 与第{seen[key]}行重复"
                intake.errors.append(RowError(number, column, "duplicate_row", message))
                continue
            seen[key] = number
            assert row["category"] in allowed
            # Every field was checked above and has the contract's own type: no second validation.
            change = RosterChangedV1.trusted(
                change_id=new_event_id(),
                person_key=self._person_key(row["id_number"]),  # already validated and normalised
                region_code=self._region_code,
                list_date=self._list_date,
                agency=agency,
                **row,
            )
            intake.changes.append((number, change))
        return intake


def validate(
    items: Iterable[tuple[int, Mapping[str, object]]],
    *,
    agency: Agency,
    region_code: str,
    list_date: date,
    person_key: Callable[[str], str],
    by_alias: bool,
) -> Intake[RosterChangedV1]:
    """Check every row at once (see ``RosterChecker``)."""
    checker = RosterChecker(
        agency=agency, region_code=region_code, list_date=list_date, person_key=person_key, by_alias=by_alias
    )
    return checker.check(items)
