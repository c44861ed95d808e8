"""Claims a missing figure left unevaluated, and their evaluation once an operator enters it.

A claim is always counted. When a rule that applies to it needs a figure the pack lacks for the year, the person's
year is kept as waiting on that (pack, figure, year). When the figure arrives on ``policy.changed``, exactly those
years are walked again claim by claim, and a line crossed raises its flag with the claim's own dates, marked
``raised_late``. A corrected figure walks every year of the pack's region that could reach the new lowest line:
a lower line raises the flags it now calls for, and flags already raised stay (history), so entering a figure twice
or correcting it never flags a person's year and level twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from libs.common import regions
from libs.common.clock import utc_now
from libs.common.db import among, insert_ignoring_duplicates
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.metrics import MetricSource
from libs.common.policy import PolicyBook
from libs.common.policy.operated import EntryKind, PolicyEntry
from libs.common.read_models.categories import held_on, periods_of
from libs.common.read_models.policy_entries import AfterEntry
from services.monitoring import domain
from services.monitoring.accumulate import REACH_SQL
from services.monitoring.flags import Crossing, raise_flags
from services.monitoring.rules import Rules
from services.monitoring.tables import category_periods, claim_facts, persons, risk_flags, waiting_years, year_burdens

log = logging.getLogger(__name__)


async def record_waiting(
    conn: AsyncConnection, claims: Sequence[ClaimSettledV1], waiting: Sequence[tuple[domain.Waiting, ...]]
) -> None:
    """Keep the years of ``claims`` whose rules wait for a figure (``waiting[i]`` for ``claims[i]``); a year
    already kept stays as it was (its first claim's date)."""
    rows: dict[tuple[str, int, str, str], dict[str, object]] = {}
    for claim, missing in zip(claims, waiting, strict=True):
        for w in missing:
            key = (claim.person_key, w.year, w.pack_id, w.figure)
            row = rows.get(key)
            if row is None or claim.settlement_date < row["first_claim_date"]:  # type: ignore[operator]
                rows[key] = {
                    "person_key": claim.person_key,
                    "year": w.year,
                    "pack_id": w.pack_id,
                    "figure": w.figure,
                    "region_code": claim.region_code,
                    "id_number": claim.id_number,
                    "name": claim.name,
                    "first_claim_date": claim.settlement_date,
                }
    if rows:
        # In key order, so two batches in flight take the rows' locks in the same order.
        await conn.execute(insert_ignoring_duplicates(conn, waiting_years), [rows[k] for k in sorted(rows)])


@dataclass(frozen=True)
class Identity:
    id_number: str
    name: str


YearKey = tuple[str, int]


async def years_to_walk(conn: AsyncConnection, book: PolicyBook, entry: PolicyEntry) -> dict[YearKey, Identity]:
    """The person-years an entry may change: those waiting on it, and every year of the pack's region whose total
    could reach the lowest line its rules now draw (a corrected or a new figure, a successor pack)."""
    pack = book.get(entry.pack_id)
    years = (
        [entry.year]
        if entry.kind is EntryKind.FIGURE and entry.year is not None
        else await _years_with_claims(conn, pack.effective_from.year, pack.effective_to)
    )
    found: dict[YearKey, Identity] = {}
    w = waiting_years.c
    waiting = sa.select(w.person_key, w.year, w.id_number, w.name).where(w.year.in_(years), w.evaluated_at.is_(None))
    if entry.kind is EntryKind.FIGURE:
        waiting = waiting.where(w.pack_id == entry.pack_id, w.figure == entry.figure)
    else:  # a successor pack: whatever its region's years waited on under the pack it follows
        waiting = waiting.where(w.region_code.startswith(regions.region_prefix(pack.region_code)))
    for r in await conn.execute(waiting):
        found[(r.person_key, r.year)] = Identity(r.id_number, r.name)
    for year in years:
        line = _lowest_line_of_pack(book, entry.pack_id, year)
        if line is None:
            continue
        y = year_burdens.c
        rows = await conn.execute(
            sa.select(y.person_key).where(
                y.year == year,
                y.region_code.startswith(regions.region_prefix(pack.region_code)),
                sa.literal_column(REACH_SQL) >= line,
            )
        )
        unknown = [r.person_key for r in rows if (r.person_key, year) not in found]
        for key, identity in (await _identities(conn, unknown)).items():
            found[(key, year)] = identity
    return found


async def evaluate_late(uow: UnitOfWork, rules: Rules, book: PolicyBook, entry: PolicyEntry, cause: Envelope) -> int:
    """Walk the years ``entry`` may change and raise what they now call for; returns how many flags were raised."""
    if entry.kind is EntryKind.VALUE:
        return 0  # a settlement or subsidy ratio or limit: no warning line moves
    if entry.kind is EntryKind.FIGURE and entry.figure not in book.get(entry.pack_id).monitoring_figures():
        return 0  # a contribution standard, say: no warning line moves
    targets = await years_to_walk(uow.conn, book, entry)
    if not targets:
        return 0
    crossings, still_waiting = await _walk(uow.conn, rules, targets, cause)
    raised = await raise_flags(uow, crossings, late=True)
    await _settle_waiting(uow.conn, targets, still_waiting)
    log.info(
        "policy entry %s (%s %s %s): %d person-years walked, %d flags raised late",
        entry.entry_id,
        entry.pack_id,
        entry.figure or "pack",
        entry.year or "",
        len(targets),
        raised,
    )
    return raised


def make_evaluate_late(book: PolicyBook) -> AfterEntry:
    """The monitoring service's step after keeping a ``policy.changed`` entry, in the same transaction."""
    rules = Rules(book)

    async def after_entry(uow: UnitOfWork, entry: PolicyEntry, envelope: Envelope) -> None:
        await evaluate_late(uow, rules, book, entry, envelope)

    return after_entry


async def _walk(
    conn: AsyncConnection, rules: Rules, targets: dict[YearKey, Identity], cause: Envelope
) -> tuple[list[Crossing], dict[YearKey, list[tuple[domain.Waiting, date, str]]]]:
    """Each target year's counted claims in date order, with the running total after each, through the rules."""
    keys = sorted({k for k, _ in targets})
    years = sorted({y for _, y in targets})
    f = claim_facts.c
    claims: dict[YearKey, list[sa.Row[tuple[object, ...]]]] = {}  # claims as walked
    for condition in among(conn, f.person_key, keys):
        fetched = await conn.execute(
            sa.select(
                f.person_key,
                f.year,
                f.claim_id,
                f.region_code,
                f.settlement_date,
                f.diagnosis,
                *(f[n] for n in domain.PARTS),
            )
            .where(condition, f.year.in_(years), f.superseded_by.is_(None))
            .order_by(f.person_key, f.year, f.settlement_date, f.claim_id)
        )
        for r in fetched:
            if (r.person_key, r.year) in targets:
                claims.setdefault((r.person_key, r.year), []).append(r)
    held = await periods_of(conn, category_periods, keys)
    crossings: list[Crossing] = []
    still_waiting: dict[YearKey, list[tuple[domain.Waiting, date, str]]] = {}
    for (person_key, year), walked in claims.items():
        identity = targets[(person_key, year)]
        running = domain.BurdenParts()
        for r in walked:
            running = running.plus(domain.BurdenParts(*(Decimal(r._mapping[n]) for n in domain.PARTS)))
            on: date = r.settlement_date
            categories = held_on(held.get(person_key, []), on)
            result = rules.evaluation(str(r.region_code), on, categories, running, year)
            for missing in result.missing:
                still_waiting.setdefault((person_key, year), []).append((missing, on, str(r.region_code)))
            for warning in result.warnings:
                crossings.append(
                    Crossing(
                        person_key=person_key,
                        id_number=identity.id_number,
                        name=identity.name,
                        region_code=str(r.region_code),
                        year=year,
                        claim_id=str(r.claim_id),
                        settlement_date=on,
                        diagnosis=str(r.diagnosis or ""),
                        warning=warning,
                        year_parts=running,
                        caused_by=cause,
                    )
                )
    return crossings, still_waiting


def _lowest_line_of_pack(book: PolicyBook, pack_id: str, year: int) -> Decimal | None:
    pack = book.get(pack_id)
    if pack.monitoring is None:
        return None
    lines = []
    for rule in pack.monitoring.rules:
        try:
            lines.append(pack.amount(rule.threshold, year))
        except LookupError:
            continue
    return min(lines, default=None)


async def _years_with_claims(conn: AsyncConnection, first: int, last: date | None) -> list[int]:
    y = year_burdens.c
    query = sa.select(y.year).distinct().where(y.year >= first)
    if last is not None:
        query = query.where(y.year <= last.year)
    return [r.year for r in await conn.execute(query)]


async def _identities(conn: AsyncConnection, keys: list[str]) -> dict[str, Identity]:
    """Who a person is, from the roster or an earlier flag (a claim's identity is kept only while it waits)."""
    found: dict[str, Identity] = {}
    if not keys:
        return found
    for table in (persons, risk_flags, waiting_years):
        c = table.c
        missing = [k for k in keys if k not in found]
        for condition in among(conn, c.person_key, missing):
            for r in await conn.execute(sa.select(c.person_key, c.id_number, c.name).where(condition)):
                found.setdefault(r.person_key, Identity(r.id_number, r.name))
    unknown = [k for k in keys if k not in found]
    if unknown:
        log.warning(
            "%d person-years could reach the new line but their identity is unknown here (never on a roster, never "
            "flagged, never waiting): not evaluated",
            len(unknown),
        )
    return found


async def _settle_waiting(
    conn: AsyncConnection,
    walked: dict[YearKey, Identity],
    still: dict[YearKey, list[tuple[domain.Waiting, date, str]]],
) -> None:
    """After a walk, a walked year waits on exactly what the walk still found missing: every other open wait of it
    is closed (whichever pack it named: a successor pack satisfies the waits on the pack it succeeds), and a wait
    found again stays open, or is kept anew."""
    w = waiting_years.c
    by_year: dict[int, list[str]] = {}
    for person_key, year in walked:
        by_year.setdefault(year, []).append(person_key)
    for year, keys in sorted(by_year.items()):
        for condition in among(conn, w.person_key, sorted(keys)):
            await conn.execute(
                waiting_years.update()
                .where(condition, w.year == year, w.evaluated_at.is_(None))
                .values(evaluated_at=utc_now())
            )
    rows: dict[tuple[str, int, str, str], dict[str, object]] = {}
    for (person_key, year), found in still.items():
        identity = walked[(person_key, year)]
        for missing, on, region in found:
            rows.setdefault(
                (person_key, year, missing.pack_id, missing.figure),
                {
                    "person_key": person_key,
                    "year": year,
                    "pack_id": missing.pack_id,
                    "figure": missing.figure,
                    "region_code": region,
                    "id_number": identity.id_number,
                    "name": identity.name,
                    "first_claim_date": on,
                    "evaluated_at": None,
                },
            )
    if rows:
        await conn.execute(_reopen(conn), [rows[k] for k in sorted(rows)])


def _reopen(conn: AsyncConnection) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(waiting_years)
    return statement.on_conflict_do_update(
        index_elements=["person_key", "year", "pack_id", "figure"], set_={"evaluated_at": None}
    )


class WaitingCount(NamedTuple):
    persons: int
    claims: int


async def waiting_by_figure(conn: AsyncConnection) -> dict[tuple[str, str, int], WaitingCount]:
    """(pack, figure, year) → the persons and counted claims still waiting on it."""
    return {
        (r.pack_id, r.figure, r.year): WaitingCount(r.persons, r.claims)
        for r in await conn.execute(_waiting(waiting_years.c.pack_id, waiting_years.c.figure))
    }


async def waiting_by_region(conn: AsyncConnection) -> dict[tuple[str, int], WaitingCount]:
    """(county, year) → the persons and counted claims some rule could not evaluate yet."""
    return {
        (r.region_code, r.year): WaitingCount(r.persons, r.claims)
        for r in await conn.execute(_waiting(waiting_years.c.region_code))
    }


def _waiting(*by: sa.ColumnElement[Any]) -> sa.Select[Any]:
    w, f = waiting_years.c, claim_facts.c
    return (
        sa.select(
            *by,
            w.year,
            sa.func.count(sa.distinct(w.person_key)).label("persons"),
            sa.func.count(sa.distinct(f.claim_id)).label("claims"),
        )
        .select_from(
            waiting_years.join(
                claim_facts, sa.and_(f.person_key == w.person_key, f.year == w.year, f.superseded_by.is_(None))
            )
        )
        .where(w.evaluated_at.is_(None))
        .group_by(*by, w.year)
    )


def unevaluated_source(engine: AsyncEngine) -> MetricSource:
    async def source() -> list[Metric]:
        async with engine.connect() as conn:
            counts = await waiting_by_region(conn)
        gauge = GaugeMetricFamily(
            "safetynet_claims_unevaluated",
            "Counted claims a warning rule could not evaluate yet for want of a policy figure, by county and year",
            labels=["region", "year"],
        )
        for (region, year), count in sorted(counts.items()):
            gauge.add_metric([region, str(year)], count.claims)
        return [gauge]

    return source
