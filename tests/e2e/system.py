"""Drive the running system over REST, in-process (httpx ASGI transport, real databases and buses)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from libs.common.idcard import make_id_number
from libs.common.runtime import ServiceRuntime
from libs.common.settings import Settings
from services.system import running
from tests import backends
from tests.conftest import make_settings

TOKENS = {
    "medical_security": "dev-medical_security",
    "civil_affairs": "dev-civil_affairs-141123",
    "rural_revitalization": "dev-rural_revitalization-141123",
}


def auth(agency: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[agency]}"}


class Api(dict[str, httpx.AsyncClient]):
    """A REST client per service, plus the running apps for looking inside (e.g. the outbox backlog)."""

    apps: dict[str, FastAPI]

    def runtime(self, name: str) -> ServiceRuntime:
        runtime: ServiceRuntime = self.apps[name].state.runtime
        return runtime


@asynccontextmanager
async def one_service_on_postgres(pg_admin_url: str, tmp_path: Path, service: str) -> AsyncIterator[FastAPI]:
    """One service alone on a fresh PostgreSQL database of its own (dropped afterwards), embedded bus."""
    stem = backends.unique("sn_")
    with backends.postgres_databases(pg_admin_url, [f"{stem}_{service}"]):
        template = backends.database_url(pg_admin_url, f"{stem}_{{service}}")
        async with running(make_settings(tmp_path, database_url=template), only=service) as apps:
            yield apps[service]


@asynccontextmanager
async def system(settings: Settings) -> AsyncIterator[Api]:
    async with AsyncExitStack() as stack:
        apps = await stack.enter_async_context(running(settings))
        clients = Api()
        clients.apps = apps
        for name, app in apps.items():
            transport = httpx.ASGITransport(app=app)
            clients[name] = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url=f"http://{name}")
            )
        yield clients


def person(seq: int) -> str:
    return make_id_number("141123", date(1962, 4, 1), seq)


def claim_body(claim_id: str, id_number: str, burden: str, total: str = "85000.00") -> dict[str, Any]:
    from decimal import Decimal

    paid = Decimal(total) - Decimal(burden)
    basic = (paid * Decimal("0.7")).quantize(Decimal("0.01"))
    return {
        "claim_id": claim_id,
        "id_number": id_number,
        "name": "王五",
        "region_code": "141123",
        "settlement_date": "2026-03-05",
        "diagnosis": "肺恶性肿瘤",
        "total_cost": total,
        "basic_insurance_paid": str(basic),
        "critical_illness_paid": str(paid - basic),
        "medical_assistance_paid": "0.00",
        "personal_burden": burden,
    }


async def eventually(probe: Any, timeout: float = 60.0, interval: float = 0.2) -> Any:
    """Poll an async probe until it returns something truthy; the system is asynchronous by design."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        await asyncio.sleep(interval)
