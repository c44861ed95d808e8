"""The embedded bus: a log kept in a local database (SQLite by default), for one process with no servers.

One log ordered by an autoincrement offset; one position per (group, topic). Consumers in the same process
are woken at once by publishes; another process would see records on its next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from libs.common.db import UtcDateTime, create_engine, utcnow_column_default
from libs.common.messaging.bus import BusConsumer, BusUnavailable, Delivery, Record

metadata = sa.MetaData()
bus_log = sa.Table(
    "bus_log",
    metadata,
    sa.Column("offset", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("topic", sa.String(200), nullable=False),
    sa.Column("key", sa.String(200), nullable=True),
    sa.Column("value", sa.LargeBinary, nullable=False),
    sa.Column("headers", sa.JSON, nullable=False),
    sa.Column("stored_at", UtcDateTime(), nullable=False, default=utcnow_column_default),
    sa.Index("ix_bus_log_topic_offset", "topic", "offset"),
)
bus_positions = sa.Table(
    "bus_positions",
    metadata,
    sa.Column("group_id", sa.String(200), primary_key=True),
    sa.Column("topic", sa.String(200), primary_key=True),
    sa.Column("next_offset", sa.BigInteger, nullable=False),
)


def _encode_headers(headers: Sequence[tuple[str, bytes]]) -> list[list[str]]:
    return [[k, v.decode("utf-8", "surrogateescape")] for k, v in headers]


def _decode_headers(raw: list[list[str]]) -> tuple[tuple[str, bytes], ...]:
    return tuple((k, v.encode("utf-8", "surrogateescape")) for k, v in raw)


class EmbeddedBus:
    def __init__(self, url: str, *, topic_prefix: str = "") -> None:
        self._url = url
        self._prefix = topic_prefix
        self._engine: AsyncEngine | None = None
        self._published = asyncio.Condition()
        self._generation = 0  # bumped by every publish, so a waiter cannot miss one between read and wait

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("EmbeddedBus used before start()")
        return self._engine

    def _t(self, topic: str) -> str:
        return self._prefix + topic

    async def start(self) -> None:
        if self._engine is None:
            self._engine = create_engine(self._url)
            async with self._engine.begin() as conn:
                await conn.run_sync(metadata.create_all)

    async def stop(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        """Topics need no creation in a single log."""

    async def publish(self, records: Sequence[Record]) -> None:
        if not records:
            return
        rows = [
            {"topic": self._t(r.topic), "key": r.key, "value": r.value, "headers": _encode_headers(r.headers)}
            for r in records
        ]
        try:
            async with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # Offsets must become visible in order; serialising writers guarantees it.
                    await conn.execute(sa.text("LOCK TABLE bus_log IN EXCLUSIVE MODE"))
                await conn.execute(bus_log.insert(), rows)
        except (DBAPIError, OSError) as exc:
            raise BusUnavailable(str(exc)) from exc
        async with self._published:
            self._generation += 1
            self._published.notify_all()

    @property
    def generation(self) -> int:
        return self._generation

    async def wait_for_publish(self, seen_generation: int, timeout: float) -> None:
        async with self._published:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):  # not wait_for: see OutboxRelay.run
                    await self._published.wait_for(lambda: self._generation != seen_generation)

    def consumer(self, group: str, topics: Sequence[str]) -> BusConsumer:
        return EmbeddedConsumer(self, self._prefix + group, [self._t(t) for t in topics])

    async def read_all(self, topic: str) -> list[Delivery]:
        query = sa.select(bus_log).where(bus_log.c.topic == self._t(topic)).order_by(bus_log.c.offset)
        try:
            async with self.engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        except (DBAPIError, OSError) as exc:
            raise BusUnavailable(str(exc)) from exc
        return [Delivery(r.topic, 0, r.offset, r.key, r.value, _decode_headers(r.headers)) for r in rows]

    async def consumer_lag(self, group: str, topics: Sequence[str]) -> dict[str, int]:
        # One log with global offsets, so "end − committed" would count other topics' records: count the
        # topic's own records at or after the group's position instead (ix_bus_log_topic_offset).
        positions = bus_positions.c
        position = (
            sa.select(positions.next_offset)
            .where(positions.group_id == self._prefix + group, positions.topic == bus_log.c.topic)
            .scalar_subquery()
        )
        query = (
            sa.select(bus_log.c.topic, sa.func.count())
            .where(bus_log.c.topic.in_([self._t(t) for t in topics]))
            .where(bus_log.c.offset >= sa.func.coalesce(position, 0))
            .group_by(bus_log.c.topic)
        )
        try:
            async with self.engine.connect() as conn:
                counts = {str(topic): int(n) for topic, n in (await conn.execute(query)).all()}
        except (DBAPIError, OSError) as exc:
            raise BusUnavailable(str(exc)) from exc
        return {t: counts.get(self._t(t), 0) for t in topics}


class EmbeddedConsumer:
    def __init__(self, bus: EmbeddedBus, group: str, topics: list[str]) -> None:
        self._bus = bus
        self._group = group
        self._topics = topics
        self._position: dict[str, int] = {}

    async def start(self) -> None:
        await self.rewind()

    async def stop(self) -> None:
        self._position = {}

    async def rewind(self) -> None:
        async with self._bus.engine.connect() as conn:
            result = await conn.execute(
                sa.select(bus_positions.c.topic, bus_positions.c.next_offset).where(
                    bus_positions.c.group_id == self._group
                )
            )
            committed = {row.topic: row.next_offset for row in result}
        self._position = {t: committed.get(t, 0) for t in self._topics}

    async def _read(self, max_records: int) -> list[Delivery]:
        where = sa.or_(*[sa.and_(bus_log.c.topic == t, bus_log.c.offset >= pos) for t, pos in self._position.items()])
        query = sa.select(bus_log).where(where).order_by(bus_log.c.offset).limit(max_records)
        try:
            async with self._bus.engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        except (DBAPIError, OSError) as exc:
            raise BusUnavailable(str(exc)) from exc
        return [Delivery(r.topic, 0, r.offset, r.key, r.value, _decode_headers(r.headers)) for r in rows]

    async def fetch(self, max_records: int, timeout: float) -> list[Delivery]:
        seen = self._bus.generation
        deliveries = await self._read(max_records)
        if not deliveries:
            await self._bus.wait_for_publish(seen, timeout)
            deliveries = await self._read(max_records)
        for d in deliveries:
            self._position[d.topic] = max(self._position[d.topic], d.offset + 1)
        return deliveries

    async def commit(self, deliveries: Sequence[Delivery]) -> None:
        upto: dict[str, int] = {}
        for d in deliveries:
            upto[d.topic] = max(upto.get(d.topic, 0), d.offset + 1)
        if not upto:
            return
        async with self._bus.engine.begin() as conn:
            for topic, next_offset in upto.items():
                updated = await conn.execute(
                    bus_positions.update()
                    .where(bus_positions.c.group_id == self._group, bus_positions.c.topic == topic)
                    .where(bus_positions.c.next_offset < next_offset)
                    .values(next_offset=next_offset)
                )
                if updated.rowcount == 0:
                    exists = await conn.scalar(
                        sa.select(sa.func.count())
                        .select_from(bus_positions)
                        .where(bus_positions.c.group_id == self._group, bus_positions.c.topic == topic)
                    )
                    if not exists:
                        await conn.execute(
                            bus_positions.insert().values(group_id=self._group, topic=topic, next_offset=next_offset)
                        )
