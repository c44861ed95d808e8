"""Commands of the enrollment service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from libs.common.categories import Category
from libs.common.db import among, bulk_insert, lock_in_transaction, utcnow_column_default
from libs.common.messaging.contracts.enrollment import ChangeType, EnrollmentChangedV1, GapKind, RosterChangedV1
from libs.common.messaging.unit_of_work import UnitOfWork
from services.enrollment.domain import COVERED, VULNERABLE, check_authority, enrollment_year, lapse_kind
from services.enrollment.gaps import Candidate, GapRules, close_gaps, covered_or_open, open_gaps
from services.enrollment.push_deadlines import note_late_roster_pushes
from services.enrollment.tables import benefit_periods, category_periods, enrollments, roster_changes

ChangeKey = tuple[str, Category, ChangeType, date]
_WRITE_CHUNK = 10_000
# Roster changes and enrollments are written after reading what is recorded (and which gaps are open): two
# requests doing that at once would both find nothing and both insert, and the second would fail on a unique key.
# So writers take turns, one transaction at a time; readers do not wait. One lock, not one per person: a
# 100,000-row roster would need more locks than PostgreSQL's lock table holds.
WRITE_TURN = "enrollment: roster and enrollment writes"


def _key(change: RosterChangedV1) -> ChangeKey:
    # The enums themselves (StrEnum): .value is a Python-level property, a million calls in a large import.
    return (change.person_key, change.category, change.change_type, change.effective_date)


async def _recorded(uow: UnitOfWork, changes: Sequence[RosterChangedV1]) -> set[ChangeKey]:
    r = roster_changes.c
    found: set[ChangeKey] = set()
    for where in among(uow.conn, r.person_key, sorted({c.person_key for c in changes})):
        rows = await uow.conn.execute(sa.select(r.person_key, r.category, r.change_type, r.effective_date).where(where))
        found.update(
            (row.person_key, Category(row.category), ChangeType(row.change_type), row.effective_date) for row in rows
        )
    return found


class RosterWriter:
    """Writes one roster import, piece by piece, inside one unit of work; the caller commits (or rolls back).

    Each change is recorded and published as roster.changed; a newly added person not enrolled for the year gets
    a gap, pushed at once (DOMAIN.md flow 1). A change already recorded (a re-sent file, a retry) is skipped, so
    sending the same list again changes nothing. A file route hands over pieces as they are checked, so the
    database writes one while the next is parsed.
    """

    def __init__(self, uow: UnitOfWork, rules: GapRules) -> None:
        self._uow = uow
        self._rules = rules
        # (person, year) pairs enrolled or with an open gap, as looked up or opened so far: one gap per person.
        self._skip: set[tuple[str, int]] = set()
        self._looked_up: set[str] = set()

    async def write(self, changes: Sequence[RosterChangedV1]) -> list[RosterChangedV1]:
        """Record the changes not recorded before; returns those."""
        new: list[RosterChangedV1] = []
        # In chunks within the one transaction, so a 100,000-row roster never holds all its rows and events at once.
        for start in range(0, len(changes), _WRITE_CHUNK):
            new.extend(await self._write_chunk(changes[start : start + _WRITE_CHUNK]))
        return new

    async def _write_chunk(self, changes: Sequence[RosterChangedV1]) -> list[RosterChangedV1]:
        uow = self._uow
        await lock_in_transaction(uow.conn, WRITE_TURN)
        for agency, category in {(c.agency, c.category) for c in changes}:  # a file has a handful of pairs
            check_authority(agency, category)
        already = await _recorded(uow, changes)
        new = [c for c in changes if _key(c) not in already] if already else list(changes)
        added = [c for c in new if c.change_type is ChangeType.ADDED]
        # One query per chunk, for persons not looked up before (the lookup returns all of a person's years).
        persons = {c.person_key for c in added} - self._looked_up
        self._looked_up |= persons
        self._skip |= await covered_or_open(uow, persons)
        # An event's fields are the table's columns (recorded_at takes its default).
        await bulk_insert(uow.conn, roster_changes, [vars(c) for c in new])
        for change in new:
            uow.publish(change, subject=change.person_key)
        await _apply_categories(uow, new)
        await open_gaps(uow, self._rules, GapKind.NEVER_ENROLLED, [_candidate(c) for c in added], self._skip)
        await note_late_roster_pushes(uow, self._rules, new)
        await uow.flush()
        return new


async def record_roster_changes(
    uow: UnitOfWork, changes: Sequence[RosterChangedV1], rules: GapRules, *, commit: bool = True
) -> list[RosterChangedV1]:
    """Record roster changes (see ``RosterWriter``), all in one transaction; returns the new ones."""
    new = await RosterWriter(uow, rules).write(changes)
    if commit:  # a consumer commits once, with its inbox row
        await uow.commit()
    return new


async def _apply_categories(uow: UnitOfWork, changes: Sequence[RosterChangedV1]) -> None:
    # The category from the 动态调整时间, its benefits from the day the list was provided (seed 000 四).
    await _apply_periods(uow, category_periods, [(c, c.effective_date) for c in changes])
    await _apply_periods(uow, benefit_periods, [(c, c.list_date) for c in changes])


async def _apply_periods(uow: UnitOfWork, periods: sa.Table, dated: Sequence[tuple[RosterChangedV1, date]]) -> None:
    adds = [
        {"person_key": c.person_key, "category": c.category, "valid_from": day, "valid_to": None}
        for c, day in dated
        if c.change_type is ChangeType.ADDED
    ]
    await bulk_insert(uow.conn, periods, adds)
    exits = [
        {"exit_person": c.person_key, "exit_category": c.category.value, "exit_on": day}
        for c, day in dated
        if c.change_type is ChangeType.EXITED
    ]
    if exits:
        # One statement for all exits (executemany), not one round trip per person: the same as the read models'
        # apply_roster_change, which closes the open period of that category.
        p = periods.c
        close = (
            periods.update()
            .where(
                p.person_key == sa.bindparam("exit_person"),
                p.category == sa.bindparam("exit_category"),
                p.valid_to.is_(None),
            )
            .values(valid_to=sa.bindparam("exit_on"))
        )
        await uow.conn.execute(close, exits)


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
    """Record one person's enrollment for a year (see ``record_enrollments``); True when it changed."""
    changed = await record_enrollments(uow, [change], rules) == 1
    if commit:  # a batch commits once, after all its items
        await uow.commit()
    return changed


