"""Event handlers of the monitoring service: roster → read model (and a year re-evaluated); a batch of claims →
yearly totals → maybe flags."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.categories import Category
from libs.common.messaging.consumer import Batched, Handler
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.contracts.enrollment import RosterChangedV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.policy import NoPolicy, PolicyBook, PolicyPack
from libs.common.read_models.categories import Held, apply_roster_change, held_on, periods_of
from libs.common.read_models.categories import categories_on as categories_held_on
from services.monitoring import domain
from services.monitoring.accumulate import Step, add_to_years, record_claims
from services.monitoring.flags import Crossing, raise_flags
from services.monitoring.tables import category_periods, claim_facts, persons, year_burdens

log = logging.getLogger(__name__)


async def categories_on(conn: AsyncConnection, person_key: str, on: date) -> frozenset[Category]:
    return await categories_held_on(conn, category_periods, person_key, on)


class Rules:
    """The packs whose warning rules apply to a county on a date, looked up once per county and date."""

    def __init__(self, book: PolicyBook) -> None:
        self._book = book
        self._cache: dict[tuple[str, date], list[PolicyPack]] = {}
        self._reported: set[str] = set()  # a missing figure is logged once, not for every claim it leaves unchecked

    def packs(self, county: str, on: date) -> list[PolicyPack]:
        key = (county, on)
        if len(self._cache) > 50_000:  # counties × days seen; a long-running consumer must not grow without end
            self._cache.clear()
        if key not in self._cache:
            try:
                self._cache[key] = self._book.monitoring_packs(county, on)
            except NoPolicy as exc:
                log.warning("claims of %s on %s counted but not evaluated: %s", county, on, exc)
                self._cache[key] = []
        return self._cache[key]

    def evaluate(
        self, county: str, on: date, held: frozenset[Category], parts: domain.BurdenParts, year: int
    ) -> tuple[domain.Warning, ...]:
        packs = self.packs(county, on)
        if not packs:
            return ()
        result = domain.evaluate(packs, held, parts, year)
        for missing in result.missing:
            if missing not in self._reported:
                self._reported.add(missing)
                log.warning("claims counted but this rule not evaluated until the figure is set: %s", missing)
        return result.warnings


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


async def reevaluate(uow: UnitOfWork, rules: Rules, event: RosterChangedV1, envelope: Envelope) -> None:
    """A category gained or lost from a date changes which line applies to the claims from that date on: each
    year with such claims is checked again against its whole total (flags only added, never withdrawn)."""
    f, y = claim_facts.c, year_burdens.c
    claims = (
        await uow.conn.execute(
            sa.select(f.claim_id, f.year, f.region_code, f.settlement_date, f.diagnosis)
            .where(
                f.person_key == event.person_key,
                f.settlement_date >= event.effective_date,
                f.superseded_by.is_(None),
            )
            .order_by(f.settlement_date, f.claim_id)
        )
    ).all()
    if not claims:
        return
    years = sorted({c.year for c in claims})
    totals = {
        r.year: domain.BurdenParts(Decimal(r.total_cost), Decimal(r.burden), Decimal(r.self_pay), Decimal(r.assistance))
        for r in await uow.conn.execute(
            sa.select(year_burdens).where(y.person_key == event.person_key, y.year.in_(years))
        )
    }
    held: list[Held] = (await periods_of(uow.conn, category_periods, [event.person_key])).get(event.person_key, [])
    crossings = []
    for c in claims:
        parts = totals.get(c.year)
        if parts is None:
            continue
        categories = held_on(held, c.settlement_date)
        for warning in rules.evaluate(c.region_code, c.settlement_date, categories, parts, c.year):
            crossings.append(
                Crossing(
                    person_key=event.person_key,
                    id_number=event.id_number,
                    name=event.name,
                    region_code=c.region_code,
                    year=c.year,
                    claim_id=c.claim_id,
                    settlement_date=c.settlement_date,
                    diagnosis=c.diagnosis,
                    warning=warning,
                    year_parts=parts,
                    caused_by=envelope,
                )
            )
    await raise_flags(uow, crossings)
