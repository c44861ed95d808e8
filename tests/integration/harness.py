"""A minimal service for the outbox/inbox suites: one state table, the messaging tables, one handler."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from libs.common.db import create_engine
from libs.common.messaging.bus import Bus, Delivery
from libs.common.messaging.consumer import ConsumerRunner
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.outbox_relay import OutboxRelay
from libs.common.messaging.tables import messaging_tables
from libs.common.messaging.unit_of_work import UnitOfWork

metadata = sa.MetaData()
tables = messaging_tables(metadata)
totals = sa.Table(
    "totals",
    metadata,
    sa.Column("person_key", sa.String(64), primary_key=True),
    sa.Column("amount", sa.Numeric(14, 2), nullable=False),
)


def claim(claim_id: str, person: str = "p1", amount: str = "100.00") -> ClaimSettledV1:
    return ClaimSettledV1(
        claim_id=claim_id,
        person_key=person,
        id_number="141123196005010128",
        name="张三",
        region_code="141123",
        settlement_date=date(2026, 3, 5),
        diagnosis="肺炎",
        total_cost=Decimal(amount),
        basic_insurance_paid=Decimal("0"),
        critical_illness_paid=Decimal("0"),
        medical_assistance_paid=Decimal("0"),
        other_paid=Decimal("0"),
        personal_burden=Decimal(amount),
    )


async def add_to_total(uow: UnitOfWork, event: ClaimSettledV1, _envelope: Envelope) -> None:
    if event.claim_id.startswith("poison"):
        raise ValueError(f"handler rejects {event.claim_id}")
    t = totals.c
    updated = await uow.conn.execute(
        totals.update().where(t.person_key == event.person_key).values(amount=t.amount + event.total_cost)
    )
    if updated.rowcount == 0:
        await uow.conn.execute(totals.insert().values(person_key=event.person_key, amount=event.total_cost))


@dataclass
class Harness:
    engine: AsyncEngine
    bus: Bus
    relay: OutboxRelay
    runner: ConsumerRunner

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, tables, "/safetynet/test", self.relay.wakeup)

    async def total(self, person: str = "p1") -> Decimal | None:
        async with self.engine.connect() as conn:
            value = await conn.scalar(sa.select(totals.c.amount).where(totals.c.person_key == person))
        return Decimal(value) if value is not None else None

    async def outbox_count(self, *, unpublished: bool = False) -> int:
        query = sa.select(sa.func.count()).select_from(tables.outbox)
        if unpublished:
            query = query.where(tables.outbox.c.published_at.is_(None))
        async with self.engine.connect() as conn:
            return int(await conn.scalar(query) or 0)

    async def consume_until(self, predicate_count: int, timeout: float = 40.0) -> int:
        """Run the consumer until it has processed at least this many records (or time runs out)."""
        deadline = time.monotonic() + timeout
        while self.runner.processed < predicate_count and time.monotonic() < deadline:
            await self.runner.run_once()
        return self.runner.processed


async def make_harness(database_url: str, bus: Bus, group: str) -> Harness:
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    relay = OutboxRelay(engine, tables, bus)
    harness = Harness(engine, bus, relay, None)  # type: ignore[arg-type]
    harness.runner = ConsumerRunner(
        group=group, bus=bus, uow_factory=harness.uow, handlers={ClaimSettledV1: add_to_total}, inbox=tables.inbox
    )
    return harness


def dlq_headers(delivery: Delivery) -> dict[str, str]:
    return {k: v.decode() for k, v in delivery.headers if k.startswith("dlq-")}
