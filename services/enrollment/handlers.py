"""Commands of the enrollment service."""

from __future__ import annotations

import sqlalchemy as sa

from libs.common.messaging.contracts.enrollment import RosterChangedV1
from libs.common.messaging.unit_of_work import UnitOfWork
from services.enrollment.domain import check_authority
from services.enrollment.tables import roster_changes


async def record_roster_change(uow: UnitOfWork, change: RosterChangedV1) -> bool:
    """Record one roster change and publish roster.changed. False when the same change was already recorded."""
    check_authority(change.agency, change.category)
    r = roster_changes.c
    exists = await uow.conn.scalar(
        sa.select(sa.func.count()).where(
            r.person_key == change.person_key,
            r.category == change.category.value,
            r.change_type == change.change_type.value,
            r.effective_date == change.effective_date,
        )
    )
    if exists:
        return False
    await uow.conn.execute(roster_changes.insert().values(**change.model_dump(mode="python")))
    uow.publish(change, subject=change.person_key)
    await uow.commit()
    return True
