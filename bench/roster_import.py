"""Benchmark: a 附件3 XLSX through the REST upload into PostgreSQL (issue 4: 100,000 rows, < 10 s, < 500 MB).

The upload runs in a child process that reports its own wall time and peak RSS (nothing else runs there, and no
tracemalloc, which would distort the timing). In the same run, the raw baseline on the same rows: calamine's parse
alone plus a bare asyncpg executemany of the same values into an 8-column table. The ratio says what the
application adds (row checks, pseudonyms, the roster table and one outbox event per row, in one transaction).

    SAFETYNET_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/roster_import.py --rows 100000
"""

from __future__ import annotations

import argparse
import asyncio
import io
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx
from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from libs.common.settings import Settings
from services.system import running
from tests import backends
from tests.e2e import roster_files

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def raw_baseline(admin: str, data: bytes) -> tuple[float, float]:
    started = time.perf_counter()
    table = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    parsed = time.perf_counter() - started
    values = [tuple(str(v) for v in row) for row in table[2:]]
    name = backends.unique("bench_raw_")
    with backends.postgres_databases(admin, [name]):
        conn = await asyncpg.connect(backends.database_url(admin, name).replace("+asyncpg", ""))
        await conn.execute("CREATE TABLE t (a text, b text, c text, d text, e text, f text, g text, h text)")
        started = time.perf_counter()
        await conn.executemany("INSERT INTO t VALUES ($1,$2,$3,$4,$5,$6,$7,$8)", values)
        inserted = time.perf_counter() - started
        await conn.close()
    return parsed, inserted


async def upload(database_url: str, data: bytes, expected: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(environment="test", database_url=database_url, data_dir=Path(tmp))
        async with running(settings, only="enrollment") as apps:
            transport = httpx.ASGITransport(app=apps["enrollment"])
            async with httpx.AsyncClient(transport=transport, base_url="http://e", timeout=600) as client:
                started = time.perf_counter()
                response = await client.post(
                    "/roster/files",
                    headers={"Authorization": "Bearer dev-civil_affairs-141123"},
                    files={"file": ("附件3.xlsx", data, XLSX)},
                )
                took = time.perf_counter() - started
            assert response.status_code == 200, response.text[:300]
            assert response.json()["recorded"] == expected, response.json()
            relay = apps["enrollment"].state.runtime.relay
            while await relay.backlog():  # noqa: ASYNC110 - polling a database count, no event to wait on
                await asyncio.sleep(0.2)
            drained = time.perf_counter() - started
    return took, drained


def child(database_url: str, path: str, expected: int, out: multiprocessing.SimpleQueue) -> None:  # type: ignore[type-arg]
    took, drained = asyncio.run(upload(database_url, Path(path).read_bytes(), expected))
    out.put((took, drained, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


async def main(count: int) -> None:
    admin = os.environ.get("SAFETYNET_TEST_DATABASE_URL")
    if not admin:
        sys.exit("set SAFETYNET_TEST_DATABASE_URL (an admin URL to a PostgreSQL server)")
    data = roster_files.xlsx(roster_files.rows(count))
    print(f"file: {count} rows, {len(data) / 1e6:.1f} MB")
    parse_s, insert_s = await raw_baseline(admin, data)
    baseline = parse_s + insert_s
    print(f"baseline: calamine parse {parse_s:.2f}s + asyncpg executemany {insert_s:.2f}s = {baseline:.2f}s")

    stem = backends.unique("bench_")
    with backends.postgres_databases(admin, [f"{stem}_enrollment"]), tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
        f.write(data)
        f.flush()
        out: multiprocessing.SimpleQueue = multiprocessing.get_context("spawn").SimpleQueue()  # type: ignore[type-arg]
        process = multiprocessing.get_context("spawn").Process(
            target=child, args=(backends.database_url(admin, f"{stem}_{{service}}"), f.name, count, out)
        )
        process.start()
        process.join()
        took, drained, rss_mb = out.get()
    print(f"import via REST: {took:.2f}s = {count / took:,.0f} rows/s (target < 10 s)")
    print(f"outbox drained to the bus {drained:.2f}s after the upload started")
    print(f"peak RSS of the service process: {rss_mb:.0f} MB (target < 500 MB)")
    print(f"ratio import / raw baseline: {took / baseline:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().rows))
