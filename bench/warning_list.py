"""Benchmark: 附件1 of one county with 1,000,000 warnings, as XLSX and CSV through the REST route (issue 5 (c)).

Targets: < 10 s, streamed, peak RSS < 500 MB. The monitoring service runs in a child process under uvicorn (so
the client's buffers are not counted); the parent streams each response to nowhere and reads the child's peak RSS
(VmHWM, reset before each download). In the same run, the raw baseline: PostgreSQL's own
``COPY (the same ordered SELECT) TO STDOUT`` of the same rows through asyncpg, with no application code.

    SAFETYNET_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/warning_list.py --rows 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.dialects import postgresql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from libs.common.db import create_engine
from libs.common.idcard import make_id_number
from libs.common.migrations import upgrade
from libs.common.settings import Settings
from services.monitoring.reports import warning_lists
from services.monitoring.reports.periods import Month
from tests import backends

COUNTY, MONTH = "141123", Month(2026, 3)
CATEGORIES = ["tekun", "dibao", "dibao_edge", "returned_to_poverty", "unstable_out_of_poverty", "edge_of_poverty",
              "sudden_hardship", "stable_out_of_poverty", None]  # fmt: skip
SURNAMES, GIVEN = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
MIGRATIONS = Path(__file__).resolve().parents[1] / "services" / "monitoring" / "migrations"


def rows(count: int) -> Iterator[tuple[object, ...]]:
    rng = random.Random(5)
    townships = [f"第{i}镇" for i in range(1, 21)]
    for i in range(count):
        township = townships[i % 20]
        settled = MONTH.first_day + timedelta(days=rng.randrange(31))
        burden = rng.randrange(600_001, 9_000_000) / 100
        total = burden * 4
        number = make_id_number(COUNTY, date(1950, 1, 1) + timedelta(days=i % 20000), i % 1000)
        yield (
            f"F{i:07d}", f"K{i:07d}", COUNTY, settled, township, f"{township}{rng.randrange(1, 16)}村",
            rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), number, rng.choice(CATEGORIES),
            "relapse", f"{settled.year}年{settled.month}月{settled.day}日，因肺恶性肿瘤，医疗总费用{total:.2f}元，"
            f"医疗保障报销后个人负担{burden:.2f}元，存在因病返贫致贫风险。", None,
        )  # fmt: skip


async def seed(url: str, count: int) -> None:
    engine = create_engine(url)
    await upgrade(engine, MIGRATIONS)
    await engine.dispose()
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    columns = ["flag_id", "person_key", "region_code", "settlement_date", "township", "village", "name",
               "id_number", "category", "level", "risk_description", "list_month"]  # fmt: skip
    batch: list[tuple[object, ...]] = []
    for row in rows(count):
        batch.append(row)
        if len(batch) == 100_000:
            await conn.copy_records_to_table("warning_entries", records=batch, columns=columns)
            batch = []
    if batch:
        await conn.copy_records_to_table("warning_entries", records=batch, columns=columns)
    await conn.execute("ANALYZE warning_entries")
    await conn.close()


async def raw_baseline(url: str) -> tuple[float, int]:
    query = warning_lists.ordered(warning_lists.membership(COUNTY, MONTH, set()))
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))  # type: ignore[no-untyped-call]
    size = 0

    async def sink(chunk: bytes) -> None:
        nonlocal size
        size += len(chunk)

    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    started = time.perf_counter()
    await conn.copy_from_query(sql, output=sink, format="csv")
    took = time.perf_counter() - started
    await conn.close()
    return took, size


def serve(database_url: str, port: int) -> None:
    import uvicorn

    from services.monitoring.app import build

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(environment="test", database_url=database_url, data_dir=Path(tmp), log_level="WARNING")
        uvicorn.run(build(settings), host="127.0.0.1", port=port, log_level="warning")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # Linux: reset the peak RSS (VmHWM) to the current RSS


async def download(port: int, suffix: str, pid: int) -> tuple[float, int, float]:
    reset_peak(pid)
    size = 0
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
        started = time.perf_counter()
        url = f"/reports/warning-lists/{COUNTY}/{MONTH}{suffix}"
        async with client.stream("GET", url, headers={"Authorization": "Bearer dev-medical_security"}) as response:
            assert response.status_code == 200, await response.aread()
            async for chunk in response.aiter_raw():
                size += len(chunk)
        took = time.perf_counter() - started
    return took, size, peak_rss_mb(pid)


async def main(count: int) -> None:
    admin = os.environ.get("SAFETYNET_TEST_DATABASE_URL")
    if not admin:
        sys.exit("set SAFETYNET_TEST_DATABASE_URL (an admin URL to a PostgreSQL server)")
    stem = backends.unique("bench_")
    with backends.postgres_databases(admin, [f"{stem}_monitoring"]):
        url = backends.database_url(admin, f"{stem}_monitoring")
        started = time.perf_counter()
        await seed(url, count)
        print(f"seeded {count:,} warnings in county {COUNTY}, {MONTH} (COPY): {time.perf_counter() - started:.1f}s")
        raw_s, raw_bytes = await raw_baseline(url)
        print(f"baseline: COPY (same ordered SELECT) TO STDOUT: {raw_s:.2f}s, {raw_bytes / 1e6:.0f} MB")

        port = backends.free_port()
        process = multiprocessing.get_context("spawn").Process(
            target=serve, args=(backends.database_url(admin, f"{stem}_{{service}}"), port)
        )
        process.start()
        try:
            assert process.pid is not None
            await asyncio.to_thread(backends.wait_for_port, port, 60)
            idle = peak_rss_mb(process.pid)
            print(f"service process started, peak RSS so far {idle:.0f} MB")
            for suffix in (".csv", ".xlsx"):
                took, size, rss = await download(port, suffix, process.pid)
                print(
                    f"附件1{suffix}: {took:.2f}s for {count:,} rows, {size / 1e6:.0f} MB, peak RSS {rss:.0f} MB "
                    f"(targets < 10 s, < 500 MB); ratio to the raw COPY: {took / raw_s:.1f}"
                )
        finally:
            process.terminate()
            process.join()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    asyncio.run(main(parser.parse_args().rows))
