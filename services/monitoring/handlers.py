"""Event handlers of the monitoring service: roster → read model (and a year re-evaluated); a batch of claims →
yearly totals → maybe flags."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.categories import Category
from libs.common.messaging.consumer import Batched, Handler
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.contracts.enrollment import RosterChangedV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.policy import PolicyBook
from libs.common.read_models.categories import apply_roster_change, held_on, periods_of
from libs.common.read_models.categories import categories_on as categories_held_on
from services.monitoring import domain
from services.monitoring.accumulate import Step, add_to_years, record_claims
from services.monitoring.flags import Crossing, raise_flags
from services.monitoring.reevaluate import reevaluate
from services.monitoring.rules import Rules
from services.monitoring.tables import category_periods, persons


async def categories_on(conn: AsyncConnection, person_key: str, on: date) -> frozenset[Category]:
    return await categories_held_on(conn, category_periods, person_key, on)


def make_on_claims_settled(book: PolicyBook) -> Batched:
    rules = Rules(book)

    async def on_claims_settled(uow: UnitOfWork, batch: Sequence[tuple[ClaimSettledV1, Envelope]]) -> None:
        steps = await record_claims(uow.conn, batch)
        running = await add_to_years(uow.conn, steps)
        counted = [s for s in steps if s.counted]
        held = await periods_of(uow.conn, category_periods, [s.event.person_key for s in counted])
        crossings: list[Crossing] = []
        for s in steps:
            if not s.delta.is_zero():
                running[s.key] = running[s.key].plus(s.delta)
            if not s.counted:
                continue  # a reversal or a replaced claim lowers the total or leaves it: it raises nothing
            e = s.event
            categories = held_on(held.get(e.person_key, []), e.settlement_date)
            for warning in rules.evaluate(e.region_code, e.settlement_date, categories, running[s.key], s.key[1]):
                crossings.append(_crossing(e, s, warning, running[s.key]))
        await raise_flags(uow, crossings)

    return Batched(on_claims_settled)


def _crossing(e: ClaimSettledV1, s: Step, warning: domain.Warning, parts: domain.BurdenParts) -> Crossing:
    return Crossing(
        person_key=e.person_key,
        id_number=e.id_number,
        name=e.name,
        region_code=e.region_code,
        year=s.key[1],
        claim_id=e.claim_id,
        settlement_date=e.settlement_date,
        diagnosis=e.diagnosis,
        warning=warning,
        year_parts=parts,
        caused_by=s.envelope,
    )


async def _upsert_person(conn: AsyncConnection, values: dict[str, str | None]) -> None:
    key = values["person_key"]
    updated = await conn.execute(persons.update().where(persons.c.person_key == key).values(**values))
    if updated.rowcount == 0:
        await conn.execute(persons.insert().values(**values))


def make_on_roster_changed(book: PolicyBook) -> Handler:
    rules = Rules(book)

    async def on_roster_changed(uow: UnitOfWork, event: RosterChangedV1, envelope: Envelope) -> None:
        conn = uow.conn
        await _upsert_person(
            conn,
            {
                "person_key": event.person_key,
                "id_number": event.id_number,
                "name": event.name,
                "region_code": event.region_code,
                "township": event.township,
                "village": event.village,
            },
        )
        await apply_roster_change(conn, category_periods, event)
        await reevaluate(uow, rules, event, envelope)

    return on_roster_changed
