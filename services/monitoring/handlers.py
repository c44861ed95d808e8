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
from services.monitoring.accumulate import Reached, accumulate, unique_claims
from services.monitoring.accumulate_pg import accumulate_in_one_statement
from services.monitoring.flags import Crossing, raise_flags
from services.monitoring.reevaluate import reevaluate
from services.monitoring.rules import Rules
from services.monitoring.tables import category_periods, persons
from services.monitoring.waiting import record_waiting


async def categories_on(conn: AsyncConnection, person_key: str, on: date) -> frozenset[Category]:
    return await categories_held_on(conn, category_periods, person_key, on)


_NONE_HELD: frozenset[Category] = frozenset()


def make_on_claims_settled(book: PolicyBook) -> Batched:
    rules = Rules(book)

    async def on_claims_settled(uow: UnitOfWork, batch: Sequence[tuple[ClaimSettledV1, Envelope]]) -> None:
        conn = uow.conn
        claims = unique_claims(batch)
        held = await periods_of(conn, category_periods, [e.person_key for e, _ in claims])

        def categories(e: ClaimSettledV1) -> frozenset[Category]:
            periods = held.get(e.person_key)
            return held_on(periods, e.settlement_date) if periods else _NONE_HELD

        lowest = [rules.lowest(e.region_code, e.settlement_date, categories(e)) for e, _ in claims]
        if conn.dialect.name == "postgresql" and _no_corrections([e for e, _ in claims]):
            await uow.after_previous_batch()  # running totals follow the fetched order (see _no_corrections)
            reached = await accumulate_in_one_statement(conn, claims, [found.line for found in lowest])
        else:
            await uow.after_previous_batch()
            reached = await accumulate(conn, claims)
        if any(found.missing for found in lowest):
            await record_waiting(conn, [e for e, _ in claims], [found.missing for found in lowest])
        crossings: list[Crossing] = []
        for r in reached:
            e = r.event
            for warning in rules.evaluate(e.region_code, e.settlement_date, categories(e), r.running, r.year):
                crossings.append(_crossing(r, warning))
        await raise_flags(uow, crossings)

    return Batched(on_claims_settled, overlaps=_no_corrections)


def _no_corrections(events: Sequence[ClaimSettledV1]) -> bool:
    """Two batches of claims may overlap (the later one reads its categories and works out its floors while the
    earlier one is in its statement) unless one holds a correction. The later batch adds to the totals only after
    the earlier one has ended (``after_previous_batch``): each claim's running total, and so the claim a flag names,
    is then what it is with the batches handled one after the other, and the later batch sees the earlier one's
    flags. A correction retires a stored claim and the one-statement path reads which stored corrections replace a
    claim, both by snapshot: a batch holding a correction is handled alone. Categories are read by snapshot too;
    roster changes come in batches that never overlap."""
    return all(e.corrects_claim_id is None for e in events)


def _crossing(r: Reached, warning: domain.Warning) -> Crossing:
    e = r.event
    return Crossing(
        person_key=e.person_key,
        id_number=e.id_number,
        name=e.name,
        region_code=e.region_code,
        year=r.year,
        claim_id=e.claim_id,
        settlement_date=e.settlement_date,
        diagnosis=e.diagnosis,
        warning=warning,
        year_parts=r.running,
        caused_by=r.envelope,
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
