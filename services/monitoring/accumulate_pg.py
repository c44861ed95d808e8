"""claims.settled → yearly totals in one PostgreSQL statement, for a batch with no corrections in it (most batches).

The same steps as ``accumulate`` (store the facts, count a resend once, count nothing for a claim an earlier-arrived
correction already replaces, add the increments per person and year, keep the region of the year's latest claim:
``year_region``), but PostgreSQL walks the batch: it keeps
each claim's running total (the year's new total less the increments of the batch's later claims for the same
year) and returns only the claims whose running total could reach the lowest line that applies to them. The
service then reads back a handful of rows instead of building, sending and reading back every claim's amounts
three times (measured: that bookkeeping was most of the consumer's time per claim).

A batch holding a correction takes the step-by-step path: retiring the claim a correction names needs the stored
claim's amounts before the batch's own rows are in, which this statement's single snapshot cannot give.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.envelope import Envelope
from services.monitoring import domain
from services.monitoring.accumulate import DIAGNOSIS_LENGTH, REACH_SQL, UPSERT_YEARS_PG, Reached, parts_of
from services.monitoring.year_region import LATEST_FIRST_SQL

_SUM = ", ".join(f"sum({n}) AS {n}" for n in domain.PARTS)
_ZERO_UNLESS_COUNTED = ", ".join(f"CASE WHEN s.counts THEN i.{n} ELSE 0 END AS {n}" for n in domain.PARTS)
_RUNNING = ", ".join(f"t.{n} - coalesce(sum(st.{n}) OVER later, 0) AS {n}" for n in domain.PARTS)

# Amounts travel as text and PostgreSQL parses them (cheaper than asyncpg's binary Decimal encoding: db.unnest_insert).
# ``replaced`` (the claims a stored correction already replaces) sees the table as it was before the statement, which
# is right here: the batch holds no corrections. (Not a correlated min() per claim: PostgreSQL turns that into a walk
# of the primary key, measured at 17 ms a claim.)
# Few claims are corrections, so ``replaced`` should probe the small partial index on corrects_claim_id. Until
# autovacuum first analyzes claim_facts (a minute or more into a new deployment) the planner does not know the column
# is nearly all NULL and scans the whole table instead, once per batch: 8 ms a batch at 90,000 claims, and growing.
# The statement runs with sequential scans discouraged (it reads no table it should scan whole).
_NO_SEQSCAN = sa.text("SET LOCAL enable_seqscan = off")
_SEQSCAN_AGAIN = sa.text("SET LOCAL enable_seqscan TO DEFAULT")
_STATEMENT = sa.text(
    f"""
WITH input AS (
    SELECT * FROM unnest(
        CAST(:claim_id AS TEXT[]), CAST(:person_key AS TEXT[]), CAST(:year AS INTEGER[]),
        CAST(CAST(:total_cost AS TEXT[]) AS NUMERIC(14, 2)[]), CAST(CAST(:burden AS TEXT[]) AS NUMERIC(14, 2)[]),
        CAST(CAST(:self_pay AS TEXT[]) AS NUMERIC(14, 2)[]), CAST(CAST(:assistance AS TEXT[]) AS NUMERIC(14, 2)[]),
        CAST(:region_code AS TEXT[]), CAST(:settlement_date AS DATE[]), CAST(:diagnosis AS TEXT[]),
        CAST(CAST(:floor AS TEXT[]) AS NUMERIC[])
    ) WITH ORDINALITY AS i(
        claim_id, person_key, year, total_cost, burden, self_pay, assistance,
        region_code, settlement_date, diagnosis, floor, ord
    )
),
replaced AS (
    SELECT corrects_claim_id AS claim_id, min(claim_id) AS by FROM claim_facts
    WHERE corrects_claim_id = ANY(CAST(:claim_id AS TEXT[]))
    GROUP BY corrects_claim_id
),
stored AS (
    INSERT INTO claim_facts (
        claim_id, person_key, year, total_cost, burden, self_pay, assistance,
        region_code, settlement_date, diagnosis, superseded_by
    )
    SELECT i.claim_id, i.person_key, i.year, i.total_cost, i.burden, i.self_pay, i.assistance,
           i.region_code, i.settlement_date, i.diagnosis,
           r.by
    FROM input i LEFT JOIN replaced r USING (claim_id)
    ON CONFLICT DO NOTHING
    RETURNING claim_id, superseded_by IS NULL AS counts
),
steps AS (
    SELECT i.ord, i.person_key, i.year, i.floor, s.counts, {_ZERO_UNLESS_COUNTED}, i.settlement_date, i.region_code
    FROM input i JOIN stored s USING (claim_id)
),
totals AS (
    INSERT INTO year_burdens (person_key, year, region_code, region_settled_on, {", ".join(domain.PARTS)})
    SELECT person_key, year,
           (array_agg(region_code ORDER BY {LATEST_FIRST_SQL}))[1],
           (array_agg(settlement_date ORDER BY {LATEST_FIRST_SQL}))[1],
           {_SUM}
    FROM steps
    GROUP BY person_key, year
    ORDER BY person_key, year
    {UPSERT_YEARS_PG}
),
running AS (
    SELECT st.ord, st.counts, st.floor, {_RUNNING}
    FROM steps st JOIN totals t USING (person_key, year)
    WINDOW later AS (
        PARTITION BY st.person_key, st.year ORDER BY st.ord ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
    )
)
SELECT ord, {", ".join(domain.PARTS)} FROM running
WHERE counts AND {REACH_SQL} >= floor
ORDER BY ord
"""
)


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


async def accumulate_in_one_statement(
    conn: AsyncConnection,
    claims: Sequence[tuple[ClaimSettledV1, Envelope]],
    floors: Sequence[Decimal | None],
) -> list[Reached]:
    """Store ``claims`` (unique claim ids, none a correction) and add them to their years; returns the counted
    claims whose running total could reach ``floors`` (per claim: the lowest line of any rule that applies to it,
    None for none). Every burden a rule measures is at most max(burden, self-pay) + assistance, so no claim that
    could cross a line is left out; the caller's rules decide which actually do."""
    if not claims:
        return []
    if any(e.corrects_claim_id is not None for e, _ in claims):
        raise ValueError("a batch with corrections takes accumulate.accumulate")
    parts = [parts_of(e) for e, _ in claims]
    events = [e for e, _ in claims]
    params = {
        "claim_id": [e.claim_id for e in events],
        "person_key": [e.person_key for e in events],
        "year": [domain.burden_year(e.settlement_date) for e in events],
        **{name: [str(p[i]) for p in parts] for i, name in enumerate(domain.PARTS)},
        "region_code": [e.region_code for e in events],
        "settlement_date": [e.settlement_date for e in events],
        "diagnosis": [e.diagnosis[:DIAGNOSIS_LENGTH] for e in events],
        "floor": [_text(f) for f in floors],
    }
    await conn.execute(_NO_SEQSCAN)
    rows = await conn.execute(_STATEMENT, params)
    await conn.execute(_SEQSCAN_AGAIN)
    reached: list[Reached] = []
    for ord_, total_cost, burden, self_pay, assistance in rows:
        event, envelope = claims[ord_ - 1]
        running = domain.BurdenParts(total_cost, burden, self_pay, assistance)
        reached.append(Reached(event, envelope, domain.burden_year(event.settlement_date), running))
    return reached
