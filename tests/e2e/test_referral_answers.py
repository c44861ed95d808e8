"""Referral answers end to end: claim → warning → referrals → acknowledge → resolve 纳入低保 → roster.changed with
低保 from the resolution date; the answers ledger; who may read and answer (403); invalid transitions (409/422).

Run on the embedded default (SQLite files, embedded bus) and on PostgreSQL + a Kafka-protocol broker.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from libs.common.clock import china_today
from libs.common.messaging.envelope import Envelope
from libs.common.runtime import build_bus
from libs.common.settings import Settings
from tests import backends
from tests.conftest import make_settings
from tests.e2e.system import claim_body, eventually, person, system

MS = {"Authorization": "Bearer dev-medical_security-141123"}
MS_OTHER_COUNTY = {"Authorization": "Bearer dev-medical_security-141124"}
CIVIL = {"Authorization": "Bearer dev-civil_affairs-141123"}
CIVIL_OTHER_COUNTY = {"Authorization": "Bearer dev-civil_affairs-141124"}
RURAL = {"Authorization": "Bearer dev-rural_revitalization-141123"}


@pytest.fixture(params=["embedded-sqlite", "kafka-postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "embedded-sqlite":
        yield make_settings(tmp_path)
        return
    admin = request.getfixturevalue("pg_admin_url")
    bootstrap = request.getfixturevalue("kafka_bootstrap")
    stem = backends.unique("sn_")
    with backends.postgres_databases(
        admin, [f"{stem}_{s}" for s in ("enrollment", "monitoring", "referral", "assistance")]
    ):
        yield make_settings(
            tmp_path,
            database_url=backends.database_url(admin, f"{stem}_{{service}}"),
            bus="kafka",
            kafka_bootstrap_servers=bootstrap,
            kafka_idempotence=backends.kafka_idempotence(),
            kafka_partitions=3,
            kafka_session_timeout_ms=6_000,
            topic_prefix=backends.unique("t") + ".",
        )


async def roster_events(settings: Settings, person_key: str, count: int, timeout: float = 60.0) -> list[dict[str, Any]]:
    """roster.changed events of one person, read from the real bus by a probe consumer group of its own."""
    bus = build_bus(settings, "probe")
    await bus.start()
    consumer = bus.consumer(backends.unique("probe"), ["roster.changed"])
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + timeout
        while len(found) < count and time.monotonic() < deadline:
            for delivery in await consumer.fetch(max_records=500, timeout=0.5):
                envelope = Envelope.from_bytes(delivery.value)
                if envelope.subject == person_key:
                    found.append(envelope.data)
    finally:
        await consumer.stop()
        await bus.stop()
    return found


async def open_referrals(api: dict[str, httpx.AsyncClient], id_number: str) -> dict[str, dict[str, Any]]:
    # An ordinary resident, 25,000.00 left after all tiers: 25,000.00 > 20,000.00 (超过2万元) → 防范因病致贫 warning.
    posted = await api["assistance"].post("/claims", headers=MS, json=claim_body("C-R-1", id_number, "25000.00"))
    assert posted.status_code == 201, posted.text
    key = posted.json()["person_key"]

    async def both() -> list[dict[str, Any]]:
        r = await api["referral"].get("/referrals", params={"person_key": key}, headers=MS)
        result: list[dict[str, Any]] = r.json()
        return result if len(result) == 2 else []

    return {r["agency"]: r for r in await eventually(both)}


async def test_dibao_answer_becomes_a_roster_addition_from_the_resolution_date(settings: Settings) -> None:
    async with system(settings) as api:
        referral = api["referral"]
        refs = await open_referrals(api, person(21))
        civil_ref = refs["civil_affairs"]
        key, rid = civil_ref["person_key"], civil_ref["referral_id"]
        # Shanxi sets no decision deadline: no overdue count, the days waited instead.
        assert (civil_ref["status"], civil_ref["status_label"], civil_ref["working_days_overdue"]) == (
            "open",
            "待签收",
            None,
        )
        assert civil_ref["agency_label"] == "民政局"

        acked = await referral.post(f"/referrals/{rid}/acknowledgement", headers=CIVIL)
        assert acked.status_code == 200, acked.text
        assert (acked.json()["status"], acked.json()["status_label"]) == ("acknowledged", "已签收")

        resolved = await referral.post(f"/referrals/{rid}/resolution", headers=CIVIL, json={"outcome": "纳入低保"})
        assert resolved.status_code == 200, resolved.text
        today = china_today().isoformat()
        body = resolved.json()
        assert (body["status"], body["outcome"], body["outcome_label"], body["closed_on"]) == (
            "resolved",
            "included_dibao",
            "纳入低保",
            today,
        )

        # Rural revitalization includes the person in its monitoring, naming the category.
        rural_rid = refs["rural_revitalization"]["referral_id"]
        monitored = await referral.post(
            f"/referrals/{rural_rid}/resolution",
            headers=RURAL,
            json={"outcome": "纳入防返贫监测", "category": "边缘易致贫"},
        )
        assert monitored.status_code == 200, monitored.text

        # The enrollment service turns each inclusion into a roster addition from the resolution date, on the
        # answering agency's authority; monitoring, which reads roster.changed, then holds both.
        changes = await roster_events(settings, key, count=2)
        assert sorted((c["change_type"], c["category"], c["effective_date"], c["agency"]) for c in changes) == [
            ("added", "dibao", today, "civil_affairs"),
            ("added", "edge_of_poverty", today, "rural_revitalization"),
        ]

        async def dibao_in_monitoring() -> bool:
            r = await api["monitoring"].get(f"/persons/{key}/years/2026", headers=MS)
            return r.status_code == 200 and r.json()["categories_today"] == ["dibao", "edge_of_poverty"]

        await eventually(dibao_in_monitoring)

        # A correction is a new entry; the history keeps every answer, who and when.
        corrected = await referral.post(
            f"/referrals/{rid}/resolution", headers=CIVIL, json={"outcome": "临时救助", "reason": "复核后改为临时救助"}
        )
        assert corrected.status_code == 200, corrected.text
        history = (await referral.get(f"/referrals/{rid}/responses", headers=MS)).json()
        assert [(h["action"], h["action_label"], h["outcome_label"], h["answered_by"]) for h in history] == [
            ("acknowledged", "签收", None, "dev civil_affairs 141123"),
            ("resolved", "反馈结果", "纳入低保", "dev civil_affairs 141123"),
            ("corrected", "更正结果", "临时救助", "dev civil_affairs 141123"),
        ]
        assert history[1]["category_label"] == "低保对象"
        assert {h["answered_by_agency_label"] for h in history} == {"民政局"}
        assert all(h["answered_on"] == today for h in history)


async def test_agencies_read_and_answer_only_their_own_referrals_in_their_county(settings: Settings) -> None:
    async with system(settings) as api:
        referral = api["referral"]
        refs = await open_referrals(api, person(22))
        civil_rid = refs["civil_affairs"]["referral_id"]
        path = f"/referrals/{civil_rid}"

        # Another county's civil affairs: neither read nor answer.
        for response in (
            await referral.get(path, headers=CIVIL_OTHER_COUNTY),
            await referral.get(f"{path}/responses", headers=CIVIL_OTHER_COUNTY),
            await referral.post(f"{path}/acknowledgement", headers=CIVIL_OTHER_COUNTY),
            await referral.post(f"{path}/resolution", headers=CIVIL_OTHER_COUNTY, json={"outcome": "纳入低保"}),
        ):
            assert response.status_code == 403, response.text
            assert response.json()["type"].endswith("/forbidden-region")
        # Another agency of the same county: neither read nor answer.
        for response in (
            await referral.get(path, headers=RURAL),
            await referral.post(f"{path}/acknowledgement", headers=RURAL),
            await referral.post(f"{path}/resolution", headers=RURAL, json={"outcome": "一事一议"}),
        ):
            assert response.status_code == 403, response.text
            assert response.json()["type"].endswith("/forbidden-agency")
            assert "civil_affairs" in response.json()["detail"]
        # Medical security reads all of its county, but answering is the addressed agency's.
        assert (await referral.get(path, headers=MS)).status_code == 200
        assert (await referral.get(path, headers=MS_OTHER_COUNTY)).status_code == 403
        answered_by_ms = await referral.post(f"{path}/resolution", headers=MS, json={"outcome": "纳入低保"})
        assert answered_by_ms.status_code == 403
        # A county's list holds only what the caller may see.
        listed = (await referral.get("/referrals", headers=CIVIL_OTHER_COUNTY)).json()
        assert listed == []
        assert (await referral.get(path, headers=CIVIL)).status_code == 200
        # Nothing was written by the refused calls.
        assert (await referral.get(f"{path}/responses", headers=MS)).json() == []


async def test_invalid_answers_and_transitions_name_their_rule(settings: Settings) -> None:
    async with system(settings) as api:
        referral = api["referral"]
        refs = await open_referrals(api, person(23))
        civil_rid, rural_rid = refs["civil_affairs"]["referral_id"], refs["rural_revitalization"]["referral_id"]

        async def post(path: str, headers: dict[str, str], body: dict[str, Any] | None = None) -> httpx.Response:
            return await referral.post(path, headers=headers, json=body or {})

        def rule(response: httpx.Response) -> tuple[int, str]:
            return response.status_code, response.json()["type"].rsplit("/", 1)[1]

        r = await post(f"/referrals/{rural_rid}/resolution", RURAL, {"outcome": "不符合条件"})
        assert rule(r) == (422, "reason-required")
        assert r.json()["errors"][0]["field"] == "reason"
        r = await post(f"/referrals/{rural_rid}/resolution", RURAL, {"outcome": "纳入低保"})
        assert rule(r) == (422, "outcome-authority")  # 低保 is civil affairs' to decide
        r = await post(f"/referrals/{rural_rid}/resolution", RURAL, {"outcome": "纳入防返贫监测"})
        assert rule(r) == (422, "monitoring-category")
        r = await post(f"/referrals/{rural_rid}/resolution", RURAL, {"outcome": "纳入五保"})
        assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "known_outcome"
        r = await post(f"/referrals/{rural_rid}/resolution", RURAL, {"outcome": "撤回"})
        assert rule(r) == (422, "withdraw-by-withdrawal")

        # Withdrawn by medical security: final.
        r = await post(f"/referrals/{rural_rid}/withdrawal", MS, {"reason": "重复预警"})
        assert r.status_code == 200 and r.json()["status"] == "withdrawn"
        assert rule(await post(f"/referrals/{rural_rid}/resolution", RURAL, {"outcome": "一事一议"})) == (
            409,
            "withdrawn-is-final",
        )
        assert rule(await post(f"/referrals/{rural_rid}/withdrawal", MS)) == (409, "withdraw-pending-only")

        r = await post(f"/referrals/{civil_rid}/resolution", CIVIL, {"outcome": "不符合条件", "reason": "收入超标"})
        assert r.status_code == 200
        assert rule(await post(f"/referrals/{civil_rid}/acknowledgement", CIVIL)) == (409, "acknowledge-open-only")
        assert rule(await post(f"/referrals/{civil_rid}/withdrawal", MS)) == (409, "withdraw-pending-only")
        # Only the answers that were accepted are in the ledger.
        rural_history = (await referral.get(f"/referrals/{rural_rid}/responses", headers=MS)).json()
        assert [(h["action"], h["answered_by_agency"], h["reason"]) for h in rural_history] == [
            ("withdrawn", "medical_security", "重复预警")
        ]
