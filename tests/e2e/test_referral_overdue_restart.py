"""referral.overdue is published exactly once per breach, also when the breach happened while the service was down.

The referral service alone, on the real bus, with a decision deadline an operator set locally (the Shanxi seed sets
none: 规定时间 has no number): warnings of Fri 2026-09-25 (due Fri 2026-10-09, see tests/unit/test_deadline_rules.py)
open referrals; the service stops, "wakes up" on Mon 2026-10-12 and is started, stopped and started again. The
events on the referral.overdue topic are counted by a probe consumer of its own.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from libs.common.categories import Category
from libs.common.messaging.contracts.monitoring import RiskFlaggedV1, RiskLevel
from libs.common.messaging.envelope import Envelope
from libs.common.settings import Settings
from tests.e2e.referral_alone import (
    flag_envelope,
    publish_flags,
    published,
    referral_service,
    referral_settings,
    with_local_decision_deadline,
)
from tests.e2e.system import eventually, person

MS = {"Authorization": "Bearer dev-medical_security-141123"}
CIVIL = {"Authorization": "Bearer dev-civil_affairs-141123"}
FLAGGED_AT = datetime(2026, 9, 25, 1, 0, tzinfo=UTC)  # 09:00 in China, Fri 2026-09-25
LOCAL_RULE = "吕梁市医保局 转介办理时限 (test): 民政、乡村振兴部门收到转介后5个工作日内作出决定"


@pytest.fixture(params=["embedded-sqlite", "kafka-postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    # A short scan interval, so a stray second publication would show within the test.
    policies = with_local_decision_deadline(tmp_path, "shanxi-2022", 5, LOCAL_RULE)
    yield from referral_settings(request, tmp_path, deadline_scan_interval_seconds=0.2, policies_dir=policies)


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
    return flag_envelope(event, FLAGGED_AT)


async def overdue_events(settings: Settings) -> Counter[str]:
    """Every referral.overdue on the topic, by referral id."""
    return Counter(str(e.data["referral_id"]) for e in await published(settings, "referral.overdue"))


async def listed(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/referrals", headers=MS)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


async def test_a_restart_publishes_exactly_one_overdue_per_breach(settings: Settings) -> None:
    await publish_flags(settings, [flag(31), flag(32), flag(33)], ["referral.overdue"])

    # Run 1, on Mon 2026-09-28: the three warnings open six referrals (civil affairs + rural revitalization each),
    # due Fri 2026-10-09; civil affairs answers one of them. Nothing is overdue yet.
    async with referral_service(settings, date(2026, 9, 28)) as (client, _):
        six = await eventually(lambda: _exactly(client, 6))
        assert {(r["opened_on"], r["due_on"], r["due_provisional"], r["deadline_rule_id"]) for r in six} == {
            ("2026-09-25", "2026-10-09", False, "shanxi-2022:referral")
        }
        answered = next(r for r in six if r["agency"] == "civil_affairs")
        resolution = await client.post(
            f"/referrals/{answered['referral_id']}/resolution", headers=CIVIL, json={"outcome": "纳入低保"}
        )
        assert resolution.status_code == 200, resolution.text
        await asyncio.sleep(0.5)  # at least two scans at 0.2 s
    # Run 2, on Mon 2026-10-12, after the deadline passed while the service was down: five unanswered referrals.
    # Working days overdue: Sat 10-10 (调休) = 1, Mon 10-12 = 2.
    async with referral_service(settings, date(2026, 10, 12)) as (client, _):

        async def five_noted() -> list[dict[str, Any]]:
            rows = await listed(client)
            noted = [r for r in rows if r["overdue_noted_on"] == "2026-10-12"]
            return noted if len(noted) == 5 else []

        noted = await eventually(five_noted)
        assert {r["working_days_overdue"] for r in noted} == {2}
        assert answered["referral_id"] not in {r["referral_id"] for r in noted}
        await asyncio.sleep(0.5)
    # Run 3, the next day: the same five are still overdue (and counted on: Tue 10-13 = 3), but published once.
    async with referral_service(settings, date(2026, 10, 13)) as (client, _):
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
