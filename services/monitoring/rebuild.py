"""Rebuild a year's totals from the stored claim facts alone (``safetynet monitoring rebuild --year 2026``).

The facts are the record; ``year_burdens`` is a running sum kept for speed. A rebuild recomputes which claims
count from the correction links only (a claim counts unless some stored claim corrects it — the rule of
``corrections``), rewrites the replaced-by marks and the year's totals, and reports how many totals differed.
Flags are not touched: a flag, once raised, is history.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.monitoring import domain
from services.monitoring.tables import claim_facts, year_burdens

YearKey = tuple[str, int]


@dataclass(frozen=True)
class Rebuilt:
    year: int
    person_years: int
    differing: int  # totals that were not what the facts add up to (0 when the live path kept them right)


def _counts() -> sa.ColumnElement[bool]:
    f, other = claim_facts.c, claim_facts.alias("correcting").c
    return ~sa.exists().where(other.corrects_claim_id == f.claim_id)


async def totals_from_facts(conn: AsyncConnection, year: int) -> dict[YearKey, tuple[str, domain.BurdenParts]]:
    """(person, year) → (region, totals) as the facts add up, one GROUP BY."""
    f = claim_facts.c
    counts = _counts()
    zero = sa.literal(0)
    query = (
        sa.select(
            f.person_key,
            sa.func.max(f.region_code).label("region_code"),
            *(sa.func.sum(sa.case((counts, f[name]), else_=zero)).label(name) for name in domain.PARTS),
        )
        .where(f.year == year)
        .group_by(f.person_key)
    )
    return {
        (r.person_key, year): (r.region_code, domain.BurdenParts(*(Decimal(r._mapping[n]) for n in domain.PARTS)))
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
        1 for k in rebuilt.keys() | kept.keys() if k not in kept or k not in rebuilt or kept[k] != rebuilt[k][1]
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
        {"person_key": k[0], "year": k[1], "region_code": region, **{n: getattr(parts, n) for n in domain.PARTS}}
        for k, (region, parts) in rebuilt.items()
    ]
    if rows:
        await conn.execute(year_burdens.insert(), rows)
    return Rebuilt(year, len(rows), differing)


async def rebuild(engine: AsyncEngine, year: int) -> Rebuilt:
    async with engine.begin() as conn:
        return await rebuild_year(conn, year)
