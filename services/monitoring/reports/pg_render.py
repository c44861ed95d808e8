"""On PostgreSQL the database renders 附件1's rows itself: CSV lines through COPY, sheet XML as one text per row.

For a million-row county list, turning rows into Python objects and back into text costs several times what the
database needs to read them; here PostgreSQL numbers, labels, masks and escapes in C and Python only passes the
text on. The SQLite path (the embedded default, small counties) renders in Python; the e2e tests read both back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import nullcontext
from functools import reduce
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.xlsx_stream import SheetXml
from services.monitoring.reports.attachment1 import category_label_table
from services.monitoring.tables import warning_entries

e = warning_entries.c
CHUNK = 10_000


def _cat(*parts: sa.ColumnElement[Any] | str) -> sa.ColumnElement[str]:
    """a || b || …: PostgreSQL's concatenation, whatever SQLAlchemy infers about the parts' types."""
    elements = [sa.literal(p, sa.Text) if isinstance(p, str) else p for p in parts]
    return reduce(lambda a, b: a.op("||", return_type=sa.Text)(b), elements)


def _masked(column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    # As libs.common.idcard.mask_id_number: 6 + 8 stars + 4 for 18 characters, else all but the last 4 masked.
    length = sa.func.length(column)
    return sa.case(
        (length == 18, _cat(sa.func.left(column, 6), "********", sa.func.right(column, 4))),
        (length <= 4, sa.func.repeat("*", length)),
        else_=_cat(sa.func.repeat("*", length - 4), sa.func.right(column, 4)),
    )


def _cells(full_id: bool) -> list[sa.ColumnElement[str]]:
    labels = category_label_table()
    label = sa.case(
        *((e.category == code, text) for code, text in labels.items() if code is not None), else_=labels[None]
    )
    return [
        sa.func.coalesce(e.township, ""),
        sa.func.coalesce(e.village, ""),
        e.name,
        e.id_number if full_id else _masked(e.id_number),
        label,
        e.risk_description,
    ]


def _order() -> tuple[sa.ColumnElement[object], ...]:
    return (e.settlement_date, e.flag_id)  # as warning_lists.ordered: served by the list index, no sort


def _sql(query: sa.Select[object]) -> str:
    return str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))  # type: ignore[no-untyped-call]


async def csv_lines(conn: AsyncConnection, where: sa.ColumnElement[bool], full_id: bool) -> AsyncIterator[bytes]:
    """The rows as CSV (PostgreSQL's CSV: quoted where needed, "" for a quote), numbered from 1."""
    seq = sa.func.row_number().over(order_by=_order())
    query = sa.select(seq, *_cells(full_id)).where(where).order_by(*_order())
    sql = _sql(query)
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=8)

    async def sink(data: bytes) -> None:
        await queue.put(bytes(data))  # waits while the client is slower than the database: memory stays bounded

    async def copy() -> None:
        try:
            await driver.copy_from_query(sql, output=sink, format="csv")  # COPY (…) TO STDOUT
        finally:
            await queue.put(None)

    task = asyncio.create_task(copy())
    try:
        while (data := await queue.get()) is not None:
            yield data
        await task
    finally:
        task.cancel()


_CONTROL = "".join(chr(c) for c in range(1, 32) if c not in (9, 10, 13))  # forbidden in XML 1.0
_NEEDS_ESCAPING = "[&<>" + "".join(f"\\x{c:02x}" for c in range(1, 32) if c not in (9, 10, 13)) + "]"


def _xml_text(value: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    # XML escaping with the forbidden control characters dropped (as libs.common.xlsx_stream does), only where a
    # value needs it: one regex test is a fraction of four rewrites of every cell of a million rows.
    clean = sa.func.translate(value, _CONTROL, "")
    escaped = sa.func.replace(sa.func.replace(sa.func.replace(clean, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")
    return sa.case((value.op("~")(_NEEDS_ESCAPING), escaped), else_=value)


async def sheet_rows(
    conn: AsyncConnection, where: sa.ColumnElement[bool], full_id: bool, first_row: int
) -> AsyncIterator[SheetXml]:
    """The rows as sheet XML (<row>…</row>, the same markup as XlsxStream.append), in chunks of (xml, rows)."""
    seq = sa.func.row_number().over(order_by=_order())
    parts: list[sa.ColumnElement[Any] | str] = ['<row r="', sa.cast(seq + (first_row - 1), sa.Text), '"><c><v>']
    parts += [sa.cast(seq, sa.Text), "</v></c>"]
    township, village, name, id_number, label, description = _cells(full_id)
    # ID numbers (digits, X, *) and the labels (ours) never need escaping; the free text may.
    for cell in (_xml_text(township), _xml_text(village), _xml_text(name), id_number, label, _xml_text(description)):
        parts += ['<c t="inlineStr"><is><t>', cell, "</t></is></c>"]
    # As UTF-8 bytes (bytea): the text goes straight into the zip without a decode and re-encode in Python.
    utf8 = sa.func.convert_to(_cat(*parts, "</row>"), "UTF8")
    query = sa.select(utf8).where(where).order_by(*_order())
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    async with nullcontext() if driver.is_in_transaction() else driver.transaction(readonly=True):
        cursor = await driver.cursor(_sql(query))
        while rows := await cursor.fetch(CHUNK):
            yield SheetXml(b"".join([r[0] for r in rows]), len(rows))
