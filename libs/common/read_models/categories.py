"""A service's own copy of who holds which category when, learned from roster.changed.

Monitoring and assistance both need it; each keeps the table in its own database (no service reads another's).

Two dates of one roster change, two readings of the seed (晋医保发〔2022〕9号 四, seed 000):
- ``category_periods`` run from the change's 动态调整时间 (``effective_date``): which category a person is in, as
  monitoring counts a claim (the 附件1 人员类别, the warning line that applies).
- ``benefit_periods`` run from the day the list was provided (``list_date``): 新增困难群体…自民政、乡村振兴部门提供
  名单之日起按规定享受医保帮扶政策；退出困难群体自…提供名单之日起，不再享受医保帮扶政策. Settlement, the enrollment
  subsidy and the waiting-period waiver follow these; only assistance and enrollment keep them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.categories import Category
from libs.common.db import one_of
from libs.common.messaging.contracts.enrollment import ChangeType, RosterChangedV1
from libs.common.messaging.tables import BigId


def category_periods_table(metadata: sa.MetaData, name: str = "category_periods") -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("person_key", sa.String(64), nullable=False, index=True),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),  # exclusive; null = still held
    )


def benefit_periods_table(metadata: sa.MetaData) -> sa.Table:
    """Who holds which category's benefits when: from the list date (see the module docstring)."""
    return category_periods_table(metadata, "benefit_periods")


async def apply_roster_change(conn: AsyncConnection, periods: sa.Table, event: RosterChangedV1) -> None:
    """Category periods from the change's 动态调整时间 (``effective_date``)."""
    await _apply(conn, periods, event, event.effective_date)


async def apply_benefit_change(conn: AsyncConnection, benefits: sa.Table, event: RosterChangedV1) -> None:
    """Benefit periods from the day the list was provided (``list_date``): 自…提供名单之日起."""
    await _apply(conn, benefits, event, event.list_date)


async def _apply(conn: AsyncConnection, periods: sa.Table, event: RosterChangedV1, day: date) -> None:
    p = periods.c
    if event.change_type is ChangeType.ADDED:
        await conn.execute(
            periods.insert().values(person_key=event.person_key, category=event.category.value, valid_from=day)
        )
    else:
        await conn.execute(
            periods.update()
            .where(p.person_key == event.person_key, p.category == event.category.value, p.valid_to.is_(None))
            .values(valid_to=day)
        )


async def categories_on(conn: AsyncConnection, periods: sa.Table, person_key: str, on: date) -> frozenset[Category]:
    p = periods.c
    rows = await conn.execute(
        sa.select(p.category).where(
            p.person_key == person_key, p.valid_from <= on, sa.or_(p.valid_to.is_(None), p.valid_to > on)
        )
    )
    return frozenset(Category(r.category) for r in rows)


@dataclass(frozen=True)
class Held:
    category: Category
    valid_from: date
    valid_to: date | None  # exclusive

    def on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


async def periods_of(conn: AsyncConnection, periods: sa.Table, person_keys: Sequence[str]) -> dict[str, list[Held]]:
    """Every category period of many persons in one query (a batch of claims asks once, not per claim)."""
    p = periods.c
    found: dict[str, list[Held]] = {}
    if not person_keys:
        return found
    rows = await conn.execute(
        sa.select(p.person_key, p.category, p.valid_from, p.valid_to).where(
            one_of(conn, p.person_key, sorted(set(person_keys)))
        )
    )
    for r in rows:
        found.setdefault(r.person_key, []).append(Held(Category(r.category), r.valid_from, r.valid_to))
    return found


def held_on(held: Sequence[Held], day: date) -> frozenset[Category]:
    return frozenset(h.category for h in held if h.on(day))
