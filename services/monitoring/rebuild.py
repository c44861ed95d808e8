"""Rebuild a year's totals from the stored claim facts alone (``safetynet monitoring rebuild --year 2026``).

The facts are the record; ``year_burdens`` is a running sum kept for speed. A rebuild recomputes which claims
count from the correction links only (a claim counts unless some stored claim corrects it — the rule of
``corrections``; the least correcting claim id is the one that replaced it), takes each year's region from its
latest claim (``year_region``), rewrites the replaced-by marks and the year's totals, and reports how many totals
differed.
Flags are not touched: a flag, once raised, is history.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.monitoring import domain
from services.monitoring.tables import claim_facts, year_burdens
from services.monitoring.year_region import LATEST_FIRST_SQL, YearRegion

YearKey = tuple[str, int]


@dataclass(frozen=True)
class Rebuilt:
    year: int
    person_years: int
    differing: int  # totals that were not what the facts add up to (0 when the live path kept them right)


def _counts() -> sa.ColumnElement[bool]:
    f, other = claim_facts.c, claim_facts.alias("correcting").c
    return ~sa.exists().where(other.corrects_claim_id == f.claim_id)


class Totals(NamedTuple):
    region: YearRegion
    parts: domain.BurdenParts


async def totals_from_facts(conn: AsyncConnection, year: int) -> dict[YearKey, Totals]:
    """(person, year) → region and totals as the facts add up: one GROUP BY, and the year's latest claim by a window
    over the same facts (year_region)."""
    f = claim_facts.c
    counts = _counts()
    zero = sa.literal(0)
    sums = (
        sa.select(
            f.person_key,
            *(sa.func.sum(sa.case((counts, f[name]), else_=zero)).label(name) for name in domain.PARTS),
        )
        .where(f.year == year)
        .group_by(f.person_key)
        .subquery("sums")
    )
    ranked = (
        sa.select(
            f.person_key,
            f.region_code,
            f.settlement_date,
            sa.func.row_number().over(partition_by=f.person_key, order_by=sa.text(LATEST_FIRST_SQL)).label("place"),
        )
        .where(f.year == year)
        .subquery("ranked")
    )
    query = sa.select(sums, ranked.c.region_code, ranked.c.settlement_date).join(
        ranked, sa.and_(ranked.c.person_key == sums.c.person_key, ranked.c.place == 1)
    )
    return {
        (r.person_key, year): Totals(
            YearRegion(r.settlement_date, r.region_code),
            domain.BurdenParts(*(Decimal(r._mapping[n]) for n in domain.PARTS)),
        )
        for r in await conn.execute(query)
    }


async def kept_totals(conn: AsyncConnection, year: int) -> dict[YearKey, domain.BurdenParts]:
    y = year_burdens.c
    rows = await conn.execute(sa.select(y.person_key, *(y[n] for n in domain.PARTS)).where(y.year == year))
    return {(r.person_key, year): domain.BurdenParts(*(Decimal(r._mapping[n]) for n in domain.PARTS)) for r in rows}


async def rebuild_year(conn: AsyncConnection, year: int) -> Rebuilt:
    """Recompute the year in the caller's transaction."""
    rebuilt = await totals_from_facts(conn, year)
    kept = await kept_totals(conn, year)
    differing = sum(
        1 for k in rebuilt.keys() | kept.keys() if k not in kept or k not in rebuilt or kept[k] != rebuilt[k].parts
    )
    f, other = claim_facts.c, claim_facts.alias("correcting").c
    await conn.execute(
        claim_facts.update()
        .where(f.year == year)
        .values(
            superseded_by=sa.select(sa.func.min(other.claim_id))
            .where(other.corrects_claim_id == f.claim_id)
            .scalar_subquery()
        )
    )
    await conn.execute(year_burdens.delete().where(year_burdens.c.year == year))
    rows = [
        {
            "person_key": k[0],
            "year": k[1],
            "region_code": region.region_code,
            "region_settled_on": region.settled_on,
            **{n: getattr(parts, n) for n in domain.PARTS},
        }
        for k, (region, parts) in rebuilt.items()
    ]
    if rows:
        await conn.execute(year_burdens.insert(), rows)
    return Rebuilt(year, len(rows), differing)


async def rebuild(engine: AsyncEngine, year: int) -> Rebuilt:
    async with engine.begin() as conn:
        return await rebuild_year(conn, year)
