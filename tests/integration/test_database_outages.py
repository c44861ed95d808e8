"""A service and its PostgreSQL database coming and going: it starts before the database does, it answers 503
with Retry-After while the database is unreachable, and it is back when the database is. The database is
reached through a TcpProxy, so cutting the proxy makes the server unreachable without stopping it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine.url import make_url

from services.system import running
from tests import backends
from tests.conftest import make_settings
from tests.e2e.system import auth, claim_body, person

pytestmark = pytest.mark.integration


@pytest.fixture
def proxied(pg_admin_url: str) -> Iterator[tuple[backends.TcpProxy, str]]:
    """A closed proxy to PostgreSQL, and a database URL template through it (the assistance database exists)."""
    stem = backends.unique("sn_")
    proxy = backends.TcpProxy(backends.free_port(), make_url(pg_admin_url).port or 5432)
    admin = make_url(pg_admin_url)
    through_proxy = admin.set(port=proxy.listen_port).render_as_string(hide_password=False)
    template = backends.database_url(through_proxy, f"{stem}_{{service}}")
    with backends.postgres_databases(pg_admin_url, [f"{stem}_assistance"]):
        try:
            yield proxy, template
        finally:
            proxy.close()


@pytest.fixture
async def assistance(proxied: tuple[backends.TcpProxy, str], tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    proxy, template = proxied
    proxy.open()
    async with running(make_settings(tmp_path, database_url=template), only="assistance") as apps:
        transport = httpx.ASGITransport(app=apps["assistance"])
        async with httpx.AsyncClient(transport=transport, base_url="http://assistance") as client:
            yield client


async def test_a_service_started_before_its_database_comes_up_when_it_does(
    proxied: tuple[backends.TcpProxy, str], tmp_path: Path
) -> None:
    proxy, template = proxied

    async def database_back_later() -> None:
        await asyncio.sleep(3)
        await asyncio.to_thread(proxy.open)

    back = asyncio.create_task(database_back_later())
    async with running(make_settings(tmp_path, database_url=template), only="assistance") as apps:
        assert back.done()  # it waited for the database instead of exiting
        transport = httpx.ASGITransport(app=apps["assistance"])
        async with httpx.AsyncClient(transport=transport, base_url="http://assistance") as client:
            posted = await client.post(
                "/claims", headers=auth("medical_security"), json=claim_body("C-UP-1", person(51), "1000.00")
            )
            assert posted.status_code == 201, posted.text  # migrated: the claims table is there
            assert (await client.get("/healthz")).status_code == 200


async def test_an_outage_answers_503_with_retry_after_and_no_sql(
    proxied: tuple[backends.TcpProxy, str], assistance: httpx.AsyncClient
) -> None:
    proxy, _ = proxied
    posted = await assistance.post(
        "/claims", headers=auth("medical_security"), json=claim_body("C-OUT-1", person(52), "1000.00")
    )
    assert posted.status_code == 201, posted.text

    proxy.cut()
    read = await assistance.get("/claims/C-OUT-1", headers=auth("medical_security"))
    assert read.status_code == 503, read.text
    assert int(read.headers["Retry-After"]) > 0
    assert read.headers["content-type"] == "application/problem+json"
    problem = read.json()
    assert problem["status"] == 503 and problem["type"].endswith("/unavailable")
    assert "数据库暂不可用" in problem["title"]
    assert not any(word in read.text.lower() for word in ("select", "claims.", "traceback", "asyncpg"))
    write = await assistance.post(
        "/claims", headers=auth("medical_security"), json=claim_body("C-OUT-2", person(53), "1000.00")
    )
    assert write.status_code == 503 and "Retry-After" in write.headers, write.text
    health = await assistance.get("/healthz")
    assert health.status_code == 503 and health.json()["database"] is False

    proxy.open()
    assert (await assistance.get("/claims/C-OUT-1", headers=auth("medical_security"))).status_code == 200
    assert (await assistance.get("/healthz")).status_code == 200
