"""附件3 (困难人口动态调整名单) as offices exchange it: XLSX or CSV, a title row, then the eight columns.

XLSX is read with calamine (Rust): about ten times faster than openpyxl's read-only mode here, which matters
for a 100,000-row county roster; openpyxl still writes the template and the ledgers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from python_calamine import CalamineWorkbook

TITLE = "困难人口动态调整名单"
HEADERS = ("序号", "乡（镇）", "行政村", "姓名", "身份证号码", "动态调整类型", "人员类别", "动态调整时间")
REQUIRED = ("姓名", "身份证号码", "动态调整类型", "人员类别", "动态调整时间")
_HEADER_SEARCH_ROWS = 10


class FileProblem(ValueError):
    """The upload is not a readable 附件3 table (wrong format, no header row, missing columns)."""


def _normal(text: object) -> str:
    return str(text or "").replace(" ", "").replace("(", "（").replace(")", "）").strip()


_CANONICAL = {_normal(h): h for h in HEADERS}


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number a person sees in Excel (1-based, title and header rows included)
    values: dict[str, object]  # canonical header → cell value


def _rows_from(table: Iterator[tuple[object, ...]]) -> Iterator[SheetRow]:
    columns: dict[int, str] | None = None
    for number, cells in enumerate(table, start=1):
        if columns is None:
            found = {i: _CANONICAL[_normal(c)] for i, c in enumerate(cells) if _normal(c) in _CANONICAL}
            if "身份证号码" in found.values():
                missing = [h for h in REQUIRED if h not in found.values()]
                if missing:
                    raise FileProblem(f"row {number}: missing columns {', '.join(missing)} / 缺少列")
                columns = found
            elif number >= _HEADER_SEARCH_ROWS:
                break
            continue
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        yield SheetRow(number, {h: cells[i] if i < len(cells) else None for i, h in columns.items()})
    if columns is None:
        raise FileProblem(f"no header row with 身份证号码 in the first {_HEADER_SEARCH_ROWS} rows / 未找到表头")


def _csv_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK unless told otherwise
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem("CSV is neither UTF-8 nor GB18030 / 无法识别的文件编码")


def read_rows(data: bytes) -> Iterator[SheetRow]:
    """The data rows of an XLSX (detected by its zip signature) or CSV upload."""
    if data[:2] == b"PK":
        try:
            sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
            # skip_empty_area=False keeps leading empty rows, so row numbers match what Excel shows.
            table = sheet.to_python(skip_empty_area=False)
        except Exception as exc:  # calamine raises its own error kinds for a damaged file
            raise FileProblem(f"not a readable XLSX file: {exc} / 无法读取的Excel文件") from exc
        yield from _rows_from(tuple(r) for r in table)
        return
    reader = csv.reader(io.StringIO(_csv_text(data)))
    yield from _rows_from(tuple(r) for r in reader)


def template() -> bytes:
    """An empty 附件3 for offices to fill in."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "附件3"
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(list(HEADERS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGH", (6, 12, 12, 10, 22, 14, 18, 14), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
