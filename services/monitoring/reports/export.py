"""A form (title, unit line, headings, rows, notes) as a streamed CSV or an XLSX file, for any size of table.

Rows arrive in chunks from a server-side cursor; the CSV is sent as they come, the XLSX is written chunk by chunk
to a temporary file (off the event loop) and then sent from disk: memory stays at one chunk either way.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from libs.common.xlsx_stream import Cell, SheetXml, XlsxStream

T = TypeVar("T")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Chunks = AsyncIterator[Sequence[Sequence[Cell]]]
# Rows as cells, or already rendered (by PostgreSQL: see reports/pg_render.py).
SheetChunks = AsyncIterator[Sequence[Sequence[Cell]] | SheetXml]


FIRST_DATA_ROW = 4  # after the title, the unit line and the headings


@dataclass(frozen=True)
class Form:
    sheet: str
    title: str
    unit_line: str
    headings: Sequence[str]
    widths: Sequence[int]
    notes: Sequence[str] = ()


async def prefetch(chunks: AsyncIterator[T], depth: int = 2) -> AsyncIterator[T]:
    """Fetch the next chunks while the current one is written: the database and the writer overlap."""
    queue: asyncio.Queue[T | None] = asyncio.Queue(maxsize=depth)

    async def fill() -> None:
        try:
            async for chunk in chunks:
                await queue.put(chunk)
        finally:
            await queue.put(None)

    task = asyncio.create_task(fill())
    try:
        while (chunk := await queue.get()) is not None:
            yield chunk
        await task  # re-raises what went wrong while fetching
    finally:
        task.cancel()


def _disposition(filename: str) -> dict[str, str]:
    quoted = filename.encode("utf-8").hex("%").upper()
    return {"Content-Disposition": f"attachment; filename*=UTF-8''%{quoted}"}


def _csv_text(rows: Sequence[Sequence[Cell]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)  # "\n" as PostgreSQL's COPY writes it
    return buffer.getvalue()


async def csv_encoded(chunks: Chunks) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        yield _csv_text(chunk).encode()


def csv_response(form: Form, lines: AsyncIterator[bytes], filename: str) -> StreamingResponse:
    """UTF-8 with a byte-order mark, which is what makes Excel on Windows read the Chinese correctly."""

    async def body() -> AsyncIterator[bytes]:
        yield ("\ufeff" + _csv_text([[form.title], [form.unit_line], list(form.headings)])).encode()
        async for data in prefetch(lines):
            yield data
        if form.notes:
            yield _csv_text([[note] for note in form.notes]).encode()

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers=_disposition(filename))


async def write_xlsx(form: Form, chunks: SheetChunks, path: Path) -> int:
    """Write the form to ``path``; returns the number of data rows."""
    columns = len(form.headings)
    sheet = XlsxStream(path, form.sheet, form.widths)
    try:
        sheet.append([[form.title]], bold=True)
        sheet.merge_row(columns)
        sheet.append([[form.unit_line]])
        sheet.merge_row(columns)
        sheet.append([list(form.headings)], bold=True)
        written = 0
        async for chunk in prefetch(chunks):
            if isinstance(chunk, SheetXml):
                await asyncio.to_thread(sheet.append_xml, chunk)  # zlib lets go of the GIL while it compresses
                written += chunk.rows
            else:
                await asyncio.to_thread(sheet.append, chunk)
                written += len(chunk)
        for note in form.notes:
            sheet.append([[note]])
            sheet.merge_row(columns)
    finally:
        await asyncio.to_thread(sheet.close)
    return written


async def xlsx_response(form: Form, chunks: SheetChunks, filename: str) -> FileResponse:
    handle, name = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    path = Path(name)
    try:
        await write_xlsx(form, chunks, path)
    except BaseException:
        await asyncio.to_thread(path.unlink, missing_ok=True)
        raise
    return FileResponse(
        path, media_type=XLSX, headers=_disposition(filename), background=BackgroundTask(path.unlink, missing_ok=True)
    )
