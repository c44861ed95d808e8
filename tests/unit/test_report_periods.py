"""Report periods, due dates and which month's draft a late warning joins (pure)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from libs.common.xlsx_stream import XlsxStream, column_letter
from services.monitoring.reports.attachment1 import category_label
from services.monitoring.reports.periods import Month, Quarter, draft_window_start, is_late


def test_the_monthly_list_is_due_on_the_10th_of_the_next_month_and_the_10th_itself_is_on_time() -> None:
    assert Month.parse("2026-12").due(10) == date(2027, 1, 10)
    assert is_late(date(2027, 1, 10), date(2027, 1, 10)) is False  # "10日前": on or before the 10th
    assert is_late(date(2027, 1, 11), date(2027, 1, 10)) is True
    assert is_late(date(2027, 1, 11), None) is None  # no pack sets a deadline: unknown, not "on time"


def test_the_quarterly_summary_is_due_on_the_20th_of_the_quarters_first_month() -> None:
    assert Quarter.parse("2026-Q4").due(20) == date(2027, 1, 20)
    assert Quarter.parse("2026-Q1").due(20) == date(2026, 4, 20)
    assert (Quarter.parse("2026-Q2").first_day, Quarter.parse("2026-Q2").last_day) == (
        date(2026, 4, 1),
        date(2026, 6, 30),
    )


def test_a_draft_takes_the_flags_of_the_issued_months_just_before_it() -> None:
    march, april, may = Month(2026, 3), Month(2026, 4), Month(2026, 5)
    assert draft_window_start(may, set()) == may
    # March and April issued: a warning dated in March that arrives now joins May's list.
    assert draft_window_start(may, {march, april}) == march
    # Only March issued: April is still open, so May keeps to its own month.
    assert draft_window_start(may, {march}) == may
    assert draft_window_start(Month(2027, 1), {Month(2026, 12)}) == Month(2026, 12)


def test_attachment1_uses_its_own_wording_for_categories() -> None:
    assert category_label("sudden_hardship") == "突发严重困难户"  # 附件1 note 2, not 突发严重困难人口
    assert category_label("dibao") == "低保对象"
    assert category_label(None) == "其他参保居民"


def test_the_streamed_workbook_reads_back_with_openpyxl(tmp_path: Path) -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27)] == ["A", "Z", "AA", "AB"]
    path = tmp_path / "t.xlsx"
    with XlsxStream(path, "表", (8, 20)) as sheet:
        sheet.append([["标题 <&>"]], bold=True)
        sheet.merge_row(2)
        sheet.append([[1, "a\x0bb"], [None, "第二行"]])
    book = load_workbook(io.BytesIO(path.read_bytes()))
    rows = [[c.value for c in row] for row in book["表"].iter_rows()]
    assert rows == [["标题 <&>", None], [1, "ab"], [None, "第二行"]]  # the control character is dropped
    assert [str(r) for r in book["表"].merged_cells.ranges] == ["A1:B1"]
