"""Benchmark: one overdue scan of the referral service over 1,000,000 open referrals in PostgreSQL (issue 6: < 1 s,
an indexed query, not a loop in Python).

Seeds the referral service's own schema (its Alembic migrations) through COPY (``libs.common.db.bulk_insert``):
``--open`` open referrals, of which ``--breached`` became overdue since the last scan, ``--noted`` were already
published as overdue earlier (still unanswered, so still open) and the rest are not yet due; plus ``--closed``
answered ones. Then, in the same run and on the same table:

- baseline: ``SELECT count(*)`` over the table (a full scan of every row);
- scan with breaches: ``OverdueScan.run_once`` as the service runs it — the one UPDATE … RETURNING through the
  partial index, one referral.overdue per breach into the outbox, commit;
- steady scan: the same again when nothing new is overdue (what runs every interval almost always).

Prints EXPLAIN's plan of the breach statement too. Timings are medians of ``--repeat`` runs (the breach scan runs
once per fresh set of breaches).

    SAFETYNET_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/deadline_scan.py --open 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from libs.common.calendar import WorkingCalendar
from libs.common.db import bulk_insert, create_engine
from libs.common.deadline_rules import breach_cutoff
from libs.common.deadlines import claim_breaches
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.migrations import upgrade
from services.referral.overdue import OverdueScan
from services.referral.tables import messaging, referrals
from tests import backends

TODAY = date(2026, 11, 23)  # a Monday; the cutoff is the day itself
CHUNK = 100_000
RISK = "2026年3月5日，因肺恶性肿瘤，医疗总费用85000.00元，医疗保障报销后个人负担12000.00元，存在因病返贫致贫风险。"
HOLIDAYS = Path(__file__).resolve().parents[1] / "deploy" / "holidays.yaml"
MIGRATIONS = Path(__file__).resolve().parents[1] / "services" / "referral" / "migrations"


def rows(
    start: int, n: int, *, due_on: date, spread: int = 1, status: str = "open", noted: date | None = None
) -> list[dict[str, object]]:
    closed = TODAY - timedelta(days=3) if status == "resolved" else None
    return [
        {
            "referral_id": f"R{i:09d}",
            "flag_id": f"F{i:09d}",
            "person_key": f"P{i:09d}",
            "id_number": "141123196204010014",
            "name": "王五",
            "region_code": ("141123", "141124", "140902")[i % 3],
            "agency": ("civil_affairs", "rural_revitalization")[i % 2],
            "risk_description": RISK,
            "opened_on": due_on - timedelta(days=7),
            "due_on": due_on + timedelta(days=i % spread),
            "due_provisional": False,
            "closed_on": closed,
            "breach_noted_on": noted,
            "deadline_rule_id": "shanxi-2022:referral",
            "status": status,
        }
        for i in range(start, start + n)
    ]


def working_days_before(calendar: WorkingCalendar, today: date, n: int) -> list[date]:
    days: list[date] = []
    day = today
    while len(days) < n:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            days.insert(0, day)
    return days


async def seed(engine: sa.ext.asyncio.AsyncEngine, groups: list[tuple[int, dict[str, object]]]) -> float:
    started = time.perf_counter()
    next_id = 0
    for count, kwargs in groups:
        for offset in range(0, count, CHUNK):
            n = min(CHUNK, count - offset)
            async with engine.begin() as conn:
                await bulk_insert(conn, referrals, rows(next_id, n, **kwargs))  # type: ignore[arg-type]
            next_id += n
    async with engine.begin() as conn:
        await conn.execute(sa.text("ANALYZE referrals"))
    return time.perf_counter() - started


async def timed(engine: sa.ext.asyncio.AsyncEngine, statement: str) -> float:
    async with engine.connect() as conn:
        started = time.perf_counter()
        await conn.execute(sa.text(statement))
        return time.perf_counter() - started


async def main(args: argparse.Namespace) -> None:
    admin = os.environ.get("SAFETYNET_TEST_DATABASE_URL")
    if not admin:
        sys.exit("set SAFETYNET_TEST_DATABASE_URL to a PostgreSQL admin URL")
    calendar = WorkingCalendar.from_file(HOLIDAYS)
    name = backends.unique("bench_scan_")
    with backends.postgres_databases(admin, [name]):
        engine = create_engine(backends.database_url(admin, name))
        await upgrade(engine, MIGRATIONS)
        dues = working_days_before(calendar, TODAY, args.repeat)
        not_due = args.open - args.breached * args.repeat - args.noted
        took = await seed(
            engine,
            [
                (not_due, {"due_on": TODAY + timedelta(days=1), "spread": 20}),
                (args.noted, {"due_on": TODAY - timedelta(days=20), "noted": TODAY - timedelta(days=19)}),
                (args.closed, {"due_on": TODAY - timedelta(days=10), "status": "resolved"}),
                # One batch of fresh breaches per repetition, due on consecutive working days: each run of the scan,
                # its clock on the working day after the batch's due day, finds exactly that batch.
                *[(args.breached, {"due_on": due}) for due in dues],
            ],
        )
        total = args.open + args.closed
        print(f"seeded {total:,} referrals ({args.open:,} open) with COPY in {took:.1f} s")

        async with engine.connect() as conn:
            statement = claim_breaches(referrals, breach_cutoff(calendar, TODAY), TODAY, returning=("person_key",))
            compiled = statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
            plan = (await conn.execute(sa.text(f"EXPLAIN {compiled}"))).scalars().all()
        print("EXPLAIN (breach statement):")
        for line in plan:
            print("   ", line)

        baseline = statistics.median(
            [await timed(engine, "SELECT count(*) FROM referrals") for _ in range(args.repeat)]
        )
        breach_runs, steady_runs, found = [], [], []
        for due in dues:
            day = calendar.next_working_day(due).due
            scan = OverdueScan(lambda: UnitOfWork(engine, messaging, "/bench"), calendar, lambda day=day: day)
            started = time.perf_counter()
            found.append(await scan.run_once())
            breach_runs.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert await scan.run_once() == 0
            steady_runs.append(time.perf_counter() - started)
        async with engine.connect() as conn:
            outbox = await conn.scalar(sa.select(sa.func.count()).select_from(messaging.outbox))
        await engine.dispose()

    breach, steady = statistics.median(breach_runs), statistics.median(steady_runs)
    print(f"breaches found per scan: {found} (outbox rows written: {outbox})")
    print(f"baseline count(*) over {total:,} rows: {baseline * 1000:8.1f} ms")
    print(f"scan, {args.breached:,} new breaches:  {breach * 1000:8.1f} ms  ratio to baseline {breach / baseline:.2f}")
    print(f"steady scan (nothing new):     {steady * 1000:8.1f} ms  ratio to baseline {steady / baseline:.3f}")
    verdict = "met" if max(breach, steady) < 1 else "NOT met"
    print(f"target < 1 s for one scan over {args.open:,} open referrals: {verdict}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=1_000_000, help="open referrals")
    parser.add_argument("--breached", type=int, default=1_000, help="new breaches per scan")
    parser.add_argument("--noted", type=int, default=50_000, help="open referrals already published as overdue")
    parser.add_argument("--closed", type=int, default=200_000, help="answered referrals (not open)")
    parser.add_argument("--repeat", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
