"""The deadline board's two queries: counts per county × agency in one GROUP BY, and the few longest-waiting rows.

Both read only awaiting referrals (status open/acknowledged) through ix_referrals_open_due (status, due_on), so
100,000 open referrals are counted in the database, never loaded into Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.calendar import WorkingCalendar
from libs.common.deadline_rules import working_days_overdue_by_due_day
from libs.common.idcard import mask_id_number
from libs.common.regions import region_prefix
from services.referral.board_view import (
    AWAITING_STATUSES,
    BoardDates,
    Item,
    Tally,
    mask_name,
)
from services.referral.tables import referrals

r = referrals.c


def in_region(region_code: str) -> sa.ColumnElement[bool]:
    """Referrals in a county, or in every county of a city or province (000000: everywhere)."""
    prefix = region_prefix(region_code)
    if len(prefix) == 6:
        return r.region_code == prefix  # equality, so a county filter can use an index on region_code
    return r.region_code.startswith(prefix) if prefix else sa.true()


def _awaiting(where: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    return sa.and_(r.status.in_(AWAITING_STATUSES), where)


async def tallies(
    conn: AsyncConnection, calendar: WorkingCalendar, dates: BoardDates, where: sa.ColumnElement[bool]
) -> list[Tally]:
    count = sa.func.count
    query = (
        sa.select(
            r.region_code,
            r.agency,
            count().label("awaiting"),
            count().filter(r.due_on == dates.today).label("due_today"),
            count().filter(sa.and_(r.due_on > dates.today, r.due_on <= dates.soon_until)).label("due_soon"),
            count().filter(r.due_on < dates.overdue_before).label("overdue"),
            sa.func.min(r.due_on).label("earliest_due_on"),
            count().filter(r.due_on.is_(None)).label("no_deadline"),
            sa.func.min(r.opened_on).filter(r.due_on.is_(None)).label("first_opened_no_deadline"),
        )
        .where(_awaiting(where))
        .group_by(r.region_code, r.agency)
        .order_by(r.region_code, r.agency)
    )
    rows = (await conn.execute(query)).all()
    # One calendar walk for every line (chinesecalendar validates each date it is asked about).
    dues = [row.earliest_due_on for row in rows if row.earliest_due_on is not None]
    overdue = working_days_overdue_by_due_day(calendar, dues, dates.today)
    waited = _working_days_since(calendar, (row.first_opened_no_deadline for row in rows), dates)
    return [
        Tally(
            county=row.region_code,
            agency=row.agency,
            awaiting=row.awaiting,
            due_today=row.due_today,
            due_soon=row.due_soon,
            overdue=row.overdue,
            earliest_due_on=row.earliest_due_on,
            most_days_overdue=overdue.get(row.earliest_due_on, 0),
            no_deadline=row.no_deadline,
            most_days_waited=waited.get(row.first_opened_no_deadline, 0),
        )
        for row in rows
    ]


def _working_days_since(calendar: WorkingCalendar, days: Iterable[date | None], dates: BoardDates) -> dict[date, int]:
    """Working days in (day, today] for each day: the same one walk as days past a due day, from opening days."""
    return working_days_overdue_by_due_day(calendar, (d for d in days if d is not None), dates.today)


async def longest_waiting(
    conn: AsyncConnection,
    calendar: WorkingCalendar,
    dates: BoardDates,
    where: sa.ColumnElement[bool],
    limit: int,
) -> list[Item]:
    """The awaiting referrals due earliest: the most overdue first, then those opened first; those with no decision
    deadline after every one that has one, longest waiting first."""
    query = (
        sa.select(
            r.referral_id,
            r.region_code,
            r.agency,
            r.id_number,
            r.name,
            r.opened_on,
            r.due_on,
            r.due_provisional,
            r.status,
        )
        .where(_awaiting(where))
        .order_by(r.due_on.is_(None), r.due_on, r.opened_on, r.referral_id)
        .limit(limit)
    )
    rows = (await conn.execute(query)).all()
    overdue = working_days_overdue_by_due_day(calendar, (row.due_on for row in rows if row.due_on), dates.today)
    waited = _working_days_since(calendar, (row.opened_on for row in rows), dates)
    return [
        Item(
            referral_id=row.referral_id,
            county=row.region_code,
            agency=row.agency,
            id_number_masked=mask_id_number(row.id_number),
            name_masked=mask_name(row.name),
            opened_on=row.opened_on,
            due_on=row.due_on,
            due_provisional=row.due_provisional,
            status=row.status,
            days_overdue=None if row.due_on is None else overdue[row.due_on],
            working_days_waited=waited[row.opened_on],
        )
        for row in rows
    ]


async def feedback_late(conn: AsyncConnection) -> list[tuple[str, str, int]]:
    """(county, agency, how many) referrals whose feedback breached the pack's deadline after the decision."""
    query = (
        sa.select(r.region_code, r.agency, sa.func.count())
        .where(r.feedback_working_days_late > 0)
        .group_by(r.region_code, r.agency)
        .order_by(r.region_code, r.agency)
    )
    return [(row[0], row[1], row[2]) for row in (await conn.execute(query)).all()]
