"""Tables as offices exchange them: XLSX or CSV, maybe a title row, a header row, then one row per person.

A ``Layout`` names a table's columns; the reader finds the header row, maps the office's spellings of the
headings to the canonical ones, and yields each data row with the row number Excel shows. XLSX is read with
calamine (Rust): about ten times faster than openpyxl's read-only mode here, which matters for a 100,000-row
county table; openpyxl writes the blank templates.
"""

from __future__ import annotations

import csv
import io
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from python_calamine import CalamineWorkbook

_HEADER_SEARCH_ROWS = 10


class FileProblem(ValueError):
    """The upload is not a readable table of the expected layout (wrong format, no header row, missing columns)."""


def _normal(text: object) -> str:
    return str(text or "").replace(" ", "").replace("(", "（").replace(")", "）").strip()


@dataclass(frozen=True)
class Layout:
    title: str
    sheet_name: str
    headers: tuple[str, ...]
    required: tuple[str, ...]
    key: str  # the heading that marks the header row
    widths: tuple[int, ...]
    synonyms: Mapping[str, str] = field(default_factory=dict)  # another spelling → canonical heading

    def canonical(self) -> dict[str, str]:
        found = {_normal(h): h for h in self.headers}
        found.update({_normal(other): heading for other, heading in self.synonyms.items()})
        return found


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number a person sees in Excel (1-based, title and header rows included)
    values: dict[str, object]  # canonical header → cell value


def items(rows: Iterable[SheetRow]) -> Iterator[tuple[int, Mapping[str, object]]]:
    """(row number, values) pairs, as the row checks take them."""
    return ((r.number, r.values) for r in rows)


def _rows_from(table: Iterator[Sequence[object]], layout: Layout) -> Iterator[SheetRow]:
    canonical = layout.canonical()
    columns: dict[int, str] | None = None
    for number, cells in enumerate(table, start=1):
        if columns is None:
            found = {i: canonical[_normal(c)] for i, c in enumerate(cells) if _normal(c) in canonical}
            if layout.key in found.values():
                missing = [h for h in layout.required if h not in found.values()]
                if missing:
                    raise FileProblem(f"row {number}: missing columns {', '.join(missing)} / 缺少列")
                columns = found
                key_at = next(i for i, h in found.items() if h == layout.key)
                headings, pick, width = list(found.values()), operator.itemgetter(*found), max(found) + 1
            elif number >= _HEADER_SEARCH_ROWS:
                break
            continue
        # A row with its key cell filled is not blank: the cell-by-cell test only for the others.
        key_cell = cells[key_at] if key_at < len(cells) else None
        if (key_cell is None or str(key_cell).strip() == "") and all(c is None or str(c).strip() == "" for c in cells):
            continue
        if len(cells) >= width:
            values = pick(cells)
            yield SheetRow(number, dict(zip(headings, values if len(headings) > 1 else (values,), strict=True)))
        else:  # a short row (CSV): the missing cells are empty
            yield SheetRow(number, {h: cells[i] if i < len(cells) else None for i, h in columns.items()})
    if columns is None:
        raise FileProblem(f"no header row with {layout.key} in the first {_HEADER_SEARCH_ROWS} rows / 未找到表头")


def _csv_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK unless told otherwise
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem("CSV is neither UTF-8 nor GB18030 / 无法识别的文件编码")


def read_rows(data: bytes, layout: Layout) -> Iterator[SheetRow]:
    """The data rows of an XLSX (detected by its zip signature) or CSV upload."""
    if data[:2] == b"PK":
        try:
            sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
            # skip_empty_area=False keeps leading empty rows, so row numbers match what Excel shows.
            table = sheet.to_python(skip_empty_area=False)
        except Exception as exc:  # calamine raises its own error kinds for a damaged file
            raise FileProblem(f"not a readable XLSX file: {exc} / 无法读取的Excel文件") from exc
        yield from _rows_from(iter(table), layout)
        return
    reader = csv.reader(io.StringIO(_csv_text(data)))
    yield from _rows_from(reader, layout)


def template(layout: Layout) -> bytes:
    """An empty table for offices to fill in: title row, header row."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = layout.sheet_name
    sheet.append([layout.title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(layout.headers))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(list(layout.headers))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for index, width in enumerate(layout.widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
