"""附件1 in the database: which warnings are on a county's list of a month, and issuing (freezing) that list.

A warning is on the list of the month it is dated in (the settlement date of the claim that crossed the line),
unless that list was already issued when the warning arrived: then it goes to the next list not yet issued.
Issuing stamps the month on every row of the draft in one statement, so the issued list never changes again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.monitoring.reports.periods import Month, draft_window_start, is_late
from services.monitoring.tables import warning_entries, warning_lists

e = warning_entries.c
ENTRY_COLUMNS = (e.flag_id, e.township, e.village, e.name, e.id_number, e.category, e.risk_description)


@dataclass(frozen=True)
class Issued:
    rows: int
    issued_on: date
    issued_by: str
    due_on: date | None
    late: bool | None


async def issued_months(conn: AsyncConnection, county: str) -> set[Month]:
    rows = await conn.execute(sa.select(warning_lists.c.month).where(warning_lists.c.region_code == county))
    return {Month.parse(r.month) for r in rows}


async def issued(conn: AsyncConnection, county: str, month: Month) -> Issued | None:
    w = warning_lists.c
    row = (
        await conn.execute(
            sa.select(w.rows, w.issued_on, w.issued_by, w.due_on, w.late).where(
                w.region_code == county, w.month == str(month)
            )
        )
    ).first()
    return Issued(**row._mapping) if row else None


def membership(county: str, month: Month, issued: set[Month]) -> sa.ColumnElement[bool]:
    """Which entries are on the county's list of ``month``: the frozen rows once issued, else the draft."""
    if month in issued:
        return sa.and_(e.region_code == county, e.list_month == str(month))
    start = draft_window_start(month, issued)
    return sa.and_(
        e.region_code == county,
        e.list_month.is_(None),
        e.settlement_date >= start.first_day,
        e.settlement_date <= month.last_day,
    )


def ordered(where: sa.ColumnElement[bool]) -> sa.Select[str, str | None, str | None, str, str, str | None, str]:
    # By date, then flag id (a total order, so an issued list is numbered (序号) the same on every reading). The
    # index (county, list month, date, flag id) hands the rows over in this order: no sort of a million rows.
    # Offices that want them by township sort the sheet; the list itself follows the dates of the warnings.
    return sa.select(*ENTRY_COLUMNS).where(where).order_by(e.settlement_date, e.flag_id)


async def stream(
    conn: AsyncConnection, query: sa.Select[*tuple[Any, ...]], chunk: int
) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """The query's rows in chunks through a server-side cursor. On PostgreSQL straight from asyncpg's cursor: for a
    million-row list, SQLAlchemy's row objects would cost as much as the database does."""
    if conn.dialect.name != "postgresql":
        result = await conn.stream(query.execution_options(yield_per=chunk))
        async for part in result.partitions(chunk):
            yield part
        return
    compiled = query.compile(dialect=conn.dialect)
    params = [compiled.params[name] for name in compiled.positiontup or ()]
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    # A cursor lives in a transaction: the connection's own if SQLAlchemy has begun one, else a read-only one.
    async with nullcontext() if driver.is_in_transaction() else driver.transaction(readonly=True):
        cursor = await driver.cursor(compiled.string, *params)
        while rows := await cursor.fetch(chunk):
            yield rows


async def count(conn: AsyncConnection, where: sa.ColumnElement[bool]) -> int:
    return int(await conn.scalar(sa.select(sa.func.count()).select_from(warning_entries).where(where)) or 0)


async def issue(
    conn: AsyncConnection, county: str, month: Month, by: str, today: date, due_on: date | None
) -> tuple[Issued, bool]:
    """Freeze the draft of ``month`` as the issued list; (list, True) the first time, (the first list, False) after.

    Runs in the caller's transaction. The list row is written first: a second issuer at the same moment waits on
    its primary key and then finds the list issued, so the rows are stamped once.
    """
    issued_before = await issued_months(conn, county)
    if month in issued_before:
        existing = await issued(conn, county, month)
        assert existing is not None
        return existing, False
    try:
        async with conn.begin_nested():
            await conn.execute(
                warning_lists.insert().values(
                    region_code=county,
                    month=str(month),
                    rows=0,
                    issued_on=today,
                    issued_by=by,
                    due_on=due_on,
                    late=is_late(today, due_on),
                )
            )
    except IntegrityError:
        existing = await issued(conn, county, month)
        assert existing is not None
        return existing, False
    stamped = await conn.execute(
        warning_entries.update().where(membership(county, month, issued_before)).values(list_month=str(month))
    )
    rows = stamped.rowcount
    w = warning_lists.c
    await conn.execute(warning_lists.update().where(w.region_code == county, w.month == str(month)).values(rows=rows))
    return Issued(rows, today, by, due_on, is_late(today, due_on)), True
