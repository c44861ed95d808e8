"""The monitoring consumer on a real database (migrated by its own Alembic chain), fed deliveries directly.

The bus is only needed for dead letters; the tests hand the runner its fetched batches, so they decide the batch
boundaries (the same claims in one batch or one by one must give the same state).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from libs.common.agencies import Agency
from libs.common.categories import Category
from libs.common.db import create_engine
from libs.common.messaging.bus import Delivery
from libs.common.messaging.consumer import ConsumerRunner
from libs.common.messaging.contracts import Contract
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.contracts.enrollment import ChangeType, RosterChangedV1
from libs.common.messaging.embedded_bus import EmbeddedBus
from libs.common.messaging.envelope import Envelope, new_event_id
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.migrations import upgrade
from libs.common.policy import PolicyBook, load_book
from services.monitoring import domain
from services.monitoring.consumers import handler_table
from services.monitoring.rebuild import kept_totals
from services.monitoring.tables import messaging, risk_flags
from tests import backends

MIGRATIONS = backends.REPO / "services" / "monitoring" / "migrations"
_offsets = itertools.count()


def envelope_of(event: Contract, subject: str, event_id: str | None = None) -> Envelope:
    return Envelope(
        id=event_id or new_event_id(),
        source="/test",
        type=event.event_type,
        subject=subject,
        schemaversion=event.version,
        correlationid="test",
        data=event.model_dump(mode="json"),
    )


def delivery(event: Contract, subject: str, event_id: str | None = None) -> Delivery:
    env = envelope_of(event, subject, event_id)
    return Delivery(event.topic, 0, next(_offsets), subject, env.to_bytes())


def claim(
    claim_id: str,
    person: str,
    burden: str,
    *,
    on: date = date(2026, 3, 5),
    region: str = "141123",
    total: str | None = None,
    assistance: str = "0.00",
    self_pay: str | None = None,
    corrects: str | None = None,
    id_number: str = "141123196204010011",
) -> ClaimSettledV1:
    total_cost = Decimal(total) if total is not None else Decimal(burden) + Decimal(assistance)
    return ClaimSettledV1(
        claim_id=claim_id,
        person_key=person,
        id_number=id_number,
        name="王五",
        region_code=region,
        settlement_date=on,
        diagnosis="肺恶性肿瘤",
        total_cost=total_cost,
        basic_insurance_paid=total_cost - Decimal(burden) - Decimal(assistance),
        critical_illness_paid=Decimal("0"),
        medical_assistance_paid=Decimal(assistance),
        other_paid=Decimal("0"),
        personal_burden=Decimal(burden),
        in_policy_self_pay=Decimal(self_pay) if self_pay is not None else None,
        self_expense=Decimal(burden) - Decimal(self_pay) if self_pay is not None else None,
        corrects_claim_id=corrects,
    )


def roster(
    person: str, category: Category, effective: date, *, added: bool = True, region: str = "141123"
) -> RosterChangedV1:
    return RosterChangedV1(
        change_id=new_event_id(),
        person_key=person,
        id_number="141123196204010011",
        name="王五",
        region_code=region,
        township="蔚汾镇",
        village="北坡村",
        change_type=ChangeType.ADDED if added else ChangeType.EXITED,
        category=category,
        effective_date=effective,
        list_date=effective,
        agency=Agency.CIVIL_AFFAIRS,
    )


@dataclass
class Monitor:
    engine: AsyncEngine
    runner: ConsumerRunner

    async def send(self, *events: Contract | Delivery) -> None:
        """One fetched batch, in this order."""
        await self.runner.process([e if isinstance(e, Delivery) else delivery(e, _subject(e)) for e in events])

    async def totals(self, year: int = 2026) -> dict[tuple[str, int], domain.BurdenParts]:
        async with self.engine.connect() as conn:
            return await kept_totals(conn, year)

    async def flags(self) -> list[Any]:
        f = risk_flags.c
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.select(risk_flags).order_by(f.person_key, f.year, f.flagged_at, f.level))
            return list(rows)

    async def outbox_types(self) -> list[str]:
        async with self.engine.connect() as conn:
            return list((await conn.scalars(sa.select(messaging.outbox.c.event_type))).all())


def _subject(event: Contract) -> str:
    key = getattr(event, "person_key", None)
    assert isinstance(key, str)
    return key


@asynccontextmanager
async def monitor(database_url: str, tmp_path: Path, book: PolicyBook | None = None) -> AsyncIterator[Monitor]:
    engine = create_engine(database_url)
    await upgrade(engine, MIGRATIONS)
    bus = EmbeddedBus(f"sqlite+aiosqlite:///{tmp_path}/dlq-bus.sqlite")
    await bus.start()
    runner = ConsumerRunner(
        group="monitoring",
        bus=bus,
        uow_factory=lambda: UnitOfWork(engine, messaging, "/safetynet/monitoring"),
        handlers=handler_table(book or load_book(backends.REPO / "policies")),
        inbox=messaging.inbox,
    )
    try:
        yield Monitor(engine, runner)
    finally:
        await bus.stop()
        await engine.dispose()


def batches(items: Sequence[Delivery], sizes: Sequence[int]) -> list[list[Delivery]]:
    out: list[list[Delivery]] = []
    i = 0
    for size in itertools.cycle(sizes):
        if i >= len(items):
            return out
        out.append(list(items[i : i + size]))
        i += size
    return out