async def record_enrollments(uow: UnitOfWork, changes: Sequence[EnrollmentChangedV1], rules: GapRules) -> int:
    """Record enrollments in order; publish enrollment.changed for each that changed. Enrolling closes the year's
    gap; a lapse (脱保/断保) of a person holding a vulnerable category opens one. Set-based: a few statements for
    the whole list, so a county's enrollment file is not a round trip per row. Returns how many changed; the
    caller commits."""
    first: list[EnrollmentChangedV1] = []
    later: list[EnrollmentChangedV1] = []
    seen: set[tuple[str, int]] = set()
    for change in changes:  # the same person and year again (a JSON batch may do that) goes in a later round
        key = (change.person_key, change.year)
        (later if key in seen else first).append(change)
        seen.add(key)
    changed = await _record_distinct(uow, first, rules)
    return changed + (await record_enrollments(uow, later, rules) if later else 0)


async def _record_distinct(uow: UnitOfWork, changes: Sequence[EnrollmentChangedV1], rules: GapRules) -> int:
    await lock_in_transaction(uow.conn, WRITE_TURN)
    e = enrollments.c
    current: dict[tuple[str, int], tuple[int, str]] = {}
    for where in among(uow.conn, e.person_key, sorted({c.person_key for c in changes})):
        rows = await uow.conn.execute(sa.select(e.person_key, e.year, e.tier, e.status).where(where))
        current.update(((r.person_key, r.year), (r.tier, r.status)) for r in rows)
    changed = [c for c in changes if current.get((c.person_key, c.year)) != (c.tier, c.status.value)]
    now = utcnow_column_default()
    rows_of = [
        {"person_key": c.person_key, "year": c.year, "id_number": c.id_number, "name": c.name,
         "region_code": c.region_code, "tier": c.tier, "status": c.status.value,
         "effective_date": c.effective_date, "updated_at": now}
        for c in changed
    ]  # fmt: skip
    await bulk_insert(uow.conn, enrollments, [r for r in rows_of if (r["person_key"], r["year"]) not in current])
    updates = [{f"new_{k}": v for k, v in r.items()} for r in rows_of if (r["person_key"], r["year"]) in current]
    if updates:
        # Bound names differ from the column names: SQLAlchemy reserves those for the SET clause.
        columns = ("id_number", "name", "region_code", "tier", "status", "effective_date", "updated_at")
        await uow.conn.execute(
            enrollments.update()
            .where(e.person_key == sa.bindparam("new_person_key"), e.year == sa.bindparam("new_year"))
            .values({name: sa.bindparam(f"new_{name}") for name in columns}),
            updates,
        )
    for change in changed:
        uow.publish(change, subject=change.person_key)
    await close_gaps(uow, [(c.person_key, c.year, c.effective_date) for c in changed if c.status in COVERED])
    await _open_lapse_gaps(uow, rules, [c for c in changed if lapse_kind(c.status) is not None])
    return len(changed)


async def _open_lapse_gaps(uow: UnitOfWork, rules: GapRules, lapses: Sequence[EnrollmentChangedV1]) -> None:
    """A gap for each lapsed person who held a vulnerable category on the day of the lapse."""
    p = category_periods.c
    periods: dict[str, list[tuple[Category, date, date | None]]] = {}
    for where in among(uow.conn, p.person_key, sorted({c.person_key for c in lapses})):
        rows = await uow.conn.execute(sa.select(p.person_key, p.category, p.valid_from, p.valid_to).where(where))
        for r in rows:
            periods.setdefault(r.person_key, []).append((Category(r.category), r.valid_from, r.valid_to))
    by_kind: dict[GapKind, list[Candidate]] = {}
    for c in lapses:
        on, kind = c.effective_date, lapse_kind(c.status)
        held = {cat for cat, start, end in periods.get(c.person_key, ()) if start <= on and (end is None or on < end)}
        vulnerable = tuple(sorted(held & VULNERABLE))
        if vulnerable and kind is not None:
            candidate = Candidate(c.person_key, c.id_number, c.name, c.region_code, None, None, c.year, vulnerable, on)
            by_kind.setdefault(kind, []).append(candidate)
    for kind, candidates in by_kind.items():
        await open_gaps(uow, rules, kind, candidates)
