"""Dates as offices write them in spreadsheets: 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305."""

from __future__ import annotations

import re
from datetime import date, datetime

from libs.common.rules import RuleViolation

_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_office_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip() if value is not None else ""
    match = _YMD.match(text) or _COMPACT.match(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise RuleViolation("date_format", f"not a date: {text!r} (e.g. 2024-03-05 or 2024年3月5日) / 日期格式错误")
