"""Event handlers of the monitoring service: roster → read model; claim → yearly burden → maybe a flag."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.categories import Category
from libs.common.idcard import mask_id_number
from libs.common.messaging.consumer import Handler
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.contracts.enrollment import RosterChangedV1
from libs.common.messaging.contracts.monitoring import RiskFlaggedV1
from libs.common.messaging.envelope import Envelope, new_event_id
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.policy import NoPolicy, PolicyBook
from libs.common.read_models.categories import apply_roster_change
from libs.common.read_models.categories import categories_on as held_on
from services.monitoring import domain
from services.monitoring.tables import category_periods, claim_facts, persons, risk_flags, year_burdens

log = logging.getLogger(__name__)


async def _upsert_person(conn: AsyncConnection, values: dict[str, str | None]) -> None:
    key = values["person_key"]
    updated = await conn.execute(persons.update().where(persons.c.person_key == key).values(**values))
    if updated.rowcount == 0:
        await conn.execute(persons.insert().values(**values))


async def on_roster_changed(uow: UnitOfWork, event: RosterChangedV1, _envelope: Envelope) -> None:
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


async def categories_on(conn: AsyncConnection, person_key: str, on: date) -> frozenset[Category]:
    return await held_on(conn, category_periods, person_key, on)


async def _add_to_year(
    conn: AsyncConnection, person_key: str, year: int, region_code: str, delta: domain.ClaimAmounts
) -> domain.ClaimAmounts:
    y = year_burdens.c
    where = (y.person_key == person_key) & (y.year == year)
    updated = await conn.execute(
        year_burdens.update()
        .where(where)
        .values(
            total_cost=y.total_cost + delta.total_cost,
            burden=y.burden + delta.burden,
            region_code=region_code,
        )
    )
    if updated.rowcount == 0:
        await conn.execute(
            year_burdens.insert().values(
                person_key=person_key,
                year=year,
                region_code=region_code,
                total_cost=delta.total_cost,
                burden=delta.burden,
            )
        )
    row = (await conn.execute(sa.select(y.total_cost, y.burden).where(where))).one()
    return domain.ClaimAmounts(Decimal(row.total_cost), Decimal(row.burden))


async def _record_claim(conn: AsyncConnection, event: ClaimSettledV1, amounts: domain.ClaimAmounts) -> bool:
    """Store the claim's facts; retire the one it corrects from the totals. False if already counted."""
    c = claim_facts.c
    if await conn.scalar(sa.select(sa.func.count()).where(c.claim_id == event.claim_id)):
        return False
    year = domain.burden_year(event.settlement_date)
    await conn.execute(
        claim_facts.insert().values(
            claim_id=event.claim_id,
            person_key=event.person_key,
            year=year,
            total_cost=amounts.total_cost,
            burden=amounts.burden,
        )
    )
    if event.corrects_claim_id is not None:
        old = (
            await conn.execute(
                sa.select(c.year, c.total_cost, c.burden).where(
                    c.claim_id == event.corrects_claim_id, c.superseded_by.is_(None)
                )
            )
        ).first()
        if old is not None:
            await conn.execute(
                claim_facts.update().where(c.claim_id == event.corrects_claim_id).values(superseded_by=event.claim_id)
            )
            retired = domain.ClaimAmounts(Decimal(old.total_cost), Decimal(old.burden))
            await _add_to_year(
                conn,
                event.person_key,
                old.year,
                event.region_code,
                domain.ClaimAmounts(-retired.total_cost, -retired.burden),
            )
    return True


def make_on_claim_settled(book: PolicyBook) -> Handler:
    async def on_claim_settled(uow: UnitOfWork, event: ClaimSettledV1, envelope: Envelope) -> None:
        conn = uow.conn
        amounts = domain.ClaimAmounts(event.total_cost, event.personal_burden)
        if not await _record_claim(conn, event, amounts):
            return
        year = domain.burden_year(event.settlement_date)
        cumulative = await _add_to_year(conn, event.person_key, year, event.region_code, amounts)
        try:
            pack = book.for_county(event.region_code, event.settlement_date, "monitoring")
        except NoPolicy as exc:
            log.warning("claim %s counted but not evaluated: %s", event.claim_id, exc)
            return
        categories = await categories_on(conn, event.person_key, event.settlement_date)
        warning = domain.evaluate(pack, categories, cumulative.burden, year)
        if warning is None:
            return
        f = risk_flags.c
        already = await conn.scalar(
            sa.select(sa.func.count()).where(
                f.person_key == event.person_key, f.year == year, f.level == warning.rule.level.value
            )
        )
        if already:
            return
        person = (await conn.execute(sa.select(persons).where(persons.c.person_key == event.person_key))).first()
        description = domain.risk_description(
            event.settlement_date, event.diagnosis, cumulative.total_cost, cumulative.burden
        )
        flag = RiskFlaggedV1(
            flag_id=new_event_id(),
            person_key=event.person_key,
            id_number=event.id_number,
            name=event.name,
            region_code=event.region_code,
            township=person.township if person else None,
            village=person.village if person else None,
            year=year,
            level=warning.rule.level,
            category=warning.category,
            policy_pack_id=pack.id,
            rule_id=warning.rule.id,
            threshold=warning.threshold,
            cumulative_total_cost=cumulative.total_cost,
            cumulative_burden=cumulative.burden,
            claim_id=event.claim_id,
            settlement_date=event.settlement_date,
            diagnosis=event.diagnosis,
            risk_description=description,
        )
        await conn.execute(
            risk_flags.insert().values(
                flag_id=flag.flag_id,
                person_key=flag.person_key,
                year=year,
                level=flag.level.value,
                id_number=flag.id_number,
                name=flag.name,
                region_code=flag.region_code,
                category=flag.category.value if flag.category else None,
                policy_pack_id=flag.policy_pack_id,
                rule_id=flag.rule_id,
                threshold=flag.threshold,
                cumulative_total_cost=flag.cumulative_total_cost,
                cumulative_burden=flag.cumulative_burden,
                claim_id=flag.claim_id,
                risk_description=description,
            )
        )
        uow.publish(flag, subject=event.person_key, caused_by=envelope)
        log.info("flagged %s (%s) in %s: %s", mask_id_number(event.id_number), flag.level, year, flag.rule_id)

    return on_claim_settled
