"""claims.settled → yearly totals, set-based: a fetched batch of claims costs a handful of statements. (On
PostgreSQL a batch without corrections takes one statement instead: ``accumulate_pg``.)

1. store the new claim facts (INSERT … ON CONFLICT DO NOTHING RETURNING: a resent claim id counts once);
2. retire the claims the new ones correct, and mark new claims an earlier-arrived correction already replaces
   (the rule is in ``corrections``);
3. add the increments per person and year in one upsert (… ON CONFLICT DO UPDATE … RETURNING the new totals).
The totals before the batch are the returned ones less the batch's increments, so walking the batch in order
gives each claim the running total it would have had alone — the same flags whatever the batch size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.db import insert_ignoring_duplicates, one_of, unnest_insert
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.envelope import Envelope
from services.monitoring import domain
from services.monitoring.tables import claim_facts, year_burdens
from services.monitoring.year_region import KEEP_LATER_SQL, YearRegion, later

YearKey = tuple[str, int]
DIAGNOSIS_LENGTH = 200  # claim_facts.diagnosis: the risk description is written from the event, not from here
# The most any rule's burden can be for a year's parts (the bound domain.lowest_line relies on): the larger of the
# burden and the in-policy self-pay, plus what assistance paid. SQL over the parts' columns, read by both databases;
# the one-statement claim path and the late walk (waiting.py) both filter with it.
REACH_SQL = "CASE WHEN burden > self_pay THEN burden ELSE self_pay END + assistance"
# The same upsert as the SQLite statement below, for unnest_insert (and accumulate_pg's statement): add the batch's
# increments, keep the later region (year_region), return the new totals.
UPSERT_YEARS_PG = (
    "ON CONFLICT (person_key, year) DO UPDATE SET "
    + ", ".join(f"{column} = {sql}" for column, sql in KEEP_LATER_SQL.items())
    + ", "
    + ", ".join(f"{n} = year_burdens.{n} + excluded.{n}" for n in domain.PARTS)
    + " RETURNING person_key, year, "
    + ", ".join(domain.PARTS)
)


@dataclass(frozen=True)
class Step:
    """One change to a person's year, in batch order; ``counted`` = a new claim that now counts (it may raise a
    flag), otherwise a retirement (a correction took a claim out) or a claim that arrived already replaced.
    ``region``: the stored claim of that year the step is about (the new claim, or the one retired; None for a
    retired claim stored before claims kept their date and region)."""

    key: YearKey
    delta: domain.BurdenParts
    event: ClaimSettledV1
    envelope: Envelope
    counted: bool
    region: YearRegion | None


class Reached(NamedTuple):
    """A counted claim and its person's year totals right after it (what the warning rules look at)."""

    event: ClaimSettledV1
    envelope: Envelope
    year: int
    running: domain.BurdenParts


def unique_claims(batch: Sequence[tuple[ClaimSettledV1, Envelope]]) -> list[tuple[ClaimSettledV1, Envelope]]:
    """The batch with each claim id once (its first delivery), in batch order."""
    unique: dict[str, tuple[ClaimSettledV1, Envelope]] = {}
    for event, envelope in batch:
        unique.setdefault(event.claim_id, (event, envelope))
    return list(unique.values())


async def accumulate(conn: AsyncConnection, claims: Sequence[tuple[ClaimSettledV1, Envelope]]) -> list[Reached]:
    """Store the claims, add them to their years, and return every counted claim with its running total, in batch
    order (steps that retire a corrected claim lower the running total between them)."""
    steps = await record_claims(conn, claims)
    running = await add_to_years(conn, steps)
    reached: list[Reached] = []
    for s in steps:
        if not s.delta.is_zero():
            running[s.key] = running[s.key].plus(s.delta)
        if s.counted:  # a reversal or a replaced claim lowers the total or leaves it: it raises nothing
            reached.append(Reached(s.event, s.envelope, s.key[1], running[s.key]))
    return reached


def parts_of(event: ClaimSettledV1) -> domain.BurdenParts:
    return domain.claim_parts(
        event.total_cost,
        event.personal_burden,
        event.in_policy_self_pay,
        event.self_expense,
        event.medical_assistance_paid,
    )


async def record_claims(conn: AsyncConnection, batch: Sequence[tuple[ClaimSettledV1, Envelope]]) -> list[Step]:
    """Store the batch's claims and return the steps they make, in batch order (nothing for resends)."""
    unique = {e.claim_id: (e, env) for e, env in unique_claims(batch)}
    if not unique:
        return []
    parts = {claim_id: parts_of(e) for claim_id, (e, _) in unique.items()}
    rows = [_fact_row(e, parts[e.claim_id]) for e, _ in unique.values()]
    if conn.dialect.name == "postgresql":
        inserted = await unnest_insert(conn, claim_facts, rows, "ON CONFLICT DO NOTHING RETURNING claim_id")
    else:
        inserted = await conn.execute(
            insert_ignoring_duplicates(conn, claim_facts).returning(claim_facts.c.claim_id), rows
        )
    new_ids = {r.claim_id for r in inserted}
    new = [(e, env) for e, env in unique.values() if e.claim_id in new_ids]
    if not new:
        return []
    retired = await _retire_corrected(conn, new, new_ids)
    replaced = await _already_replaced(conn, new_ids)
    steps: list[Step] = []
    for event, envelope in new:
        key = (event.person_key, domain.burden_year(event.settlement_date))
        counted = event.claim_id not in replaced
        delta = parts[event.claim_id] if counted else domain.BurdenParts()
        steps.append(Step(key, delta, event, envelope, counted, YearRegion(event.settlement_date, event.region_code)))
        old = retired.get(event.claim_id)
        if old is not None:
            steps.append(Step(old.key, old.parts.negated(), event, envelope, False, old.region))
    return steps


