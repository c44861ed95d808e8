"""The walking skeleton, end to end over REST: roster → claim → warning → referral with its deadline.

Run on the embedded default (SQLite files, embedded bus) and on PostgreSQL + a Kafka-protocol broker.
"""

from __future__ import annotations

from typing import Any

import httpx

from libs.common.clock import china_today
from libs.common.settings import Settings
from tests.e2e.system import auth, claim_body, eventually, person, system


async def referrals_for(referral: httpx.AsyncClient, agency: str, key: str) -> list[dict[str, Any]]:
    response = await referral.get("/referrals", params={"person_key": key}, headers=auth(agency))
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


async def test_a_dibao_claim_over_6000_becomes_referrals_with_shanxis_deadlines(settings: Settings) -> None:
    id_number = person(7)
    async with system(settings) as api:
        added = await api["enrollment"].post(
            "/roster/changes",
            headers=auth("civil_affairs"),
            json={
                "id_number": id_number,
                "name": "王五",
                "region_code": "141123",
                "township": "蔚汾镇",
                "village": "北坡村",
                "change_type": "新增",
                "category": "低保对象",
                "effective_date": "2026-01-05",
            },
        )
        assert added.status_code == 201, added.text
        key = added.json()["person_key"]

        async def roster_known() -> bool:
            r = await api["monitoring"].get(f"/persons/{key}/years/2026", headers=auth("medical_security"))
            return r.status_code == 200 and r.json()["categories_today"] == ["dibao"]

        await eventually(roster_known)

        # 85,000.00 total, 12,000.00 left to the person after all tiers: 12,000.00 > 6,000.00 (超过0.6万元)
        posted = await api["assistance"].post(
            "/claims", headers=auth("medical_security"), json=claim_body("C-2026-0001", id_number, "12000.00")
        )
        assert posted.status_code == 201, posted.text
        opened_today = china_today()  # the clock the system runs on (tests/conftest.py)

        async def both_agencies_referred() -> list[dict[str, Any]]:
            mine = await referrals_for(api["referral"], "medical_security", key)
            return mine if len(mine) == 2 else []

        referrals = await eventually(both_agencies_referred)
        assert sorted(r["agency"] for r in referrals) == ["civil_affairs", "rural_revitalization"]
        for r in referrals:
            assert r["opened_on"] == opened_today.isoformat()
            # 在规定时间内…纳入 gives the decision no number of days; 并在5个工作日内…推送信息 counts from the decision.
            assert (r["due_on"], r["working_days_overdue"], r["feedback_working_days"]) == (None, None, 5)
            assert (r["deadline_rule_id"], r["policy_carried_forward"]) == ("shanxi-2022:referral", False)
            assert r["id_number"] == id_number[:6] + "********" + id_number[-4:]
            assert r["risk_description"] == (
                "2026年3月5日，因肺恶性肿瘤，医疗总费用85000.00元，医疗保障报销后个人负担12000.00元，存在因病返贫致贫风险。"
            )

        # Each agency sees its own referral only.
        assert [r["agency"] for r in await referrals_for(api["referral"], "civil_affairs", key)] == ["civil_affairs"]

        flags = (await api["monitoring"].get("/flags", headers=auth("medical_security"))).json()
        assert [(f["level"], f["rule_id"], f["cumulative_burden"]) for f in flags] == [
            ("relapse", "shanxi-2022-relapse", "12000.00")
        ]


async def test_an_ordinary_resident_at_exactly_20000_is_not_flagged_but_one_fen_more_is(settings: Settings) -> None:
    id_number = person(9)
    async with system(settings) as api:
        ms = auth("medical_security")
        # 超过2万元 is strictly greater: 20,000.00 is not over the line.
        first = await api["assistance"].post("/claims", headers=ms, json=claim_body("C-A", id_number, "20000.00"))
        assert first.status_code == 201
        key = first.json()["person_key"]

        async def counted() -> bool:
            r = await api["monitoring"].get(f"/persons/{key}/years/2026", headers=ms)
            return r.status_code == 200 and r.json()["burden"] == "20000.00"

        await eventually(counted)
        assert (await api["monitoring"].get("/flags", headers=ms)).json() == []

        # One more fen: 20,000.00 + 0.01 = 20,000.01 > 20,000.00 → 防范因病致贫 (impoverish)
        second = await api["assistance"].post(
            "/claims", headers=ms, json=claim_body("C-B", id_number, "0.01", total="0.01")
        )
        assert second.status_code == 201

        async def flagged() -> list[dict[str, Any]]:
            result: list[dict[str, Any]] = (await api["monitoring"].get("/flags", headers=ms)).json()
            return result

        [flag] = await eventually(flagged)
        assert (flag["level"], flag["cumulative_burden"], flag["category"]) == ("impoverish", "20000.01", None)
        await eventually(lambda: referrals_for(api["referral"], "medical_security", key))
