"""Commands of the enrollment service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from libs.common.db import bulk_insert
from libs.common.messaging.contracts.enrollment import RosterChangedV1
from libs.common.messaging.unit_of_work import UnitOfWork
from services.enrollment.domain import check_authority
from services.enrollment.tables import roster_changes

ChangeKey = tuple[str, str, str, date]
_COLUMNS = [c.name for c in roster_changes.columns if c.name != "recorded_at"]
_CHUNK = 1000  # keys per lookup: keeps each IN (...) list well inside every driver's parameter limit


def _row(change: RosterChangedV1) -> dict[str, object]:
    # Straight from the attributes: model_dump is a large share of a 100,000-row import.
    return {name: getattr(change, name) for name in _COLUMNS}


def _key(change: RosterChangedV1) -> ChangeKey:
    return (change.person_key, change.category.value, change.change_type.value, change.effective_date)


async def _recorded(uow: UnitOfWork, changes: Sequence[RosterChangedV1]) -> set[ChangeKey]:
    r = roster_changes.c
    found: set[ChangeKey] = set()
    persons = sorted({c.person_key for c in changes})
    for start in range(0, len(persons), _CHUNK):
        rows = await uow.conn.execute(
            sa.select(r.person_key, r.category, r.change_type, r.effective_date).where(
                r.person_key.in_(persons[start : start + _CHUNK])
            )
        )
        found.update((row.person_key, row.category, row.change_type, row.effective_date) for row in rows)
    return found


async def record_roster_changes(uow: UnitOfWork, changes: Sequence[RosterChangedV1]) -> list[RosterChangedV1]:
    """Record roster changes and publish roster.changed for each, all in one transaction.

    A change already recorded (a re-sent file, a retry) is skipped, so sending the same list again changes
    nothing. Returns the changes that were new.
    """
    for change in changes:
        check_authority(change.agency, change.category)
    already = await _recorded(uow, changes)
    new = [c for c in changes if _key(c) not in already]
    if new:
        await bulk_insert(uow.conn, roster_changes, [_row(c) for c in new])
        for change in new:
            uow.publish(change, subject=change.person_key)
    await uow.commit()
    return new
