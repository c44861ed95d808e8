"""Raising warnings: once per person, year and level; the flag row and its risk.flagged event commit together."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from libs.common.clock import china_today
from libs.common.db import bulk_insert, one_of
from libs.common.idcard import mask_id_number
from libs.common.messaging.contracts.monitoring import RiskFlaggedV1
from libs.common.messaging.envelope import Envelope, new_event_id
from libs.common.messaging.unit_of_work import UnitOfWork
from services.monitoring import domain
from services.monitoring.tables import persons, risk_flags

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Crossing:
    """A claim at which a person's year crossed a rule's line."""

    person_key: str
    id_number: str
    name: str
    region_code: str
    year: int
    claim_id: str
    settlement_date: date
    diagnosis: str
    warning: domain.Warning
    year_parts: domain.BurdenParts
    caused_by: Envelope | None


async def raise_flags(uow: UnitOfWork, crossings: Sequence[Crossing], *, late: bool = False) -> int:
    """Flag the crossings whose person, year and level have no flag yet (the first crossing of each wins).
    ``late``: raised after the claims, when a missing figure arrived. Returns how many were raised."""
    first: dict[tuple[str, int, str], Crossing] = {}
    for c in crossings:
        first.setdefault((c.person_key, c.year, c.warning.rule.level.value), c)
    if not first:
        return 0
    keys = sorted({k[0] for k in first})
    f = risk_flags.c
    existing = await uow.conn.execute(
        sa.select(f.person_key, f.year, f.level).where(one_of(uow.conn, f.person_key, keys))
    )
    for row in existing:
        first.pop((row.person_key, row.year, row.level), None)
    if not first:
        return 0
    places = await _places(uow, sorted({k[0] for k in first}))
    rows = []
    for c in first.values():
        township, village = places.get(c.person_key, (None, None))
        flag = _event(c, township, village, late)
        rows.append(
            {
                "flag_id": flag.flag_id,
                "person_key": flag.person_key,
                "year": flag.year,
                "level": flag.level.value,
                "id_number": flag.id_number,
                "name": flag.name,
                "region_code": flag.region_code,
                "category": flag.category.value if flag.category else None,
                "policy_pack_id": flag.policy_pack_id,
                "rule_id": flag.rule_id,
                "threshold": flag.threshold,
                "cumulative_total_cost": flag.cumulative_total_cost,
                "cumulative_burden": flag.cumulative_burden,
                "claim_id": flag.claim_id,
                "risk_description": flag.risk_description,
                "raised_late": late,
                "policy_carried_forward": flag.policy_carried_forward,
            }
        )
        uow.publish(flag, subject=c.person_key, caused_by=c.caused_by)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("flagged %s (%s) in %s: %s", mask_id_number(c.id_number), flag.level, c.year, flag.rule_id)
    await bulk_insert(uow.conn, risk_flags, rows)
    log.info("flagged %d person-years (%s)", len(rows), ", ".join(sorted({str(r["rule_id"]) for r in rows})))
    return len(rows)


async def _places(uow: UnitOfWork, keys: list[str]) -> Mapping[str, tuple[str | None, str | None]]:
    p = persons.c
    rows = await uow.conn.execute(
        sa.select(p.person_key, p.township, p.village).where(one_of(uow.conn, p.person_key, keys))
    )
    return {r.person_key: (r.township, r.village) for r in rows}


def _event(c: Crossing, township: str | None, village: str | None, late: bool) -> RiskFlaggedV1:
    w = c.warning
    return RiskFlaggedV1(
        flag_id=new_event_id(),
        person_key=c.person_key,
        id_number=c.id_number,
        name=c.name,
        region_code=c.region_code,
        township=township,
        village=village,
        year=c.year,
        level=w.rule.level,
        category=w.category,
        policy_pack_id=w.pack_id,
        rule_id=w.rule.id,
        threshold=w.threshold,
        cumulative_total_cost=c.year_parts.total_cost,
        cumulative_burden=w.burden,
        claim_id=c.claim_id,
        settlement_date=c.settlement_date,
        diagnosis=c.diagnosis,
        risk_description=domain.risk_description(c.settlement_date, c.diagnosis, c.year_parts.total_cost, w.burden),
        raised_late=late,
        raised_on=china_today() if late else None,
        policy_carried_forward=w.carried_forward,
    )
