"""What the reports learn from events: each warning (for 附件1) and the referral answers (for 附件2)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.messaging.consumer import Handler
from libs.common.messaging.contracts import Contract
from libs.common.messaging.contracts.monitoring import RiskFlaggedV1
from libs.common.messaging.contracts.referral import ReferralOpenedV1, ReferralResolvedV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.unit_of_work import UnitOfWork
from services.monitoring.tables import referral_answers, warning_entries


async def on_risk_flagged(uow: UnitOfWork, flag: RiskFlaggedV1, _envelope: Envelope) -> None:
    e = warning_entries.c
    if await uow.conn.scalar(sa.select(sa.func.count()).where(e.flag_id == flag.flag_id)):
        return  # the same flag again (a replay under a new event id): it is on a list once
    await uow.conn.execute(
        warning_entries.insert().values(
            flag_id=flag.flag_id,
            person_key=flag.person_key,
            region_code=flag.region_code,
            settlement_date=flag.settlement_date,
            township=flag.township,
            village=flag.village,
            name=flag.name,
            id_number=flag.id_number,
            category=flag.category.value if flag.category else None,
            level=flag.level.value,
            risk_description=flag.risk_description,
        )
    )


async def _fill(conn: AsyncConnection, referral_id: str, identity: dict[str, Any], values: dict[str, Any]) -> None:
    """Set this event's columns; create the row if the other event has not arrived yet."""
    r = referral_answers.c
    updated = await conn.execute(referral_answers.update().where(r.referral_id == referral_id).values(**values))
    if updated.rowcount == 0:
        await conn.execute(referral_answers.insert().values(referral_id=referral_id, **identity, **values))


def _identity(event: ReferralOpenedV1 | ReferralResolvedV1) -> dict[str, Any]:
    return {"person_key": event.person_key, "region_code": event.region_code, "agency": event.agency.value}


async def on_referral_opened(uow: UnitOfWork, event: ReferralOpenedV1, _envelope: Envelope) -> None:
    await _fill(uow.conn, event.referral_id, _identity(event), {"opened_on": event.opened_on})


async def on_referral_resolved(uow: UnitOfWork, event: ReferralResolvedV1, _envelope: Envelope) -> None:
    values = {"outcome": event.outcome.value, "resolved_on": event.resolved_on}
    await _fill(uow.conn, event.referral_id, _identity(event), values)


def handler_table() -> dict[type[Contract], Handler]:
    return {
        RiskFlaggedV1: on_risk_flagged,
        ReferralOpenedV1: on_referral_opened,
        ReferralResolvedV1: on_referral_resolved,
    }
