"""The shared deadline store and its breach query, on SQLite and PostgreSQL: each breach is noted exactly once,
answered deadlines never, and two scanners at once (PostgreSQL) split the breaches without overlap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from libs.common.db import create_engine
from libs.common.deadlines import deadline_table, note_breaches, store_key
from tests import backends

pytestmark = pytest.mark.integration

metadata = sa.MetaData()
tracked = deadline_table(metadata, "tracked_deadlines")
CUTOFF = date(2026, 10, 12)


@pytest.fixture
async def engine(database_url_template: str) -> AsyncIterator[AsyncEngine]:
    e = create_engine(database_url_template.replace("{service}", "test"))
    async with e.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield e
    await e.dispose()


def row(n: int, due: date, closed: date | None = None) -> dict[str, object]:
    return {
        "deadline_id": store_key("monthly_list", f"S{n:03d}"),
        "kind": "monthly_list",
        "subject_id": f"S{n:03d}",
        "region_code": "141123",
        "opened_on": date(2026, 9, 1),
        "due_on": due,
        "due_provisional": False,
        "closed_on": closed,
        "breach_noted_on": None,
    }


async def test_each_breach_is_noted_once_and_answered_ones_never(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            tracked.insert(),
            [
                row(1, date(2026, 10, 9)),  # due before the cutoff, open: breached
                row(2, date(2026, 10, 9), closed=date(2026, 10, 9)),  # met on its due day
                row(3, date(2026, 10, 12)),  # due on the cutoff day itself: not yet
                row(4, date(2026, 9, 30)),  # breached
                row(5, date(2026, 9, 30), closed=date(2026, 10, 12)),  # met late: closed, never noted by the scan
            ],
        )
    async with engine.begin() as conn:
        first = await note_breaches(conn, tracked, CUTOFF, CUTOFF, returning=("region_code", "due_on"))
    assert sorted((r.deadline_id, r.region_code, r.due_on) for r in first) == [
        ("monthly_list:S001", "141123", date(2026, 10, 9)),
        ("monthly_list:S004", "141123", date(2026, 9, 30)),
    ]
    async with engine.begin() as conn:
        assert await note_breaches(conn, tracked, date(2026, 10, 13), date(2026, 10, 13)) != []  # S003 only now
        assert await note_breaches(conn, tracked, date(2026, 10, 13), date(2026, 10, 13)) == []
    async with engine.connect() as conn:
        noted = dict((await conn.execute(sa.select(tracked.c.subject_id, tracked.c.breach_noted_on))).all())
    assert noted == {"S001": CUTOFF, "S002": None, "S003": date(2026, 10, 13), "S004": CUTOFF, "S005": None}


async def test_a_rolled_back_scan_notes_nothing(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(tracked.insert(), [row(1, date(2026, 10, 9))])
    async with engine.connect() as conn, conn.begin() as tx:
        assert len(await note_breaches(conn, tracked, CUTOFF, CUTOFF)) == 1
        await tx.rollback()  # e.g. the outbox write failed: the breach must be found again
    async with engine.begin() as conn:
        assert len(await note_breaches(conn, tracked, CUTOFF, CUTOFF)) == 1


async def test_batches_take_the_oldest_first(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(tracked.insert(), [row(n, date(2026, 9, n)) for n in range(1, 11)])
    async with engine.begin() as conn:
        batch = await note_breaches(conn, tracked, CUTOFF, CUTOFF, limit=4)
    assert sorted(r.deadline_id for r in batch) == [f"monthly_list:S00{n}" for n in (1, 2, 3, 4)]


@pytest.fixture
async def pg_engine(pg_admin_url: str) -> AsyncIterator[AsyncEngine]:
    """PostgreSQL only: SQLite has one writer at a time (BEGIN IMMEDIATE), so scanners cannot overlap there."""
    name = backends.unique("sn_scan_")
    with backends.postgres_databases(pg_admin_url, [name]):
        e = create_engine(backends.database_url(pg_admin_url, name))
        async with e.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield e
        await e.dispose()


async def test_two_scanners_at_once_split_the_breaches(pg_engine: AsyncEngine) -> None:
    engine = pg_engine
    async with engine.begin() as conn:
        await conn.execute(tracked.insert(), [row(n, date(2026, 9, 1 + n % 28)) for n in range(200)])

    async def scanner() -> list[str]:
        found: list[str] = []
        while True:
            async with engine.begin() as conn:
                batch = await note_breaches(conn, tracked, CUTOFF, CUTOFF, limit=10)
                await asyncio.sleep(0.01)  # hold the row locks a moment, as publishing to the outbox would
            found += [str(r.deadline_id) for r in batch]
            if not batch:
                return found

    a, b = await asyncio.gather(scanner(), scanner())
    assert not set(a) & set(b)
    assert len(a) + len(b) == 200
