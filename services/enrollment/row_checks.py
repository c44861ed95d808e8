"""Per-row checks of tabular input (an office's XLSX/CSV file, or the items of a JSON batch), in plain Python.

Each column is parsed by a small function that raises ``RuleViolation``; a row yields either its parsed values
or one ``RowError`` per bad column, named by its heading (files) or field name (JSON). The rule codes are those
the pydantic models used before ("missing", "string_type", "string_too_long", ...), so reports did not change;
a per-row ``model_validate`` was the largest single cost of a 100,000-row file. Pure: no framework, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from libs.common.dates import parse_office_date
from libs.common.idcard import validate_id_number
from libs.common.rules import RuleViolation

T = TypeVar("T")
MAX_TEXT = 100


@dataclass(frozen=True)
class RowError:
    row: int
    column: str | None
    rule: str
    message: str


@dataclass
class Intake(Generic[T]):
    """The rows that passed (with their row number) and the errors of those that did not."""

    changes: list[tuple[int, T]]
    errors: list[RowError]
    received: int = 0  # rows looked at

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.errors})


@dataclass(frozen=True)
class Column:
    field: str  # the name in JSON items and in the parsed row
    heading: str  # the heading in the office's table
    parse: Callable[[object], object]
    required: bool = True  # an optional column left out entirely reads as None


def check_row(
    number: int, values: Mapping[str, object], columns: Sequence[Column], by_alias: bool, errors: list[RowError]
) -> dict[str, Any] | None:
    """The parsed row, or None after appending an error per bad column (in column order) to ``errors``."""
    row: dict[str, Any] = {}
    ok = True
    for column in columns:
        key = column.heading if by_alias else column.field
        if key not in values:
            if column.required:
                errors.append(RowError(number, key, "missing", "Field required"))
                ok = False
            else:
                row[column.field] = None
            continue
        try:
            row[column.field] = column.parse(values[key])
        except RuleViolation as exc:
            errors.append(RowError(number, key, exc.rule, str(exc)))
            ok = False
    return row if ok else None


def text(value: object) -> str | None:
    """Cell text without surrounding blanks; None for an empty cell."""
    if value is None:
        return None
    stripped = (value if isinstance(value, str) else str(value)).strip()
    return stripped or None


def optional_text(value: object) -> str | None:
    stripped = text(value)
    if stripped is not None and len(stripped) > MAX_TEXT:
        raise RuleViolation("string_too_long", f"String should have at most {MAX_TEXT} characters")
    return stripped


def required_text(value: object) -> str:
    stripped = optional_text(value)
    if stripped is None:
        raise RuleViolation("string_type", "Input should be a valid string")
    return stripped


def id_number(value: object) -> str:
    if isinstance(value, int | float):
        # Excel keeps 15 significant digits of a number: the last digits of the ID are already gone.
        raise RuleViolation(
            "id_as_text",
            "ID number stored as a number has lost digits: format the column as text / 身份证号码列须为文本格式",
        )
    if value is None:
        raise RuleViolation("string_type", "Input should be a valid string")
    return validate_id_number(str(value).strip())


def office_date(value: object) -> date:
    return parse_office_date(value)
