"""Taking a table of rows (an office's file or a JSON batch) in one transaction: checked piece by piece in a
worker thread while the previous piece is written, with a per-row report, whole or (``partial``) good rows only.

A file with a bad row is refused whole: writing stops at the first bad row, the rest is still checked so the
report names every bad row, and the transaction rolls back, so nothing is half-written. Overlapping the checks
with the writes lets PostgreSQL work on the other core while Python parses the next piece.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import TypeVar

from fastapi import UploadFile
from pydantic import BaseModel, Field

from libs.common import regions
from libs.common.auth import Principal, require_region
from libs.common.gc_pause import collector_paused
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.problems import Problem
from services.enrollment.row_checks import Intake, RowError
from services.enrollment.sheets import FileProblem

T = TypeVar("T")
X = TypeVar("X")
MAX_UPLOAD = 50 * 1024 * 1024  # a 100,000-row 附件3 is about 5 MB
PIECE_ROWS = 10_000  # rows checked per step; a 100,000-row file is written while its later rows are checked
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RowErrorOut(BaseModel):
    row: int = Field(description="row number as shown in Excel (files) or 1-based item number (JSON)")
    column: str | None
    rule: str
    message: str


@dataclass
class Taken:
    """What a table came to: rows looked at, rows that passed, how many of those were new, and the errors."""

    received: int = 0
    passed: int = 0
    new: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.errors})

    def error_items(self) -> list[RowErrorOut]:
        return [RowErrorOut(**e.__dict__) for e in self.errors]


def county(principal: Principal, region_code: str | None) -> str:
    """The county a table is for: the one asked for (within the caller's region), else the caller's own county."""
    if region_code is not None:
        require_region(principal, region_code)
        return region_code
    if regions.specificity(principal.region_code) == 6:
        return principal.region_code
    raise Problem(
        422, "validation", "Request is not valid / 请求数据有误",
        "region_code is required for a city- or province-level token / 请指定县级行政区划代码",
        errors=[{"field": "region_code", "rule": "county_required", "message": "required"}],
    )  # fmt: skip


async def read_upload(file: UploadFile) -> bytes:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise Problem(413, "too-large", "File too large / 文件过大", f"at most {MAX_UPLOAD // 1024 // 1024} MB")
    return data


def pieces(
    items: Iterable[X], check: Callable[[list[X]], Intake[T]], size: int | None = None
) -> Callable[[], Intake[T] | None]:
    """A function giving the next piece of ``items`` checked, or None when there are no more."""
    iterator: Iterator[X] = iter(items)
    size = size or PIECE_ROWS

    def next_piece() -> Intake[T] | None:
        try:
            chunk = list(islice(iterator, size))
        except FileProblem as exc:  # the file reader finds a missing header only when first asked for rows
            raise Problem(
                422, "unreadable-file", "File does not have the expected layout / 文件格式不符", str(exc)
            ) from exc
        return check(chunk) if chunk else None

    return next_piece


async def take(
    uow: UnitOfWork,
    next_piece: Callable[[], Intake[T] | None],
    write: Callable[[Sequence[T]], Awaitable[int]],
    *,
    partial: bool,
    kind: str,
    what: str,
) -> Taken:
    """Check every piece and write its good rows while the table is still acceptable; then commit, or raise the
    per-row 422 (``kind``-rows-invalid, ``what`` naming the table in Chinese) and let the unit of work roll back."""
    # The garbage collector would walk the table's live rows and events a dozen times for nothing (gc_pause.py).
    with collector_paused():
        taken = await _take_pieces(next_piece, write, partial)
    if taken.errors and not partial:
        raise Problem(
            422, f"{kind}-rows-invalid", f"Rows are not valid; nothing was recorded / {what}有误, 未导入",
            f"{taken.rejected_rows} of {taken.received} rows have errors; fix them or send with partial=true",
            errors=[{"row": e.row, "field": e.column, "rule": e.rule, "message": e.message} for e in taken.errors],
        )  # fmt: skip
    await uow.commit()
    return taken


async def _take_pieces(
    next_piece: Callable[[], Intake[T] | None], write: Callable[[Sequence[T]], Awaitable[int]], partial: bool
) -> Taken:
    taken = Taken()
    # The next piece is parsed and checked in a thread while this one is written.
    pending = asyncio.ensure_future(asyncio.to_thread(next_piece))
    try:
        while (piece := await pending) is not None:
            pending = asyncio.ensure_future(asyncio.to_thread(next_piece))
            taken.received += piece.received
            taken.passed += len(piece.changes)
            taken.errors.extend(piece.errors)
            if taken.errors and not partial:
                continue  # refused: nothing more is written, the rest is only checked for the report
            taken.new += await write([change for _, change in piece.changes])
    finally:
        pending.cancel()  # after a failed write: the thread finishes its piece, and nobody asks for another
    return taken
