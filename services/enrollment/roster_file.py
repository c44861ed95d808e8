"""附件3 (困难人口动态调整名单) as offices exchange it: XLSX or CSV, a title row, then the eight columns."""

from __future__ import annotations

from collections.abc import Iterator

from services.enrollment import sheets
from services.enrollment.sheets import FileProblem, SheetRow

__all__ = ["HEADERS", "LAYOUT", "REQUIRED", "TITLE", "FileProblem", "SheetRow", "read_rows", "template"]

TITLE = "困难人口动态调整名单"
HEADERS = ("序号", "乡（镇）", "行政村", "姓名", "身份证号码", "动态调整类型", "人员类别", "动态调整时间")
REQUIRED = ("姓名", "身份证号码", "动态调整类型", "人员类别", "动态调整时间")
LAYOUT = sheets.Layout(
    title=TITLE,
    sheet_name="附件3",
    headers=HEADERS,
    required=REQUIRED,
    key="身份证号码",
    widths=(6, 12, 12, 10, 22, 14, 18, 14),
)


def read_rows(data: bytes) -> Iterator[SheetRow]:
    return sheets.read_rows(data, LAYOUT)


def template() -> bytes:
    return sheets.template(LAYOUT)
