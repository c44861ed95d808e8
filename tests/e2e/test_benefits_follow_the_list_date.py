"""Two dates of one roster change, two readings of seed 000 四, end to end.

A 低保 person in 越城 is adjusted on 2026-03-01 (动态调整时间) on a list provided on 2026-03-20. Settlement follows
the list date (自民政、乡村振兴部门提供名单之日起按规定享受医保帮扶政策): a claim of 2026-03-10 gets no assistance,
one of 2026-03-25 does. Monitoring counts the category from the adjustment: the 2026-03-10 claim is already a
低保 person's, and crosses 越城's high-cost line as one. Run on both deployments.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from libs.common.idcard import make_id_number
from libs.common.settings import Settings
from tests.e2e.system import eventually, system

YUECHENG = "330602"
MS = {"Authorization": "Bearer dev-medical_security-330602"}
CA = {"Authorization": "Bearer dev-civil_affairs-330602"}
ID = make_id_number(YUECHENG, date(1961, 2, 3), 41)


def claim(claim_id: str, on: str, in_catalog: str, basic: str, critical: str) -> dict[str, Any]:
    return {
        "claim_id": claim_id,
        "id_number": ID,
        "name": "钱七",
        "region_code": YUECHENG,
        "settlement_date": on,
        "diagnosis": "肺恶性肿瘤",
        "total_cost": in_catalog,
        "visit": "inpatient",
        "in_catalog": in_catalog,
        "out_of_catalog": "0.00",
        "basic_insurance_paid": basic,
        "critical_illness_paid": critical,
    }


async def test_settlement_follows_the_list_date_and_monitoring_the_adjustment_date(settings: Settings) -> None:
    async with system(settings) as api:
        added = await api["enrollment"].post(
            "/roster/changes",
            headers=CA,
            json={"id_number": ID, "name": "钱七", "region_code": YUECHENG, "change_type": "新增", "category": "低保",
                  "effective_date": "2026-03-01", "list_date": "2026-03-20"},
        )  # fmt: skip
        assert added.status_code == 201, added.text
        key = added.json()["person_key"]
        later = claim("q", "2026-03-25", "20000.00", "8000.00", "0.00")

        async def assistance_has_the_list() -> bool:
            r = await api["assistance"].post("/settlements/quote", headers=MS, json=later)
            return r.status_code == 200 and r.json()["medical_assistance_paid"] != "0.00"

        async def monitoring_has_the_roster() -> bool:
            r = await api["monitoring"].get(f"/persons/{key}/years/2026", headers=MS)
            return r.status_code == 200 and r.json()["categories_today"] == ["dibao"]

        await eventually(assistance_has_the_list)
        await eventually(monitoring_has_the_roster)

        # 2026-03-10, before the list date: no benefits yet. In-catalog 200,000.00 − basic 120,000.00 − critical
        # 20,000.00 = 60,000.00, all left to the person; no assistance step.
        early = await api["assistance"].post(
            "/claims", headers=MS, json=claim("YC-0310", "2026-03-10", "200000.00", "120000.00", "20000.00")
        )
        assert early.status_code == 201, early.text
        assert (early.json()["medical_assistance_paid"], early.json()["personal_burden"]) == ("0.00", "60000.00")
        assert not [s for s in early.json()["explanation"] if s["tier"] == "medical_assistance"]

        # 2026-03-25, after it: in-catalog 20,000.00 − basic 8,000.00 = 12,000.00 × 0.80 = 9,600.00; keeps 2,400.00.
        # The 0.80 is the operator's (the seed refers to 浙江's ratios): named as unconfirmed.
        late = await api["assistance"].post(
            "/claims", headers=MS, json=claim("YC-0325", "2026-03-25", "20000.00", "8000.00", "0.00")
        )
        assert late.status_code == 201, late.text
        assert (late.json()["medical_assistance_paid"], late.json()["personal_burden"]) == ("9600.00", "2400.00")
        assert [(v["path"], v["status"]) for v in late.json()["unconfirmed_values"]] == [
            ("settlement.assistance[yuecheng-2022-dibao].ratios.inpatient", "unconfirmed")
        ]

        # Monitoring counts the 2026-03-10 claim as a 低保 person's (from 2026-03-01): 60,000.00 > 50,000.00
        # (越城's 暂定5万元 high-cost line, which watches 特困/低保/低边 only) raises the 一件事 warning.
        async def flagged() -> list[dict[str, Any]]:
            r = await api["monitoring"].get("/flags", headers=MS, params={"year": 2026})
            return [f for f in r.json() if f["person_key"] == key]

        (flag,) = await eventually(flagged)
        assert (flag["level"], flag["rule_id"], flag["category"]) == ("high_cost", "yuecheng-2022-high-cost", "dibao")
