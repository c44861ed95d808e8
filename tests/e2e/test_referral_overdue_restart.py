"""referral.overdue is published exactly once per breach, also when the breach happened while the service was down.

The referral service alone, on the real bus: warnings of Fri 2026-09-25 (due Fri 2026-10-09, see
tests/unit/test_deadline_rules.py) open referrals; the service stops, "wakes up" on Mon 2026-10-12 and is started,
stopped and started again. The events on the referral.overdue topic are counted by a probe consumer of its own.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from libs.common.categories import Category
from libs.common.messaging.bus import Record
from libs.common.messaging.contracts.monitoring import RiskFlaggedV1, RiskLevel
from libs.common.messaging.envelope import Envelope
from libs.common.runtime import build_bus
from libs.common.settings import Settings
from services.referral.app import build
from tests import backends
from tests.conftest import make_settings
from tests.e2e.system import eventually, person

MS = {"Authorization": "Bearer dev-medical_security-141123"}
CIVIL = {"Authorization": "Bearer dev-civil_affairs-141123"}
FLAGGED_AT = datetime(2026, 9, 25, 1, 0, tzinfo=UTC)  # 09:00 in China, Fri 2026-09-25


@pytest.fixture(params=["embedded-sqlite", "kafka-postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    # A short scan interval, so a stray second publication would show within the test.
    if request.param == "embedded-sqlite":
        yield make_settings(tmp_path, deadline_scan_interval_seconds=0.2)
        return
    admin = request.getfixturevalue("pg_admin_url")
    stem = backends.unique("sn_")
    with backends.postgres_databases(admin, [f"{stem}_referral"]):
        yield make_settings(
            tmp_path,
            database_url=backends.database_url(admin, f"{stem}_{{service}}"),
            bus="kafka",
            kafka_bootstrap_servers=request.getfixturevalue("kafka_bootstrap"),
            kafka_idempotence=backends.kafka_idempotence(),
            kafka_partitions=3,
            kafka_session_timeout_ms=6_000,
            topic_prefix=backends.unique("t") + ".",
            deadline_scan_interval_seconds=0.2,
        )


@asynccontextmanager
async def referral_service(settings: Settings, today: date) -> AsyncIterator[httpx.AsyncClient]:
    """One run of the referral service whose clock starts on ``today``."""
    app = build(settings.model_copy(update={"today": today}))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://r") as client:
        yield client


def flag(seq: int) -> Envelope:
    event = RiskFlaggedV1(
        flag_id=f"F-{seq}",
        person_key=f"person-{seq}",
        id_number=person(seq),
        name="赵六",
        region_code="141123",
        year=2026,
        level=RiskLevel.RELAPSE,
        category=Category.DIBAO,
        policy_pack_id="shanxi-2022",
        rule_id="shanxi-2022-relapse",
        threshold=Decimal("6000.00"),
        cumulative_total_cost=Decimal("50000.00"),
        cumulative_burden=Decimal("9000.00"),
        claim_id=f"C-{seq}",
        settlement_date=date(2026, 9, 24),
        diagnosis="脑梗死",
        risk_description="2026年9月24日，因脑梗死，医疗总费用50000.00元，医疗保障报销后个人负担9000.00元，存在因病返贫致贫风险。",
    )
    return Envelope(
        source="/safetynet/monitoring",
        type=event.event_type,
        subject=event.person_key,
        time=FLAGGED_AT,
        schemaversion=event.version,
        correlationid=event.flag_id,
        data=event.model_dump(mode="json"),
    )


async def publish_flags(settings: Settings, envelopes: list[Envelope]) -> None:
    bus = build_bus(settings, "test-monitoring")
    await bus.start()
    try:
        await bus.ensure_topics(["risk.flagged", "referral.overdue"])
        await bus.publish([Record("risk.flagged", e.subject, e.to_bytes()) for e in envelopes])
    finally:
        await bus.stop()


async def overdue_events(settings: Settings, quiet: float = 3.0, timeout: float = 60.0) -> Counter[str]:
    """Every referral.overdue on the topic, by referral id: read until nothing more came for ``quiet`` seconds."""
    bus = build_bus(settings, "probe")
    await bus.start()
    consumer = bus.consumer(backends.unique("probe"), ["referral.overdue"])
    await consumer.start()
    seen: Counter[str] = Counter()
    try:
        last, started = time.monotonic(), time.monotonic()
        while time.monotonic() - last < quiet and time.monotonic() - started < timeout:
            deliveries = await consumer.fetch(max_records=500, timeout=0.5)
            for d in deliveries:
                seen[str(Envelope.from_bytes(d.value).data["referral_id"])] += 1
            if deliveries:
                last = time.monotonic()
    finally:
        await consumer.stop()
        await bus.stop()
    return seen


async def listed(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/referrals", headers=MS)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


async def test_a_restart_publishes_exactly_one_overdue_per_breach(settings: Settings) -> None:
    await publish_flags(settings, [flag(31), flag(32), flag(33)])

    # Run 1, on Mon 2026-09-28: the three warnings open six referrals (civil affairs + rural revitalization each),
    # due Fri 2026-10-09; civil affairs answers one of them. Nothing is overdue yet.
    async with referral_service(settings, date(2026, 9, 28)) as client:
        six = await eventually(lambda: _exactly(client, 6))
        assert {(r["opened_on"], r["due_on"], r["due_provisional"]) for r in six} == {
            ("2026-09-25", "2026-10-09", False)
        }
        answered = next(r for r in six if r["agency"] == "civil_affairs")
        resolution = await client.post(
            f"/referrals/{answered['referral_id']}/resolution", headers=CIVIL, json={"outcome": "纳入低保"}
        )
        assert resolution.status_code == 200, resolution.text
        await asyncio.sleep(0.5)  # at least two scans at 0.2 s
    # Run 2, on Mon 2026-10-12, after the deadline passed while the service was down: five unanswered referrals.
    # Working days overdue: Sat 10-10 (调休) = 1, Mon 10-12 = 2.
    async with referral_service(settings, date(2026, 10, 12)) as client:

        async def five_noted() -> list[dict[str, Any]]:
            rows = await listed(client)
            noted = [r for r in rows if r["overdue_noted_on"] == "2026-10-12"]
            return noted if len(noted) == 5 else []

        noted = await eventually(five_noted)
        assert {r["working_days_overdue"] for r in noted} == {2}
        assert answered["referral_id"] not in {r["referral_id"] for r in noted}
        await asyncio.sleep(0.5)
    # Run 3, the next day: the same five are still overdue (and counted on: Tue 10-13 = 3), but published once.
    async with referral_service(settings, date(2026, 10, 13)) as client:
        await asyncio.sleep(0.5)
        rows = await listed(client)
        assert sorted(r["working_days_overdue"] for r in rows if r["status"] != "resolved") == [3] * 5
        assert {r["overdue_noted_on"] for r in rows if r["status"] != "resolved"} == {"2026-10-12"}

    seen = await overdue_events(settings)
    assert sorted(seen.values()) == [1] * 5
    assert set(seen) == {r["referral_id"] for r in noted}


async def _exactly(client: httpx.AsyncClient, n: int) -> list[dict[str, Any]]:
    rows = await listed(client)
    return rows if len(rows) == n else []
