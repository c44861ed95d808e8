"""Commands of the assistance service: state change and outgoing event in one unit of work."""

from __future__ import annotations

from dataclasses import asdict, fields

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.unit_of_work import UnitOfWork
from services.assistance.domain import SettledClaim
from services.assistance.tables import claims


class ClaimConflict(Exception):
    """The claim id is already recorded with different facts."""


_FIELDS = [f.name for f in fields(SettledClaim)]


async def get_claim(conn: AsyncConnection, claim_id: str) -> SettledClaim | None:
    row = (await conn.execute(sa.select(*[claims.c[f] for f in _FIELDS]).where(claims.c.claim_id == claim_id))).first()
    return SettledClaim(**row._mapping) if row else None


async def record_claim(uow: UnitOfWork, claim: SettledClaim, recorded_by: str) -> bool:
    """Record a settled claim and publish claims.settled. Returns False when it was already recorded.

    The settlement system retries; the same claim sent again is acknowledged without a second event,
    the same id with different amounts is a conflict (a correction must use a new id + corrects_claim_id).
    """
    existing = await get_claim(uow.conn, claim.claim_id)
    if existing is not None:
        if existing.same_facts_as(claim):
            return False
        raise ClaimConflict(claim.claim_id)
    await uow.conn.execute(claims.insert().values(**asdict(claim), recorded_by=recorded_by))
    uow.publish(ClaimSettledV1(**asdict(claim)), subject=claim.person_key)
    await uow.commit()
    return True
