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

from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from libs.common.xlsx_stream import Cell, XlsxStream

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Chunks = AsyncIterator[Sequence[Sequence[Cell]]]


@dataclass(frozen=True)
class Form:
    sheet: str
    title: str
    unit_line: str
    headings: Sequence[str]
    widths: Sequence[int]
    notes: Sequence[str] = ()


def _disposition(filename: str) -> dict[str, str]:
    quoted = filename.encode("utf-8").hex("%").upper()
    return {"Content-Disposition": f"attachment; filename*=UTF-8''%{quoted}"}


def _csv_text(rows: Sequence[Sequence[Cell]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def csv_response(form: Form, chunks: Chunks, filename: str) -> StreamingResponse:
    """UTF-8 with a byte-order mark, which is what makes Excel on Windows read the Chinese correctly."""

    async def body() -> AsyncIterator[bytes]:
        yield ("\ufeff" + _csv_text([[form.title], [form.unit_line], list(form.headings)])).encode()
        async for chunk in chunks:
            yield _csv_text(chunk).encode()
        if form.notes:
            yield _csv_text([[note] for note in form.notes]).encode()

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers=_disposition(filename))


async def write_xlsx(form: Form, chunks: Chunks, path: Path) -> int:
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
        async for chunk in chunks:
            await asyncio.to_thread(sheet.append, chunk)
            written += len(chunk)
        for note in form.notes:
            sheet.append([[note]])
            sheet.merge_row(columns)
    finally:
        await asyncio.to_thread(sheet.close)
    return written


async def xlsx_response(form: Form, chunks: Chunks, filename: str) -> FileResponse:
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
