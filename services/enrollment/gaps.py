"""Enrollment gaps (漏保/脱保/断保): opened for vulnerable persons without enrollment, closed by enrolling.

Opening a gap publishes EnrollmentGapOpenedV1 at once — the push to tax (contribution notice) and to the
township and agencies (mobilisation) — and records the pack's working-day deadline for that push.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa

from libs.common.calendar import WorkingCalendar
from libs.common.categories import Category
from libs.common.db import among, bulk_insert, utcnow_column_default
from libs.common.messaging.contracts.enrollment import EnrollmentGapOpenedV1, GapKind
from libs.common.messaging.envelope import new_event_id
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.policy import NoPolicy, PolicyBook
from services.enrollment.domain import COVERED
from services.enrollment.push_deadlines import note_late_gap_pushes
from services.enrollment.tables import enrollment_gaps, enrollments


@dataclass(frozen=True)
class GapRules:
    book: PolicyBook
    calendar: WorkingCalendar

    def deadline(self, region_code: str, opened_on: date) -> tuple[date | None, bool]:
        try:
            rules = self.book.for_county(region_code, opened_on, "enrollment").enrollment
        except NoPolicy:
            return None, False
        if rules is None or rules.gap_push_working_days is None:
            return None, False
        due = self.calendar.add_working_days(opened_on, rules.gap_push_working_days)
        return due.due, due.provisional


class Candidate(NamedTuple):
    """A person who may need a gap. A named tuple: a frozen dataclass's __init__ cost a second per 100,000."""

    person_key: str
    id_number: str
    name: str
    region_code: str
    township: str | None
    village: str | None
    year: int
    categories: tuple[Category, ...]
    opened_on: date


async def covered_or_open(uow: UnitOfWork, person_keys: Iterable[str]) -> set[tuple[str, int]]:
    """(person, year) pairs of these persons that are enrolled or already have an open gap."""
    e, g = enrollments.c, enrollment_gaps.c
    persons = sorted(set(person_keys))
    found: set[tuple[str, int]] = set()
    for covered, gap in zip(
        among(uow.conn, e.person_key, persons), among(uow.conn, g.person_key, persons), strict=True
    ):
        query = sa.union_all(
            sa.select(e.person_key, e.year).where(covered, e.status.in_([s.value for s in COVERED])),
            sa.select(g.person_key, g.year).where(gap, g.closed_on.is_(None)),
        )
        found.update((r.person_key, r.year) for r in await uow.conn.execute(query))
    return found


async def open_gaps(
    uow: UnitOfWork,
    rules: GapRules,
    kind: GapKind,
    candidates: Sequence[Candidate],
    skip: set[tuple[str, int]] | None = None,
) -> int:
    """Open (and push) a gap for each candidate not enrolled and without an open gap for the year.

    ``skip``: (person, year) pairs already covered or with a gap, looked up once by a caller that opens gaps
    chunk by chunk; it is updated with the gaps opened here.
    """
    if skip is None:
        skip = await covered_or_open(uow, (c.person_key for c in candidates))
    rows = []
    # The event above is the push; it leaves with this transaction's commit.
    pushed_at = utcnow_column_default()
    # One roster file shares its county and list date: each deadline is worked out once, not once per row.
    deadlines: dict[tuple[str, date], tuple[date | None, bool]] = {}
    for c in candidates:
        if (c.person_key, c.year) in skip:
            continue
        skip.add((c.person_key, c.year))
        where = (c.region_code, c.opened_on)
        if where not in deadlines:
            deadlines[where] = rules.deadline(c.region_code, c.opened_on)
        due, provisional = deadlines[where]
        # Built from values already validated (the roster row or the enrollment record): no second validation.
        gap = EnrollmentGapOpenedV1.trusted(
            gap_id=new_event_id(),
            person_key=c.person_key,
            id_number=c.id_number,
            name=c.name,
            region_code=c.region_code,
            township=c.township,
            village=c.village,
            year=c.year,
            kind=kind,
            categories=c.categories,
            opened_on=c.opened_on,
            due_on=due,
            due_provisional=provisional,
        )
        uow.publish(gap, subject=c.person_key)
        rows.append(
            {
                "gap_id": gap.gap_id,
                "person_key": c.person_key,
                "id_number": c.id_number,
                "name": c.name,
                "year": c.year,
                "region_code": c.region_code,
                "kind": kind,
                "opened_on": c.opened_on,
                "due_on": due,
                "due_provisional": provisional,
                "pushed_at": pushed_at,
                "closed_on": None,
            }
        )
    await bulk_insert(uow.conn, enrollment_gaps, rows)
    await note_late_gap_pushes(uow, rows)
    return len(rows)


async def close_gaps(uow: UnitOfWork, closing: Sequence[tuple[str, int, date]]) -> None:
    """Close the open gap of each (person, year) as of the date given: one statement for the whole list."""
    if not closing:
        return
    g = enrollment_gaps.c
    await uow.conn.execute(
        enrollment_gaps.update()
        .where(g.person_key == sa.bindparam("key"), g.year == sa.bindparam("of_year"), g.closed_on.is_(None))
        .values(closed_on=sa.bindparam("on")),
        [{"key": person, "of_year": year, "on": on} for person, year, on in closing],
    )
