"""参保台账: who of the vulnerable is enrolled for a year, per category, against the region's targets.

``build`` is pure (rows in, ledger out); ``read_rows`` fetches what it needs from the service's own tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.categories import Category
from libs.common.policy.enrollment import Target
from libs.common.regions import region_prefix
from services.enrollment.domain import COVERED
from services.enrollment.tables import category_periods, enrollments, roster_changes

RATE = Decimal("0.0001")  # rates to a hundredth of a percent


@dataclass(frozen=True)
class PersonRow:
    person_key: str
    id_number: str
    name: str
    township: str | None
    village: str | None
    category: Category
    status: str | None  # the year's enrollment status; None = no record (漏保)


@dataclass
class CategoryLine:
    category: Category
    persons: int = 0
    enrolled: int = 0

    @property
    def rate(self) -> Decimal | None:
        return (Decimal(self.enrolled) / self.persons).quantize(RATE, ROUND_HALF_UP) if self.persons else None


@dataclass(frozen=True)
class TargetLine:
    target: Target
    persons: int
    enrolled: int

    @property
    def rate(self) -> Decimal | None:
        return (Decimal(self.enrolled) / self.persons).quantize(RATE, ROUND_HALF_UP) if self.persons else None

    @property
    def met(self) -> bool | None:
        return None if self.rate is None else self.rate >= self.target.rate


@dataclass
class Ledger:
    region_code: str
    year: int
    as_of: date
    categories: list[CategoryLine] = field(default_factory=list)
    targets: list[TargetLine] = field(default_factory=list)
    persons: list[PersonRow] = field(default_factory=list)


def build(region_code: str, year: int, as_of: date, rows: Iterable[PersonRow], targets: Iterable[Target]) -> Ledger:
    ledger = Ledger(
        region_code, year, as_of, persons=sorted(rows, key=lambda r: (r.township or "", r.village or "", r.name))
    )
    lines: dict[Category, CategoryLine] = {}
    held: dict[str, set[Category]] = defaultdict(set)
    covered: dict[str, bool] = {}
    for row in ledger.persons:
        line = lines.setdefault(row.category, CategoryLine(row.category))
        line.persons += 1
        enrolled = row.status in {s.value for s in COVERED}
        line.enrolled += enrolled
        held[row.person_key].add(row.category)
        covered[row.person_key] = enrolled
    ledger.categories = [lines[c] for c in Category if c in lines]
    for target in targets:
        # A person counts once per target group however many of its categories they hold.
        members = [p for p, cats in held.items() if cats & set(target.categories)]
        ledger.targets.append(TargetLine(target, len(members), sum(covered[p] for p in members)))
    return ledger


async def read_rows(conn: AsyncConnection, region_code: str, year: int, as_of: date) -> list[PersonRow]:
    """The categories held on ``as_of`` by persons of the region, with their enrollment status for ``year``."""
    cp, rc, e = category_periods.c, roster_changes.c, enrollments.c
    latest = (
        sa.select(rc.person_key, sa.func.max(rc.recorded_at).label("at"))
        .where(rc.region_code.startswith(region_prefix(region_code)))
        .group_by(rc.person_key)
        .subquery()
    )
    who = (
        sa.select(rc.person_key, rc.id_number, rc.name, rc.township, rc.village)
        .join(latest, sa.and_(latest.c.person_key == rc.person_key, latest.c.at == rc.recorded_at))
        .subquery()
    )
    query = (
        sa.select(who, cp.category, e.status)
        .join(category_periods, cp.person_key == who.c.person_key)
        .join(enrollments, sa.and_(e.person_key == who.c.person_key, e.year == year), isouter=True)
        .where(cp.valid_from <= as_of, sa.or_(cp.valid_to.is_(None), cp.valid_to > as_of))
    )
    rows = await conn.execute(query)
    seen: set[tuple[str, str]] = set()
    out = []
    for r in rows:
        if (r.person_key, r.category) in seen:  # two roster rows recorded in the same instant
            continue
        seen.add((r.person_key, r.category))
        out.append(PersonRow(r.person_key, r.id_number, r.name, r.township, r.village, Category(r.category), r.status))
    return out
