"""PostgreSQL takes a batch without corrections in one statement (accumulate_pg); SQLite takes every batch step by step
(accumulate). Fed the same batches, both must keep the same totals and raise the same flags at the same claims.

The batches mix what the one statement has to get right: several claims of one person in a batch (the running total
walks them in order), resends and redeliveries, two burden years, five regions' packs with categories held from a
date, originals arriving after the correction that replaces them (counted nothing), and batches holding corrections
in between (the step path, on both databases). Some persons move: their claims of one year come from two regions,
and the year must belong to the same region on every path. Every column of ``claim_facts`` and ``year_burdens`` is
compared between the step path, the one-statement path and a rebuild of each.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.categories import Category
from libs.common.messaging.bus import Delivery
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.envelope import Envelope
from services.monitoring.accumulate_pg import accumulate_in_one_statement
from services.monitoring.corrections import year_totals
from services.monitoring.rebuild import rebuild_year
from services.monitoring.tables import claim_facts, year_burdens
from tests import backends
from tests.integration.monitoring_harness import claim, delivery, monitor, roster
from tests.integration.test_monitoring_rebuild import _fact

# county → the categories some of its persons hold (a line of their own in that county's pack)
REGIONS = {
    "141123": Category.DIBAO,  # 山西: 6,000 for 低保, 20,000 for everyone else
    "140902": Category.UNSTABLE_OUT_OF_POVERTY,  # 忻州: the province's lines and the in-policy self-pay line
    "330602": Category.TEKUN,  # 越城: the 50,000 high-cost line for 特困/低保/低边 only
    "371002": Category.DIBAO,  # 威海: shares of the provincial income figure
    "500243": Category.DIBAO,  # 彭水 (its pack covers 2024): shares of the monitoring standard and rural income
}
YEARS = (2024, 2025, 2026)


def _movers(rng: random.Random, persons: list[tuple[str, str]]) -> dict[str, str]:
    """A quarter of the persons also claim in a second county (they moved, or were treated away from home)."""
    return {p: rng.choice([r for r in REGIONS if r != region]) for p, region in persons[1::4]}


def _claims(rng: random.Random, persons: list[tuple[str, str]]) -> list[ClaimSettledV1]:
    moves = _movers(rng, persons)
    made: list[ClaimSettledV1] = []
    for i in range(900):
        person, region = rng.choice(persons)
        if person in moves and rng.random() < 0.5:
            region = moves[person]
        cents = rng.randint(0, 1_800_000)
        burden = Decimal(cents) / 100
        self_pay = (burden * rng.randint(0, 100) / 100).quantize(Decimal("0.01"))
        on = date(rng.choice(YEARS), rng.randint(1, 12), rng.randint(1, 28))
        own = [c for c in made if c.person_key == person]
        corrects = rng.choice(own).claim_id if own and rng.random() < 0.08 else None
        made.append(
            claim(
                f"Q{i}",
                person,
                f"{burden:.2f}",
                on=on,
                region=region,
                self_pay=f"{self_pay:.2f}",
                assistance=f"{rng.randint(0, 3000)}.{rng.randint(0, 99):02d}",
                corrects=corrects,
            )
        )
    return made


def _batches(rng: random.Random, claims: list[ClaimSettledV1]) -> list[list[Delivery]]:
    """Plain claims in batches of 1-60 (with resends and redeliveries); each correction in a batch of corrections
    placed before some plain batches, so some originals come after the correction that replaces them."""
    plain = [delivery(c, c.person_key) for c in claims if c.corrects_claim_id is None]
    plain += [delivery(c, c.person_key) for c in rng.sample(claims, 40) if c.corrects_claim_id is None]  # resends
    plain += rng.sample(plain, 30)  # redeliveries: the same event again
    rng.shuffle(plain)
    corrections = [delivery(c, c.person_key) for c in claims if c.corrects_claim_id is not None]
    out: list[list[Delivery]] = []
    while plain:
        size = rng.randint(1, 60)
        out.append(plain[:size])
        del plain[:size]
        if corrections and rng.random() < 0.4:
            out.append([corrections.pop() for _ in range(min(len(corrections), rng.randint(1, 4)))])
    if corrections:
        out.append(corrections)
    return out


def _roster(persons: list[tuple[str, str]]) -> list[Delivery]:
    """A third of the persons hold their county's category from 1 June (claims before it count as others')."""
    return [delivery(roster(p, REGIONS[region], date(2024, 6, 1), region=region), p) for p, region in persons[::3]]


def _claims_in(batch: Sequence[Delivery]) -> list[ClaimSettledV1]:
    return [ClaimSettledV1.model_validate(Envelope.from_bytes(d.value).data) for d in batch]


def _flag_rows(rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            r.person_key,
            r.year,
            r.level,
            r.rule_id,
            r.claim_id,
            r.threshold,
            r.cumulative_burden,
            r.cumulative_total_cost,
            r.category,
            r.risk_description,
        )
        for r in rows
    )


Rows = dict[str, list[tuple[Any, ...]]]


async def _rows(conn: AsyncConnection) -> Rows:
    """Every column of the accumulation's two tables, in primary-key order."""
    out: Rows = {}
    for table in (claim_facts, year_burdens):
        query = sa.select(table).order_by(*table.primary_key.columns)
        out[table.name] = [tuple(r) for r in await conn.execute(query)]
    return out


