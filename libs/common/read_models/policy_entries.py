"""Every service's own copy of the operators' policy entries, learned from ``policy.changed``.

The assistance service's copy is the ledger the entries are made in; the others keep theirs so that a restart
layers the same entries over the YAML packs without asking anyone. Insert-only everywhere (the migrations make
the database refuse UPDATE and DELETE): a correction is a later entry.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from libs.common.blind_spot_watch import blind_spot_source, warn_blind_spots
from libs.common.db import UtcDateTime
from libs.common.messaging.consumer import Handler
from libs.common.messaging.contracts import Contract
from libs.common.messaging.contracts.assistance import PolicyChangedV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.policy.book import PolicyBook
from libs.common.policy.operated import EntryKind, PolicyEntry

if TYPE_CHECKING:
    from libs.common.runtime import ServiceRuntime

# What a service does beyond keeping an entry, in the same transaction (monitoring evaluates waiting claims).
AfterEntry = Callable[[UnitOfWork, PolicyEntry, Envelope], Awaitable[None]]


def policy_entries_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "policy_entries",
        metadata,
        sa.Column("entry_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("pack_id", sa.String(100), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("figure", sa.String(100), nullable=True),
        sa.Column("year", sa.Integer, nullable=True),
        sa.Column("value", sa.Numeric(14, 2, asdecimal=True), nullable=True),
        sa.Column("pack", sa.Text, nullable=True),  # the pack document as JSON, for kind "pack"
        sa.Column("path", sa.String(300), nullable=True),  # for kind "value": where in the pack
        sa.Column("setting", sa.String(40), nullable=True),  # for kind "value": "0.70", "unlimited"
        sa.Column("confirmed", sa.Boolean, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("entered_by", sa.String(200), nullable=False),
        sa.Column("entered_at", UtcDateTime(), nullable=False),
        sa.Index("ix_policy_entries_figure", "pack_id", "figure", "year", "entered_at"),
    )


def entry_of(event: PolicyChangedV1) -> PolicyEntry:
    return PolicyEntry(
        entry_id=event.entry_id,
        kind=event.kind,
        pack_id=event.pack_id,
        region_code=event.region_code,
        source=event.source,
        entered_by=event.entered_by,
        entered_at=event.entered_at,
        confirmed=event.confirmed,
        note=event.note,
        figure=event.figure,
        year=event.year,
        value=event.value,
        pack=event.pack,
        path=event.path,
        setting=event.setting,
    )


def event_of(entry: PolicyEntry) -> PolicyChangedV1:
    return PolicyChangedV1(
        entry_id=entry.entry_id,
        kind=entry.kind,
        pack_id=entry.pack_id,
        region_code=entry.region_code,
        figure=entry.figure,
        year=entry.year,
        value=entry.value,
        pack=entry.pack,
        path=entry.path,
        setting=entry.setting,
        confirmed=entry.confirmed,
        source=entry.source,
        note=entry.note,
        entered_by=entry.entered_by,
        entered_at=entry.entered_at,
    )


async def store_entry(conn: AsyncConnection, table: sa.Table, entry: PolicyEntry) -> bool:
    """Keep an entry unless it is kept already (a redelivery, or the ledger it was made in); True if new."""
    if await conn.scalar(sa.select(sa.func.count()).where(table.c.entry_id == entry.entry_id)):
        return False
    await conn.execute(
        table.insert().values(
            entry_id=entry.entry_id,
            kind=entry.kind.value,
            pack_id=entry.pack_id,
            region_code=entry.region_code,
            figure=entry.figure,
            year=entry.year,
            value=entry.value,
            pack=None if entry.pack is None else json.dumps(entry.pack, ensure_ascii=False),
            path=entry.path,
            setting=entry.setting,
            confirmed=entry.confirmed,
            source=entry.source,
            note=entry.note,
            entered_by=entry.entered_by,
            entered_at=entry.entered_at,
        )
    )
    return True


async def load_entries(conn: AsyncConnection, table: sa.Table) -> list[PolicyEntry]:
    rows = await conn.execute(sa.select(table).order_by(table.c.entered_at, table.c.entry_id))
    return [
        PolicyEntry(
            entry_id=r.entry_id,
            kind=EntryKind(r.kind),
            pack_id=r.pack_id,
            region_code=r.region_code,
            source=r.source,
            entered_by=r.entered_by,
            entered_at=r.entered_at,
            confirmed=r.confirmed,
            note=r.note,
            figure=r.figure,
            year=r.year,
            value=None if r.value is None else Decimal(r.value),
            pack=None if r.pack is None else json.loads(r.pack),
            path=r.path,
            setting=r.setting,
        )
        for r in rows
    ]


async def apply_stored_entries(engine: AsyncEngine, table: sa.Table, book: PolicyBook) -> int:
    """Layer the entries this service kept over its book (at start); returns how many there are."""
    async with engine.connect() as conn:
        entries = await load_entries(conn, table)
    book.apply(entries)
    return len(entries)


async def keep_entry(uow: UnitOfWork, table: sa.Table, book: PolicyBook, event: PolicyChangedV1) -> PolicyEntry:
    """The part of every service's ``policy.changed`` handler: keep the entry and layer it over the book.

    The book changes before the transaction commits; if it then fails, the event comes again and the entry is
    kept then (applying it twice changes nothing)."""
    entry = entry_of(event)
    await store_entry(uow.conn, table, entry)
    book.apply([entry])
    return entry


def live_policy(
    runtime: ServiceRuntime, book: PolicyBook, table: sa.Table, then: AfterEntry | None = None
) -> dict[type[Contract], Handler]:
    """Keep ``book`` current without a restart: the kept entries layered at start, each new one as it arrives;
    and its blind spots shown (a WARN each at start, ``safetynet_policy_blind_spots`` at /metrics). Returns the
    ``policy.changed`` handler for the service's handler table."""

    async def at_start() -> None:
        await apply_stored_entries(runtime.engine, table, book)
        warn_blind_spots(runtime.name, book)

    async def on_policy_changed(uow: UnitOfWork, event: PolicyChangedV1, envelope: Envelope) -> None:
        entry = await keep_entry(uow, table, book, event)
        if then is not None:
            await then(uow, entry, envelope)

    runtime.at_start(at_start)
    runtime.metrics.add_source("policy_blind_spots", blind_spot_source(book))
    return {PolicyChangedV1: on_policy_changed}
