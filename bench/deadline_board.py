"""Benchmark: the ops deadline board with 100,000 awaiting referrals in PostgreSQL (issue 6: < 500 ms).

Seeds the referral service's own table through COPY (libs/common/db.py bulk_insert): 40 counties × 3 agencies,
due dates spread from 60 days ago to 30 days ahead, plus resolved ones the board must skip (--resolved). Then, in
the same run, p50/p95 over repeated requests of:

- baseline: the board's GROUP BY alone, sent by a bare asyncpg connection (no app, no HTTP);
- /board.json and /board (HTML) through the service's ASGI app (auth, both queries, masking, rendering);
- /board.json filtered to one county, and a /metrics scrape (the same GROUP BY at scrape time);

and again after adding a candidate covering index, to show whether the table needs one.

    SAFETYNET_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/deadline_board.py --referrals 100000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from libs.common.clock import china_today
from libs.common.db import bulk_insert
from libs.common.idcard import make_id_number
from libs.common.settings import Settings
from services.referral.tables import referrals
from services.system import running
from tests import backends

AGENCIES = ("civil_affairs", "rural_revitalization", "health")
COUNTIES = [f"14{city:02d}{county:02d}" for city in range(1, 11) for county in range(21, 25)]  # 40 counties
CANDIDATE_INDEX = (
    "CREATE INDEX ix_referrals_status_county_agency_due ON referrals (status, region_code, agency, due_on)"
)
RAW_GROUP_BY = """
SELECT region_code, agency, count(*),
       count(*) FILTER (WHERE due_on = $1), count(*) FILTER (WHERE due_on > $1 AND due_on <= $2),
       count(*) FILTER (WHERE due_on < $1), min(due_on)
FROM referrals WHERE status IN ('open', 'acknowledged') GROUP BY region_code, agency
"""


def rows(awaiting: int, resolved: int) -> list[dict[str, Any]]:
    rng = random.Random(6)
    today = china_today()
    out = []
    for n in range(awaiting + resolved):
        county = COUNTIES[n % len(COUNTIES)]
        due = today + timedelta(days=rng.randint(-60, 30))
        out.append(
            {
                "referral_id": f"R{n:07d}",
                "flag_id": f"F{n:07d}",
                "person_key": f"p{n:07d}",
                "id_number": make_id_number(county, today.replace(year=1960), n % 1000),
                "name": "王五",
                "region_code": county,
                "agency": AGENCIES[n % len(AGENCIES)],
                "risk_description": "存在因病返贫致贫风险。",
                "opened_on": due - timedelta(days=7),
                "due_on": due,
                "due_provisional": False,
                "deadline_rule_id": "shanxi-2022:referral",
                "status": ("acknowledged" if n % 5 == 0 else "open") if n < awaiting else "resolved",
            }
        )
    return out


async def timed(label: str, call: Callable[[], Awaitable[Any]], repeat: int) -> float:
    await call()  # warm: plans, pools, template compilation
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p50 = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"  {label:<34} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    return p50


async def measure(client: httpx.AsyncClient, raw: asyncpg.Connection, repeat: int) -> None:
    today = china_today()
    auth = {"Authorization": "Bearer dev-medical_security"}

    async def get(path: str, **params: str) -> None:
        response = await client.get(path, params=params, headers=auth)
        assert response.status_code == 200, response.text[:300]

    async def group_by() -> None:
        await raw.fetch(RAW_GROUP_BY, today, today + timedelta(days=4))

    plan = await raw.fetch("EXPLAIN " + RAW_GROUP_BY, today, today + timedelta(days=4))
    scans = [row[0].strip(" ->") for row in plan if "Scan" in row[0]]
    print(f"  plan: {'; '.join(scans)}")
    baseline = await timed("baseline: raw GROUP BY (asyncpg)", group_by, repeat)
    as_json = await timed("GET /board.json", lambda: get("/board.json"), repeat)
    as_html = await timed("GET /board (HTML)", lambda: get("/board"), repeat)
    await timed("GET /board.json?county=140121", lambda: get("/board.json", county="140121"), repeat)
    await timed("GET /metrics (referral)", lambda: get("/metrics"), repeat)
    print(f"  ratio /board.json / baseline: {as_json / baseline:.2f}   /board / baseline: {as_html / baseline:.2f}")
    print(f"  target < 500 ms: {'met' if max(as_json, as_html) < 500 else 'NOT met'} (p50)")


async def main(count: int, resolved: int, repeat: int) -> None:
    admin = os.environ.get("SAFETYNET_TEST_DATABASE_URL")
    if not admin:
        sys.exit("set SAFETYNET_TEST_DATABASE_URL (an admin URL to a PostgreSQL server)")
    stem = backends.unique("bench_")
    with backends.postgres_databases(admin, [f"{stem}_referral"]), tempfile.TemporaryDirectory() as tmp:
        url = backends.database_url(admin, f"{stem}_{{service}}")
        settings = Settings(environment="test", database_url=url, data_dir=Path(tmp))
        async with running(settings, only="referral") as apps:
            engine = apps["referral"].state.runtime.engine
            seeded = rows(count, resolved)
            started = time.perf_counter()
            async with engine.begin() as conn:
                await bulk_insert(conn, referrals, seeded)
            async with engine.connect() as conn:
                await conn.exec_driver_sql("ANALYZE referrals")
                await conn.commit()
            took = time.perf_counter() - started
            print(f"seeded {count:,} awaiting + {resolved:,} resolved referrals in {took:.1f}s")
            raw = await asyncpg.connect(url.replace("{service}", "referral").replace("+asyncpg", ""))
            transport = httpx.ASGITransport(app=apps["referral"])
            async with httpx.AsyncClient(transport=transport, base_url="http://referral", timeout=60) as client:
                print("with the table's own indexes (ix_referrals_open_due: status, due_on):")
                await measure(client, raw, repeat)
                await raw.execute(CANDIDATE_INDEX)
                await raw.execute("ANALYZE referrals")
                print(f"with the candidate index ({CANDIDATE_INDEX.split(' ON ')[1]}):")
                await measure(client, raw, repeat)
            await raw.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--resolved", type=int, default=20_000, help="answered referrals the board must skip")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    asyncio.run(main(args.referrals, args.resolved, args.repeat))
