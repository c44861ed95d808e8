"""Build 附件3 (and other office) files for tests and benchmarks."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from openpyxl import Workbook

from libs.common.idcard import make_id_number
from services.enrollment.roster_file import HEADERS, TITLE


def rows(count: int, county: str = "141123", category: str = "低保对象") -> list[list[object]]:
    """Distinct valid rows: birth dates and sequence numbers vary so every ID number differs."""
    out: list[list[object]] = []
    for i in range(count):
        # 20,000 birth dates × sequence numbers: unique for up to 20 million rows.
        birth = date(1940, 1, 1) + timedelta(days=i % 20_000)
        id_number = make_id_number(county, birth, i // 20_000)
        out.append([i + 1, "蔚汾镇", f"村{i % 50}", f"居民{i}", id_number, "新增", category, "2026-03-05"])
    return out


def xlsx(body: Iterable[Sequence[object]], title: str = TITLE, headers: Sequence[str] = HEADERS) -> bytes:
    """A table as an office sends it: title row, header row, the rows (附件3 unless told otherwise)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append([title])
    sheet.append(list(headers))
    for row in body:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(body: Iterable[Sequence[object]], encoding: str = "gb18030") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([TITLE])
    writer.writerow(HEADERS)
    writer.writerows(body)
    return text.getvalue().encode(encoding)
