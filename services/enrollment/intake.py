"""Roster intake: rows of 附件3 (or JSON items) → roster changes, or a per-row report of what is wrong.

All rows are checked before anything is written, so a file is taken whole, or (when the caller asks) its
good rows are taken and the bad ones returned; never half of it by accident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from libs.common.agencies import Agency
from libs.common.categories import CategoryField
from libs.common.dates import parse_office_date
from libs.common.idcard import IdNumber
from libs.common.messaging.contracts.enrollment import ChangeType, RosterChangedV1
from libs.common.messaging.envelope import new_event_id
from libs.common.rules import RuleViolation
from services.enrollment.domain import AUTHORITY, NotAuthorised, check_authority
from services.enrollment.roster_file import SheetRow

_CHANGE_TYPES = {"新增": ChangeType.ADDED, "退出": ChangeType.EXITED}


def _change_type(value: object) -> object:
    return _CHANGE_TYPES.get(value.strip(), value) if isinstance(value, str) else value


def _text(value: object) -> object:
    return None if value is None or str(value).strip() == "" else str(value).strip()


def _id_text(value: object) -> object:
    if isinstance(value, int | float):
        # Excel keeps 15 significant digits of a number: the last digits of the ID are already gone.
        raise RuleViolation(
            "id_as_text",
            "ID number stored as a number has lost digits: format the column as text / 身份证号码列须为文本格式",
        )
    return str(value).strip() if value is not None else value


Text = Annotated[str | None, BeforeValidator(_text)]
OfficeDate = Annotated[date, BeforeValidator(parse_office_date)]
ChangeTypeField = Annotated[ChangeType, BeforeValidator(_change_type)]  # 新增/退出 or added/exited


class RosterRow(BaseModel):
    """One 附件3 row, validated; field aliases are the attachment's column headings."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    township: Text = Field(default=None, alias="乡（镇）", max_length=100)
    village: Text = Field(default=None, alias="行政村", max_length=100)
    name: Annotated[str, BeforeValidator(_text)] = Field(alias="姓名", min_length=1, max_length=100)
    id_number: Annotated[IdNumber, BeforeValidator(_id_text)] = Field(alias="身份证号码")
    change_type: ChangeTypeField = Field(alias="动态调整类型")
    category: CategoryField = Field(alias="人员类别")
    effective_date: OfficeDate = Field(alias="动态调整时间")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str | None
    rule: str
    message: str


@dataclass
class Intake:
    changes: list[tuple[int, RosterChangedV1]]
    errors: list[RowError]

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.errors})


_ALIAS = {name: field.alias or name for name, field in RosterRow.model_fields.items()}


def _errors(row: int, exc: ValidationError, by_alias: bool) -> list[RowError]:
    out = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else None
        column = _ALIAS.get(field, field) if by_alias and field else field
        rule = getattr((err.get("ctx") or {}).get("error"), "rule", None) or str(err["type"])
        message = str(err["msg"]).removeprefix("Value error, ")
        out.append(RowError(row, column, rule, message))
    return out


def validate(
    items: Iterable[tuple[int, dict[str, Any]]],
    *,
    agency: Agency,
    region_code: str,
    list_date: date,
    person_key: Callable[[str], str],
    by_alias: bool,
) -> Intake:
    """Check every row; ``by_alias`` reports columns by their 附件3 headings (files) or field names (JSON)."""
    intake = Intake([], [])
    seen: dict[tuple[str, str, str, date], int] = {}
    allowed = AUTHORITY.get(agency, frozenset())
    for number, values in items:
        try:
            row = RosterRow.model_validate(values, by_alias=by_alias, by_name=not by_alias)
        except ValidationError as exc:
            intake.errors.extend(_errors(number, exc, by_alias))
            continue
        try:
            check_authority(agency, row.category)
        except NotAuthorised as exc:
            column = "人员类别" if by_alias else "category"
            intake.errors.append(RowError(number, column, "category_authority", str(exc)))
            continue
        key = (row.id_number, row.category.value, row.change_type.value, row.effective_date)
        if key in seen:
            column = "身份证号码" if by_alias else "id_number"
            message = f"same change as row {seen[key]} / 与第{seen[key]}行重复"
            intake.errors.append(RowError(number, column, "duplicate_row", message))
            continue
        seen[key] = number
        assert row.category in allowed
        # Every field was validated by RosterRow above; constructing without re-validating halves the cost of
        # a 100,000-row file. (The contract's own types are the same as RosterRow's.)
        change = RosterChangedV1.model_construct(
            change_id=new_event_id(),
            person_key=person_key(row.id_number),  # row.id_number is already validated and normalised
            id_number=row.id_number,
            name=row.name,
            region_code=region_code,
            township=row.township,
            village=row.village,
            change_type=row.change_type,
            category=row.category,
            effective_date=row.effective_date,
            list_date=list_date,
            agency=agency,
        )
        intake.changes.append((number, change))
    return intake


def sheet_items(rows: Iterable[SheetRow]) -> Iterable[tuple[int, dict[str, Any]]]:
    return ((r.number, r.values) for r in rows)
