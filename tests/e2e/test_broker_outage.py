"""Broker unreachable while claims are posted: REST keeps answering, and nothing is lost once it is back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from libs.common.settings import Settings
from tests import backends
from tests.conftest import make_settings
from tests.e2e.system import auth, claim_body, eventually, person, system

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(tmp_path: Path, pg_admin_url: str, own_broker: backends.ProxiedKafka) -> Iterator[Settings]:
    stem = backends.unique("sn_")
    services = ["enrollment", "monitoring", "referral", "assistance"]
    with backends.postgres_databases(pg_admin_url, [f"{stem}_{s}" for s in services]):
        yield make_settings(
            tmp_path,
            database_url=backends.database_url(pg_admin_url, f"{stem}_{{service}}"),
            bus="kafka",
            kafka_bootstrap_servers=own_broker.bootstrap,
            kafka_idempotence=backends.kafka_idempotence(),
            kafka_partitions=3,
            kafka_session_timeout_ms=6_000,
        )


async def test_claims_posted_while_the_broker_is_down_all_become_referrals(
    settings: Settings, own_broker: backends.ProxiedKafka
) -> None:
    ms = auth("medical_security")
    async with system(settings) as api:
        # Warm up: one claim through the whole chain while the broker is up.
        warm = await api["assistance"].post("/claims", headers=ms, json=claim_body("W-1", person(1), "25000.00"))
        key = warm.json()["person_key"]

        async def referred(k: str) -> bool:
            r = await api["referral"].get("/referrals", params={"person_key": k}, headers=ms)
            return len(r.json()) == 2

        await eventually(lambda: referred(key), timeout=90)

        own_broker.cut()  # every connection dropped and refused; the broker keeps running, with its log
        keys = []
        for seq in range(2, 7):  # five ordinary residents, each 25,000.00 > 20,000.00
            posted = await api["assistance"].post(
                "/claims", headers=ms, json=claim_body(f"D-{seq}", person(seq), "25000.00")
            )
            assert posted.status_code == 201, posted.text  # the outbox took it; the broker is not needed
            keys.append(posted.json()["person_key"])
        await asyncio.sleep(1.0)  # give the relay time to try, and fail
        relay = api.runtime("assistance").relay
        assert await relay.backlog() == 5

        own_broker.restore()
        await eventually(lambda: _zero(relay.backlog), timeout=90)
        for k in keys:
            await eventually(lambda k=k: referred(k), timeout=120)

        runtime = api.runtime("monitoring")
        async with runtime.engine.connect() as conn:
            flags = await conn.scalar(sa.text("SELECT count(*) FROM risk_flags"))
        assert flags == 6  # the warm-up person and the five: each flagged once


async def _zero(probe: Any) -> bool:
    return bool(await probe() == 0)
