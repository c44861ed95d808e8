"""Commands of the enrollment service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from libs.common.db import among, bulk_insert, utcnow_column_default
from libs.common.messaging.contracts.enrollment import ChangeType, EnrollmentChangedV1, GapKind, RosterChangedV1
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.read_models.categories import apply_roster_change, categories_on
from services.enrollment.domain import COVERED, VULNERABLE, check_authority, enrollment_year, lapse_kind
from services.enrollment.gaps import Candidate, GapRules, close_gaps, covered_or_open, open_gaps
from services.enrollment.tables import category_periods, enrollments, roster_changes

ChangeKey = tuple[str, str, str, date]
_WRITE_CHUNK = 10_000


def _key(change: RosterChangedV1) -> ChangeKey:
    return (change.person_key, change.category.value, change.change_type.value, change.effective_date)


async def _recorded(uow: UnitOfWork, changes: Sequence[RosterChangedV1]) -> set[ChangeKey]:
    r = roster_changes.c
    found: set[ChangeKey] = set()
    for where in among(uow.conn, r.person_key, sorted({c.person_key for c in changes})):
        rows = await uow.conn.execute(sa.select(r.person_key, r.category, r.change_type, r.effective_date).where(where))
        found.update((row.person_key, row.category, row.change_type, row.effective_date) for row in rows)
    return found


async def record_roster_changes(
    uow: UnitOfWork, changes: Sequence[RosterChangedV1], rules: GapRules
) -> list[RosterChangedV1]:
    """Record roster changes and publish roster.changed for each, all in one transaction; newly added persons
    not enrolled for the year get a gap, pushed at once (DOMAIN.md flow 1).

    A change already recorded (a re-sent file, a retry) is skipped, so sending the same list again changes
    nothing. Returns the changes that were new.
    """
    for change in changes:
        check_authority(change.agency, change.category)
    already = await _recorded(uow, changes)
    new = [c for c in changes if _key(c) not in already]
    # Who is already enrolled or has an open gap, as it stood before this import: looked up once. (Asked again per
    # chunk, the lookup would scan this transaction's own growing, unanalysed gap rows.)
    skip = await covered_or_open(uow, (c.person_key for c in new if c.change_type is ChangeType.ADDED))
    # In chunks within the one transaction, so a 100,000-row roster never holds all its rows and events at once.
    for start in range(0, len(new), _WRITE_CHUNK):
        chunk = new[start : start + _WRITE_CHUNK]
        # An event's fields are the table's columns (recorded_at takes its default).
        await bulk_insert(uow.conn, roster_changes, [vars(c) for c in chunk])
        for change in chunk:
            uow.publish(change, subject=change.person_key)
        await _apply_categories(uow, chunk)
        added = [_candidate(c) for c in chunk if c.change_type is ChangeType.ADDED]
        await open_gaps(uow, rules, GapKind.NEVER_ENROLLED, added, skip)
        await uow.flush()
    await uow.commit()
    return new


async def _apply_categories(uow: UnitOfWork, changes: Sequence[RosterChangedV1]) -> None:
    adds = [
        {"person_key": c.person_key, "category": c.category.value, "valid_from": c.effective_date, "valid_to": None}
        for c in changes
        if c.change_type is ChangeType.ADDED
    ]
    await bulk_insert(uow.conn, category_periods, adds)
    for change in changes:
        if change.change_type is ChangeType.EXITED:
            await apply_roster_change(uow.conn, category_periods, change)


def _candidate(change: RosterChangedV1) -> Candidate:
    return Candidate(
        person_key=change.person_key,
        id_number=change.id_number,
        name=change.name,
        region_code=change.region_code,
        township=change.township,
        village=change.village,
        year=enrollment_year(change.effective_date),
        categories=(change.category,),
        opened_on=change.list_date,
    )


async def record_enrollment(
    uow: UnitOfWork, change: EnrollmentChangedV1, rules: GapRules, *, commit: bool = True
) -> bool:
    """Record a person's enrollment for a year; publish enrollment.changed when it changed. Enrolling closes
    the year's gap; a lapse (脱保/断保) of a person holding a vulnerable category opens one."""
    e = enrollments.c
    where = (e.person_key == change.person_key) & (e.year == change.year)
    current = (await uow.conn.execute(sa.select(e.tier, e.status).where(where))).first()
    if current is not None and (current.tier, current.status) == (change.tier, change.status.value):
        return False
    values = {
        "id_number": change.id_number,
        "name": change.name,
        "region_code": change.region_code,
        "tier": change.tier,
        "status": change.status.value,
        "effective_date": change.effective_date,
        "updated_at": utcnow_column_default(),
    }
    if current is None:
        await uow.conn.execute(enrollments.insert().values(person_key=change.person_key, year=change.year, **values))
    else:
        await uow.conn.execute(enrollments.update().where(where).values(**values))
    uow.publish(change, subject=change.person_key)
    if change.status in COVERED:
        await close_gaps(uow, change.person_key, change.year, change.effective_date)
    elif (kind := lapse_kind(change.status)) is not None:
        held = await categories_on(uow.conn, category_periods, change.person_key, change.effective_date)
        vulnerable = tuple(sorted(held & VULNERABLE))
        if vulnerable:
            candidate = Candidate(
                change.person_key, change.id_number, change.name, change.region_code, None, None,
                change.year, vulnerable, change.effective_date,
            )  # fmt: skip
            await open_gaps(uow, rules, kind, [candidate])
    if commit:  # a batch commits once, after all its items
        await uow.commit()
    return True
