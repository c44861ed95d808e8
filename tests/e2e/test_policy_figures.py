"""Policy figures operated live (issue 14): a region's 医保 operator enters a year's figure over REST; the claims
that waited for it are evaluated then, once, and the warnings reach the agencies.

Run on the embedded default (SQLite files, embedded bus) and on PostgreSQL + a Kafka-protocol broker.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from libs.common.clock import china_today
from libs.common.idcard import make_id_number
from libs.common.settings import Settings
from services.monitoring.tables import policy_entries as monitoring_entries
from services.policy_check import blind_spot_report
from services.referral.tables import policy_entries as referral_entries
from tests.backends import REPO
from tests.e2e.system import Api, eventually, system
from tests.e2e.test_metrics import scrape, value

WEIHAI_COUNTY = "371002"  # 威海市环翠区
OPERATOR = {"Authorization": "Bearer dev-policy_admin-371000"}  # 威海市医保局's operator
MS = {"Authorization": "Bearer dev-medical_security"}
CA = {"Authorization": f"Bearer dev-civil_affairs-{WEIHAI_COUNTY}"}
FIGURE = "/policies/weihai-2023/figures/shandong_income/2025"


def weihai_claim(claim_id: str, id_number: str, burden: str = "25000.00") -> dict[str, Any]:
    # 85,000.00 in all; basic paid 40,000.00 and critical illness the rest less the burden, assistance nothing:
    # Weihai measures the burden after basic + critical (25,000.00 = 85,000.00 − 40,000.00 − 20,000.00 by default).
    critical = Decimal("45000.00") - Decimal(burden)
    return {
        "claim_id": claim_id,
        "id_number": id_number,
        "name": "刘芳",
        "region_code": WEIHAI_COUNTY,
        "settlement_date": "2025-05-10",
        "diagnosis": "乳腺恶性肿瘤",
        "total_cost": "85000.00",
        "basic_insurance_paid": "40000.00",
        "critical_illness_paid": str(critical),
        "medical_assistance_paid": "0.00",
        "personal_burden": burden,
    }


async def flags_of(api: Api, year: int) -> list[dict[str, Any]]:
    response = await api["monitoring"].get("/flags", params={"year": year}, headers=MS)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def entries_kept(api: Api, service: str, table: sa.Table) -> int:
    async with api.runtime(service).engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


async def add_dibao_edge(api: Api, id_number: str) -> str:
    added = await api["enrollment"].post(
        "/roster/changes",
        headers=CA,
        json={
            "id_number": id_number,
            "name": "刘芳",
            "region_code": WEIHAI_COUNTY,
            "change_type": "新增",
            "category": "低保边缘家庭成员",
            "effective_date": "2025-01-06",
        },
    )
    assert added.status_code == 201, added.text
    key: str = added.json()["person_key"]
    return key


async def test_a_weihai_2025_claim_waits_for_the_income_figure_and_is_flagged_once_it_is_entered(
    settings: Settings,
) -> None:
    id_number = make_id_number(WEIHAI_COUNTY, date(1971, 3, 9), 31)
    async with system(settings) as api:
        key = await add_dibao_edge(api, id_number)

        async def roster_known() -> bool:
            r = await api["monitoring"].get(f"/persons/{key}/years/2025", headers=MS)
            return r.status_code == 200 and "dibao_edge" in r.json()["categories_today"]

        await eventually(roster_known)
        posted = await api["assistance"].post("/claims", headers=MS, json=weihai_claim("WH-2025-0001", id_number))
        assert posted.status_code == 201, posted.text

        async def counted() -> bool:
            r = await api["monitoring"].get(f"/persons/{key}/years/2025", headers=MS)
            return r.status_code == 200 and r.json()["burden"] == "25000.00"

        await eventually(counted)
        # Counted, but not evaluated: the pack has no 2025 income figure (山东 2024 全省居民人均可支配收入).
        assert await flags_of(api, 2025) == []
        # Shown where an operator looks: /metrics, and `safetynet policy check --on` with the claims waiting.
        samples = await scrape(api["monitoring"])
        assert value(samples, "safetynet_claims_unevaluated", region=WEIHAI_COUNTY, year="2025") == 1
        today = china_today()
        weihai_blind = {"region": "371000", "section": "monitoring", "year": str(today.year), "kind": "missing_figure"}
        if today.year > 2023:  # the pack carries 2023's figure only
            assert value(samples, "safetynet_policy_blind_spots", **weihai_blind) == 1
        report: list[str] = []
        monitoring_url = settings.service_database_url("monitoring")
        assert await blind_spot_report(REPO / "policies", date(2025, 6, 1), monitoring_url, report) > 0
        weihai_line = next(line for line in report if line.startswith("✗ 威海市 监测预警 2025年缺少参数"))
        assert weihai_line.endswith("— 1 persons, 1 claims waiting"), weihai_line

        # The operator enters it. 50% of 39,000.00 = 19,500.00 < 25,000.00: the 低保边缘 line (超过50%) is crossed.
        body = {"value": "39000.00", "source": "山东省2024年国民经济和社会发展统计公报", "note": "测试值"}
        entered = await api["assistance"].put(FIGURE, headers=OPERATOR, json=body)
        assert entered.status_code == 201, entered.text
        assert entered.json()["in_force"] is True

        async def flagged() -> list[dict[str, Any]]:
            return await flags_of(api, 2025)

        flags = await eventually(flagged)
        assert [(f["level"], f["rule_id"], f["threshold"], f["claim_id"], f["raised_late"]) for f in flags] == [
            ("relapse", "weihai-2023-relapse", "19500.00", "WH-2025-0001", True)
        ]
        # The claim's own dates stay on the warning.
        assert flags[0]["risk_description"].startswith("2025年5月10日，因乳腺恶性肿瘤，医疗总费用85000.00元")

        async def referred() -> list[dict[str, Any]]:
            r = await api["referral"].get("/referrals", params={"person_key": key}, headers=MS)
            assert r.status_code == 200, r.text
            mine: list[dict[str, Any]] = r.json()
            return mine if len(mine) == 2 else []

        referrals = await eventually(referred)
        assert sorted(r["agency"] for r in referrals) == ["civil_affairs", "rural_revitalization"]

        # The same figure again is no new entry; a correction (40,000.00: the line moves to 20,000.00, still below
        # 25,000.00) is a new entry that walks the year again and raises nothing twice.
        again = await api["assistance"].put(FIGURE, headers=OPERATOR, json=body)
        assert again.status_code == 200, again.text
        assert again.json()["entry_id"] == entered.json()["entry_id"]
        corrected = await api["assistance"].put(FIGURE, headers=OPERATOR, json={**body, "value": "40000.00"})
        assert corrected.status_code == 201, corrected.text

        async def both_kept_everywhere() -> bool:
            return (
                await entries_kept(api, "monitoring", monitoring_entries) == 2
                and await entries_kept(api, "referral", referral_entries) == 2
            )

        # Kept in the same transaction as the walk it caused: once both entries are kept, both walks are done.
        await eventually(both_kept_everywhere)
        assert len(await flags_of(api, 2025)) == 1
        r = await api["referral"].get("/referrals", params={"person_key": key}, headers=MS)
        assert len(r.json()) == 2

        history = await api["assistance"].get("/policies/weihai-2023/figures/shandong_income", headers=MS)
        assert history.status_code == 200, history.text
        h = history.json()
        assert h["values"]["2025"] == "40000.00" and "2025" not in h["reviewed_values"]
        assert [(e["value"], e["in_force"]) for e in h["entries"]] == [("39000.00", False), ("40000.00", True)]
        # Every service took the new value without a restart.
        policy = await api["assistance"].get("/policies/weihai-2023", headers=MS)
        assert policy.json()["figures"]["shandong_income"]["values"]["2025"] == "40000.00"
        # Nothing waits any more, and 2025 is no longer blind for Weihai's warnings.
        samples = await scrape(api["monitoring"])
        assert value(samples, "safetynet_claims_unevaluated", region=WEIHAI_COUNTY, year="2025") is None
        report = []
        await blind_spot_report(REPO / "policies", date(2025, 6, 1), monitoring_url, report)
        assert not any(line.startswith("✗ 威海市 监测预警 2025年") for line in report), report


async def test_a_correction_that_lowers_the_line_flags_those_now_over_it_and_keeps_every_earlier_flag(
    settings: Settings,
) -> None:
    over, under = (
        make_id_number(WEIHAI_COUNTY, date(1966, 5, 1), 41),
        make_id_number(WEIHAI_COUNTY, date(1969, 8, 1), 42),
    )
    async with system(settings) as api:
        keys = [await add_dibao_edge(api, over), await add_dibao_edge(api, under)]

        async def roster_known() -> bool:
            for key in keys:
                r = await api["monitoring"].get(f"/persons/{key}/years/2025", headers=MS)
                if r.status_code != 200 or "dibao_edge" not in r.json()["categories_today"]:
                    return False
            return True

        await eventually(roster_known)
        for claim in (weihai_claim("WH-O-1", over, "25000.00"), weihai_claim("WH-U-1", under, "19000.00")):
            assert (await api["assistance"].post("/claims", headers=MS, json=claim)).status_code == 201

        async def both_counted() -> bool:
            samples = await scrape(api["monitoring"])
            return value(samples, "safetynet_claims_unevaluated", region=WEIHAI_COUNTY, year="2025") == 2

        await eventually(both_counted)

        async def enter(amount: str, kept: int) -> None:
            body = {"value": amount, "source": "山东省2024年统计公报", "note": "更正"}
            assert (await api["assistance"].put(FIGURE, headers=OPERATOR, json=body)).status_code == 201

            async def kept_and_walked() -> bool:  # the walk commits with the entry it follows
                return await entries_kept(api, "monitoring", monitoring_entries) == kept

            await eventually(kept_and_walked)

        def flagged(flags: list[dict[str, Any]]) -> list[tuple[str, str]]:
            return sorted((f["claim_id"], f["threshold"]) for f in flags)

        # 50% of 39,000.00 = 19,500.00: 25,000.00 is over it, 19,000.00 is not.
        await enter("39000.00", 1)
        assert flagged(await flags_of(api, 2025)) == [("WH-O-1", "19500.00")]
        # Corrected down to 37,000.00: the line is 18,500.00 and 19,000.00 is now over it; the first flag stays as
        # it was raised (history), and nobody is flagged twice.
        await enter("37000.00", 2)
        assert flagged(await flags_of(api, 2025)) == [("WH-O-1", "19500.00"), ("WH-U-1", "18500.00")]
        # Corrected up to 60,000.00 (line 30,000.00): flags are never withdrawn.
        await enter("60000.00", 3)
        assert flagged(await flags_of(api, 2025)) == [("WH-O-1", "19500.00"), ("WH-U-1", "18500.00")]
        assert all(f["raised_late"] for f in await flags_of(api, 2025))


async def refused(client: httpx.AsyncClient, url: str, headers: dict[str, str], body: Any) -> dict[str, Any]:
    response = await client.put(url, headers=headers, json=body)
    assert response.status_code in (403, 404, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    problem["status_seen"] = response.status_code
    return problem


async def test_bad_figure_entries_are_refused_naming_field_and_rule_and_change_nothing(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    good = {"value": "39000.00", "source": "山东省2024年统计公报"}
    caplog.set_level(logging.WARNING, logger="libs.common.blind_spot_watch")
    async with system(settings) as api:
        client = api["assistance"]
        # Every service said at start what it cannot evaluate this year (威海 has no income figure after 2023).
        warned = {r.getMessage().split(":")[0] for r in caplog.records if "监测预警" in r.getMessage()}
        assert warned == {"enrollment", "monitoring", "referral", "assistance"}
        assert any("威海市 监测预警" in r.getMessage() and "缺少参数" in r.getMessage() for r in caplog.records)

        def rules_of(problem: dict[str, Any]) -> list[tuple[str, str]]:
            return [(e["field"], e["rule"]) for e in problem.get("errors", [])]

        wrong_type = await refused(client, FIGURE, OPERATOR, {**good, "value": "三万九"})
        assert wrong_type["status_seen"] == 422 and [f for f, _ in rules_of(wrong_type)] == ["value"]
        negative = await refused(client, FIGURE, OPERATOR, {**good, "value": "-1.00"})
        assert negative["status_seen"] == 422 and [f for f, _ in rules_of(negative)] == ["value"]
        huge = await refused(client, FIGURE, OPERATOR, {**good, "value": "100000000000000000000"})
        assert huge["status_seen"] == 422 and rules_of(huge) == [("value", "amount_too_large")]
        billions = await refused(client, FIGURE, OPERATOR, {**good, "value": "5000000000.00"})
        assert rules_of(billions) == [("value", "figure_ceiling")]
        fen = await refused(client, FIGURE, OPERATOR, {**good, "value": "39000.001"})
        assert rules_of(fen) == [("value", "two_decimals")]
        no_source = await refused(client, FIGURE, OPERATOR, {"value": "39000.00"})
        assert [f for f, _ in rules_of(no_source)] == ["source"]
        empty_source = await refused(client, FIGURE, OPERATOR, {**good, "source": ""})
        assert [f for f, _ in rules_of(empty_source)] == ["source"]
        before = await refused(client, "/policies/weihai-2023/figures/shandong_income/2022", OPERATOR, good)
        assert rules_of(before) == [("year", "year-before-pack")]  # the pack is in force from 2023-04-28
        unknown = await refused(client, "/policies/weihai-2023/figures/income/2025", OPERATOR, good)
        assert rules_of(unknown) == [("figure", "figure-unknown")]
        far = await refused(client, "/policies/weihai-2023/figures/shandong_income/2090", OPERATOR, good)
        assert rules_of(far) == [("year", "year-too-far")]
        shanxi_operator = {"Authorization": "Bearer dev-policy_admin-140000"}
        other_region = await refused(client, FIGURE, shanxi_operator, good)
        assert other_region["status_seen"] == 403 and other_region["type"].endswith("/forbidden-region")
        not_an_operator = await refused(client, FIGURE, MS, good)
        assert not_an_operator["status_seen"] == 403 and not_an_operator["type"].endswith("/forbidden-role")
        civil_affairs = await refused(client, FIGURE, CA, good)
        assert civil_affairs["status_seen"] == 403
        no_pack = await refused(client, "/policies/weihai-2099/figures/shandong_income/2025", OPERATOR, good)
        assert no_pack["status_seen"] == 404

        # A subsidy quote past 彭水's ended pack is a problem naming the missing successor, not a silent default.
        quote = await client.post(
            "/subsidies/quote",
            headers=MS,
            json={"region_code": PENGSHUI, "year": 2026, "tier": 1, "categories": ["dibao"]},
        )
        assert quote.status_code == 422, quote.text
        assert "pengshui-2024 (subsidy) ended on 2024-12-31 and no successor" in quote.json()["detail"]

        history = await client.get("/policies/weihai-2023/figures/shandong_income", headers=MS)
        assert history.json()["entries"] == []
        assert "2025" not in history.json()["values"]


PENGSHUI = "500243"  # 重庆市彭水苗族土家族自治县: its 2024 pack ended 2024-12-31
PS_OPERATOR = {"Authorization": f"Bearer dev-policy_admin-{PENGSHUI}"}
PS_CA = {"Authorization": f"Bearer dev-civil_affairs-{PENGSHUI}"}


def pengshui_claim(claim_id: str, id_number: str, day: str, burden: str) -> dict[str, Any]:
    # 彭水 measures self-pay + self-expense after all three tiers: the personal burden as sent.
    total = Decimal("60000.00")
    paid = total - Decimal(burden)
    return {
        "claim_id": claim_id,
        "id_number": id_number,
        "name": "田秀英",
        "region_code": PENGSHUI,
        "settlement_date": day,
        "diagnosis": "慢性肾衰竭",
        "total_cost": str(total),
        "basic_insurance_paid": str(paid),
        "critical_illness_paid": "0.00",
        "medical_assistance_paid": "0.00",
        "personal_burden": burden,
    }


async def test_pengshui_after_its_pack_ended_lines_carry_forward_and_a_successor_evaluates_the_waiting_claims(
    settings: Settings,
) -> None:
    ordinary, dibao = make_id_number(PENGSHUI, date(1958, 7, 1), 11), make_id_number(PENGSHUI, date(1963, 2, 2), 12)
    async with system(settings) as api:
        # 2025: the 2024 pack is carried forward. Its ordinary-resident line is last year's rural income
        # (达到, at least); the operator enters the 2025 value into the carried pack.
        entered = await api["assistance"].put(
            "/policies/pengshui-2024/figures/chongqing_rural_income/2025",
            headers=PS_OPERATOR,
            json={"value": "21000.00", "source": "重庆市2024年统计公报"},
        )
        assert entered.status_code == 201, entered.text

        async def monitoring_has_it() -> bool:
            return await entries_kept(api, "monitoring", monitoring_entries) == 1

        # Topics are not ordered with each other: had the claim come first it would wait, then be flagged late.
        await eventually(monitoring_has_it)
        # 25,000.00 ≥ 21,000.00: flagged at once, on a line carried past its pack's end, and it says so.
        claim = pengshui_claim("PS-2025-0001", ordinary, "2025-08-01", "25000.00")
        assert (await api["assistance"].post("/claims", headers=MS, json=claim)).status_code == 201

        async def carried() -> list[dict[str, Any]]:
            return await flags_of(api, 2025)

        flags = await eventually(carried)
        assert [(f["policy_pack_id"], f["rule_id"], f["policy_carried_forward"], f["raised_late"]) for f in flags] == [
            ("pengshui-2024", "pengshui-2024-ordinary", True, False)
        ]

        # 2026: a 低保 person's claim needs the 2026 防止返贫监测标准, which nobody has set: it waits.
        added = await api["enrollment"].post(
            "/roster/changes",
            headers=PS_CA,
            json={
                "id_number": dibao,
                "name": "田秀英",
                "region_code": PENGSHUI,
                "change_type": "新增",
                "category": "低保对象",
                "effective_date": "2026-01-05",
            },
        )
        assert added.status_code == 201, added.text
        key = added.json()["person_key"]

        async def roster_known() -> bool:
            r = await api["monitoring"].get(f"/persons/{key}/years/2026", headers=MS)
            return r.status_code == 200 and r.json()["categories_today"] == ["dibao"]

        await eventually(roster_known)
        claim = pengshui_claim("PS-2026-0001", dibao, "2026-04-01", "9000.00")
        assert (await api["assistance"].post("/claims", headers=MS, json=claim)).status_code == 201

        async def waiting() -> bool:
            samples = await scrape(api["monitoring"])
            return value(samples, "safetynet_claims_unevaluated", region=PENGSHUI, year="2026") == 1

        await eventually(waiting)

        # The successor pack: the 2024 one with a new id, from 2026, and the 2026 standard 8,000.00 set.
        successor = (await api["assistance"].get("/policies/pengshui-2024", headers=MS)).json()
        successor.update(id="pengshui-2026", effective_from="2026-01-01", effective_to=None)
        successor["figures"]["monitoring_standard"]["values"] = {"2026": "8000.00"}
        put = await api["assistance"].put(
            "/policies/pengshui-2026",
            headers=PS_OPERATOR,
            json={"pack": successor, "source": "彭水县2026年巩固拓展医疗保障脱贫攻坚成果文件（测试）"},
        )
        assert put.status_code == 201, put.text

        # 9,000.00 ≥ 100% of 8,000.00 (达到…及以上): flagged late, under the successor (whose rules kept the 2024
        # rule ids, as the operator copied them), not carried.
        async def flagged_2026() -> list[dict[str, Any]]:
            return await flags_of(api, 2026)

        flags = await eventually(flagged_2026)
        assert [
            (f["policy_pack_id"], f["rule_id"], f["claim_id"], f["raised_late"], f["policy_carried_forward"])
            for f in flags
        ] == [("pengshui-2026", "pengshui-2024-low-income", "PS-2026-0001", True, False)]
        samples = await scrape(api["monitoring"])
        assert value(samples, "safetynet_claims_unevaluated", region=PENGSHUI, year="2026") is None