@dataclass(frozen=True)
class Run:
    totals: dict[Any, Any]
    flags: list[Any]
    live: Rows  # the tables as the claim path left them
    rebuilt: Rows  # the same tables after a rebuild of every year


async def _run(url: str, tmp_path: Path, batches: list[list[Delivery]]) -> Run:
    async with monitor(url, tmp_path) as m:
        for batch in batches:
            await m.runner.process(batch)
        totals = {k: v for year in YEARS for k, v in (await m.totals(year)).items()}
        flags = _flag_rows(await m.flags())
        async with m.engine.begin() as conn:
            live = await _rows(conn)
            for year in YEARS:
                assert (await rebuild_year(conn, year)).differing == 0
            rebuilt = await _rows(conn)
    return Run(totals, flags, live, rebuilt)


def _mismatches(a: Rows, b: Rows) -> dict[str, list[tuple[Any, ...]]]:
    """Per table, the rows one side has and the other has not (at most a few, to read)."""
    return {name: sorted(set(a[name]) ^ set(b[name]))[:6] for name in a if a[name] != b[name]}


async def test_the_one_statement_path_keeps_the_totals_and_raises_the_flags_of_the_step_path(
    pg_admin_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(20261123)
    persons = [(f"o{i}", region) for i, region in enumerate(rng.choice(list(REGIONS)) for _ in range(60))]
    claims = _claims(rng, persons)
    batches = [_roster(persons), *_batches(rng, claims)]

    one_statement_batches: list[int] = []

    async def counted(conn: Any, claims: Any, floors: Any) -> Any:
        one_statement_batches.append(len(claims))
        return await accumulate_in_one_statement(conn, claims, floors)

    monkeypatch.setattr("services.monitoring.handlers.accumulate_in_one_statement", counted)
    steps = await _run(f"sqlite+aiosqlite:///{tmp_path}/steps.sqlite", tmp_path, batches)
    assert one_statement_batches == []  # SQLite: every batch step by step

    name = backends.unique("sn_one_")
    with backends.postgres_databases(pg_admin_url, [name]):
        pg = await _run(backends.database_url(pg_admin_url, name), tmp_path, batches)

    plain_batches = sum(1 for b in batches[1:] if all(c.corrects_claim_id is None for c in _claims_in(b)))
    assert len(one_statement_batches) == plain_batches > 20
    expected = year_totals(_fact(c) for c in claims)
    assert steps.totals == expected
    assert pg.totals == expected
    assert len(pg.flags) > 20  # lines of several regions were crossed, in batches of both kinds
    assert pg.flags == steps.flags
    # Every column, region and replaced-by marks included: the step path, the one-statement path, and a rebuild.
    differ = _mismatches(pg.live, steps.live)
    assert not differ, f"pg-live vs steps-live: {differ}"
    differ = _mismatches(steps.rebuilt, steps.live)
    assert not differ, f"steps-rebuilt vs steps-live: {differ}"
    differ = _mismatches(pg.rebuilt, pg.live)
    assert not differ, f"pg-rebuilt vs pg-live: {differ}"


def test_the_workload_has_what_the_comparison_needs() -> None:
    """Persons whose claims of one year come from two regions, claims corrected twice, and several years."""
    rng = random.Random(20261123)
    persons = [(f"o{i}", region) for i, region in enumerate(rng.choice(list(REGIONS)) for _ in range(60))]
    claims = _claims(rng, persons)
    regions: dict[tuple[str, int], set[str]] = {}
    for c in claims:
        regions.setdefault((c.person_key, c.settlement_date.year), set()).add(c.region_code)
    assert sum(1 for r in regions.values() if len(r) > 1) > 10
    targets = [c.corrects_claim_id for c in claims if c.corrects_claim_id is not None]
    assert len(targets) > len(set(targets))  # some claim is corrected by two claims
    assert {c.settlement_date.year for c in claims} == set(YEARS)


def test_some_originals_arrive_after_the_correction_that_replaces_them() -> None:
    """The batches above do exercise "already replaced" on the one-statement path."""
    rng = random.Random(20261123)
    persons = [(f"o{i}", region) for i, region in enumerate(rng.choice(list(REGIONS)) for _ in range(60))]
    claims = _claims(rng, persons)
    seen_corrections: set[str] = set()
    late_originals = 0
    for batch in _batches(rng, claims):
        events = _claims_in(batch)
        late_originals += sum(1 for e in events if e.claim_id in seen_corrections and e.corrects_claim_id is None)
        seen_corrections |= {e.corrects_claim_id for e in events if e.corrects_claim_id is not None}
    assert late_originals > 5