def _fact_row(e: ClaimSettledV1, parts: domain.BurdenParts) -> dict[str, Any]:
    return {
        "claim_id": e.claim_id,
        "person_key": e.person_key,
        "year": domain.burden_year(e.settlement_date),
        "total_cost": parts.total_cost,
        "burden": parts.burden,
        "self_pay": parts.self_pay,
        "assistance": parts.assistance,
        "corrects_claim_id": e.corrects_claim_id,
        "region_code": e.region_code,
        "settlement_date": e.settlement_date,
        "diagnosis": e.diagnosis[:DIAGNOSIS_LENGTH],
    }


class Retired(NamedTuple):
    key: YearKey
    parts: domain.BurdenParts
    region: YearRegion | None


async def _retire_corrected(
    conn: AsyncConnection, new: Sequence[tuple[ClaimSettledV1, Envelope]], new_ids: set[str]
) -> dict[str, Retired]:
    """Mark the earlier claims the new ones correct as replaced; returns, per correcting claim, what it retired.
    A target that is itself new in this batch never counted, so there is nothing to take back.

    A claim corrected more than once is replaced by the least correcting claim id, whatever the order they
    arrived in (the rebuild's rule); its amounts are taken back once, at the first correction of this batch that
    names it, if nothing had replaced it before."""
    pairs = [
        (e.corrects_claim_id, e.claim_id)
        for e, _ in new
        if e.corrects_claim_id is not None and e.corrects_claim_id not in new_ids
    ]
    if not pairs:
        return {}
    by_target: dict[str, str] = {}
    for target, by in pairs:
        by_target.setdefault(target, by)
    c = claim_facts.c
    rows = (
        await conn.execute(
            sa.select(
                c.claim_id, c.person_key, c.year, *(c[n] for n in domain.PARTS), c.settlement_date, c.region_code
            ).where(one_of(conn, c.claim_id, sorted(by_target)), c.superseded_by.is_(None))
        )
    ).all()
    # Every pair, in SQL: the least id wins by the database's own ordering of text, as in the rebuild's min().
    await conn.execute(
        claim_facts.update()
        .where(c.claim_id == sa.bindparam("target"))
        .where(sa.or_(c.superseded_by.is_(None), c.superseded_by > sa.bindparam("by")))
        .values(superseded_by=sa.bindparam("by")),
        [{"target": target, "by": by} for target, by in pairs],
    )
    return {
        by_target[r.claim_id]: Retired(
            (r.person_key, r.year),
            domain.BurdenParts(Decimal(r.total_cost), Decimal(r.burden), Decimal(r.self_pay), Decimal(r.assistance)),
            YearRegion(r.settlement_date, r.region_code) if r.settlement_date and r.region_code else None,
        )
        for r in rows
    }


async def _already_replaced(conn: AsyncConnection, new_ids: set[str]) -> set[str]:
    """New claims some stored claim (earlier, or in this batch) already corrects: they count nothing."""
    c = claim_facts.c
    rows = (
        await conn.execute(
            sa.select(c.corrects_claim_id, sa.func.min(c.claim_id).label("by"))
            .where(one_of(conn, c.corrects_claim_id, sorted(new_ids)))
            .group_by(c.corrects_claim_id)
        )
    ).all()
    if rows:
        await conn.execute(
            claim_facts.update().where(c.claim_id == sa.bindparam("target")).values(superseded_by=sa.bindparam("by")),
            [{"target": r.corrects_claim_id, "by": r.by} for r in rows],
        )
    return {r.corrects_claim_id for r in rows}


async def add_to_years(conn: AsyncConnection, steps: Sequence[Step]) -> dict[YearKey, domain.BurdenParts]:
    """Add the steps' increments to the yearly totals in one upsert; returns each touched year's total as it was
    *before* these steps (the new total less the increments), for walking the batch in order."""
    deltas: dict[YearKey, domain.BurdenParts] = {}
    regions: dict[YearKey, YearRegion] = {}
    for s in steps:
        deltas[s.key] = deltas.get(s.key, domain.BurdenParts()).plus(s.delta)
        if s.region is not None:
            regions[s.key] = later(regions.get(s.key), s.region)
    if not deltas:
        return {}
    # A year only the retirement of an undated claim touches is stored already; its placeholder (no date) never wins.
    rows = [
        {
            "person_key": k[0],
            "year": k[1],
            "region_code": region.region_code if (region := regions.get(k)) else "",
            "region_settled_on": region.settled_on if region else None,
            "total_cost": d.total_cost,
            "burden": d.burden,
            "self_pay": d.self_pay,
            "assistance": d.assistance,
        }
        for k, d in sorted(deltas.items())  # one lock order, should two consumers ever share a person (rebalance)
    ]
    if conn.dialect.name == "postgresql":
        rows_back = await unnest_insert(conn, year_burdens, rows, UPSERT_YEARS_PG)
    else:
        insert = sqlite.insert(year_burdens)
        y, new = year_burdens.c, insert.excluded
        statement = insert.on_conflict_do_update(
            index_elements=[y.person_key, y.year],
            set_={
                **{column: sa.literal_column(sql) for column, sql in KEEP_LATER_SQL.items()},
                **{n: y[n] + new[n] for n in domain.PARTS},
            },
        ).returning(y.person_key, y.year, *(y[n] for n in domain.PARTS))
        rows_back = await conn.execute(statement, rows)
    before: dict[YearKey, domain.BurdenParts] = {}
    for r in rows_back:
        d = deltas[(r.person_key, r.year)]
        before[(r.person_key, r.year)] = domain.BurdenParts(
            r.total_cost - d.total_cost, r.burden - d.burden, r.self_pay - d.self_pay, r.assistance - d.assistance
        )
    return before
