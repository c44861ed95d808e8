"""A roster change re-checks the years it touches: the categories held on each claim's date may now put the
person under another line."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from libs.common.messaging.contracts.enrollment import RosterChangedV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.read_models.categories import Held, held_on, periods_of
from services.monitoring import domain
from services.monitoring.flags import Crossing, raise_flags
from services.monitoring.rules import Rules
from services.monitoring.tables import category_periods, claim_facts, year_burdens


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
