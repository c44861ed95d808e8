"""Durable deadlines: the columns any table needs to be tracked, a generic store table, and the breach query.

A tracked row has ``due_on`` (last allowed day), ``due_provisional`` (the holiday schedule of a counted year was
unknown), ``closed_on`` (the day the obligation was met or dropped; stops the clock) and ``breach_noted_on`` (the
day its breach was noted and published; set once). The scan is ONE statement that picks the breached, not yet
noted rows through a partial index on ``due_on`` and marks them, returning them, in the caller's transaction — so
the caller publishes one event per breach through the outbox in the same commit, and a crash or a restart in
between changes nothing: a row is noted exactly when its event is written. Which rows are breached on a day is
pure logic (``deadline_rules.breach_cutoff``); this module only applies a cutoff date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = [
    "PENDING_SQL",
    "claim_breaches",
    "deadline_columns",
    "deadline_table",
    "note_breaches",
    "pending_due_index",
    "store_key",
]

# Written as SQL text so the index predicate and the query predicate are the same words: PostgreSQL uses a partial
# index only when it can prove the query implies its WHERE, which IS NULL tests always allow.
PENDING_SQL = "closed_on IS NULL AND breach_noted_on IS NULL"


def deadline_columns(*, due_required: bool = True) -> list[sa.Column[Any]]:
    """The four columns of a tracked deadline, to put in any table (e.g. the referral service's referrals).

    ``due_required=False`` for rows that may have no deadline at all (a referral whose pack sets no decision
    deadline): a NULL ``due_on`` is never before a cutoff, so the breach scan passes such rows by."""
    return [
        sa.Column("due_on", sa.Date, nullable=not due_required),
        sa.Column("due_provisional", sa.Boolean, nullable=False),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("breach_noted_on", sa.Date, nullable=True),
    ]


def pending_due_index(table_name: str) -> sa.Index:
    """The partial index the breach scan reads: only rows still open and not yet noted, by due day. Small even when
    the table holds years of closed deadlines."""
    where = sa.text(PENDING_SQL)
    return sa.Index(f"ix_{table_name}_pending_due", "due_on", postgresql_where=where, sqlite_where=where)


def deadline_table(metadata: sa.MetaData, name: str) -> sa.Table:
    """A store for deadlines that live outside any other row: one row per obligation of a ``kind`` (e.g.
    "roster_push") about a ``subject_id`` (e.g. a roster change id) in a county, triggered on ``opened_on``.
    ``deadline_id`` is ``store_key(kind, subject_id)``: one key column lets the scan update by primary key."""
    return sa.Table(
        name,
        metadata,
        sa.Column("deadline_id", sa.String(120), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("opened_on", sa.Date, nullable=False),
        *deadline_columns(),
        pending_due_index(name),
        sa.Index(f"ix_{name}_region_due", "region_code", "due_on"),
    )


def store_key(kind: str, subject_id: str) -> str:
    return f"{kind}:{subject_id}"


def claim_breaches(
    table: sa.Table,
    cutoff: date,
    noted_on: date,
    *,
    limit: int = 1000,
    returning: Sequence[str] = (),
    dialect: str = "postgresql",
) -> sa.Update:
    """UPDATE … SET breach_noted_on = noted_on for up to ``limit`` pending rows due before ``cutoff``, RETURNING
    the primary key and ``returning`` columns. Concurrent scanners (two replicas) skip each other's rows."""
    [key] = table.primary_key.columns  # one-column keys only: what every tracked table here has
    t = table.c
    picked = (
        sa.select(key)
        .where(sa.text(PENDING_SQL), t.due_on < cutoff)
        .order_by(t.due_on)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if dialect == "postgresql":
        # key = ANY(ARRAY(subquery)): the picked keys become one array first, then each is found by the primary key.
        # With IN (subquery) the planner may hash-join against a scan of the whole table instead.
        match = key == sa.any_(sa.func.array(picked.scalar_subquery()))
    else:
        match = key.in_(picked.scalar_subquery())
    columns = [key, *(t[name] for name in returning if name != key.name)]
    return table.update().where(match).values(breach_noted_on=noted_on).returning(*columns)


async def note_breaches(
    conn: AsyncConnection,
    table: sa.Table,
    cutoff: date,
    noted_on: date,
    *,
    limit: int = 1000,
    returning: Sequence[str] = (),
) -> list[sa.Row[tuple[object, ...]]]:
    """Run ``claim_breaches`` in the caller's transaction; the caller publishes one event per row, then commits."""
    statement = claim_breaches(table, cutoff, noted_on, limit=limit, returning=returning, dialect=conn.dialect.name)
    result = await conn.execute(statement)
    return list(result.all())
