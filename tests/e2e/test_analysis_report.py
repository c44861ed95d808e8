"""Yuecheng's half-year and annual analysis report (assistance service) with worked numbers: corrections counted
once at their latest version in the original's period, a reversal adding nothing, categories on the claim's date."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import load_workbook

from libs.common.agencies import Agency
from libs.common.categories import Category
from libs.common.messaging.contracts.enrollment import ChangeType, RosterChangedV1
from libs.common.messaging.envelope import new_event_id
from libs.common.settings import Settings
from tests.e2e.reports_setup import MS, id_number
from tests.e2e.system import Api, eventually, system

PAYERS = ("basic_insurance_paid", "critical_illness_paid", "medical_assistance_paid", "other_paid", "personal_burden")


async def on_roster(api: Api, number: str, category: Category) -> None:
    """The roster.changed the enrollment service publishes. Published directly: its REST intake answers 500 for a
    Yuecheng person today (no enrollment pack there, so the gap's deadline is null; see the closing note)."""
    runtime = api.runtime("enrollment")
    event = RosterChangedV1(
        change_id=new_event_id(), person_key=runtime.person_key(number), id_number=number, name="测试",
        region_code="330602", change_type=ChangeType.ADDED, category=category, effective_date=date(2026, 1, 5),
        list_date=date(2026, 1, 5), agency=Agency.CIVIL_AFFAIRS,
    )  # fmt: skip
    async with runtime.uow() as uow:
        uow.publish(event, subject=event.person_key)
        await uow.commit()


async def settled(api: Api, claim_id: str, number: str, on: str, *amounts: str, corrects: str | None = None) -> None:
    total = sum(float(a) for a in amounts)
    body: dict[str, Any] = {"claim_id": claim_id, "id_number": number, "name": "测试", "region_code": "330602",
                            "settlement_date": on, "diagnosis": "肺恶性肿瘤", "total_cost": f"{total:.2f}",
                            **dict(zip(PAYERS, amounts, strict=True)), "corrects_claim_id": corrects}  # fmt: skip
    r = await api["assistance"].post("/claims", headers=MS, json=body)
    assert r.status_code == 201, r.text


def line(body: dict[str, Any]) -> tuple[Any, ...]:
    return (body["persons"], body["claims"], body["total_cost"], *(body[p] for p in PAYERS))


async def report(api: Api, period: str, want: tuple[Any, ...]) -> dict[str, Any]:
    async def ready() -> dict[str, Any] | None:
        r = await api["assistance"].get(f"/reports/analysis/330602/{period}", headers=MS)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body if line(body["total"]) == want else None

    try:
        result: dict[str, Any] = await eventually(ready, timeout=30)
    except AssertionError:
        last = (await api["assistance"].get(f"/reports/analysis/330602/{period}", headers=MS)).json()
        raise AssertionError(f"total {line(last['total'])} != {want}") from None
    return result


async def test_half_year_and_annual_analysis(settings: Settings) -> None:
    jia, yi, bing, ding = (id_number("330602", s) for s in (21, 22, 23, 24))
    async with system(settings) as api:
        await on_roster(api, jia, Category.TEKUN)
        await on_roster(api, yi, Category.DIBAO)
        await on_roster(api, bing, Category.DIBAO_EDGE)
        # Amounts: basic, critical illness, assistance, other (商业补充保险), personal burden; total = their sum.
        await settled(api, "Y-1", jia, "2026-03-10", "6000.00", "1000.00", "2000.00", "500.00", "500.00")
        # Corrected twice in July; the latest version counts, in March's half-year.
        await settled(api, "Y-1b", jia, "2026-07-05", "6000.00", "1000.00", "2500.00", "500.00", "0.00", corrects="Y-1")
        await settled(api, "Y-1c", jia, "2026-07-06", "7000.00", "1500.00", "2500.00", "500.00", "500.00",
                      corrects="Y-1b")  # fmt: skip
        await settled(api, "Y-2", yi, "2026-04-01", "5000.00", "1000.00", "1000.00", "0.00", "1000.00")
        await settled(api, "Y-3", yi, "2026-05-01", "2000.00", "0.00", "500.00", "0.00", "500.00")
        await settled(api, "Y-3r", yi, "2026-05-02", "0.00", "0.00", "0.00", "0.00", "0.00", corrects="Y-3")  # 冲销
        await settled(api, "Y-4", bing, "2026-06-30", "3000.00", "0.00", "1000.00", "400.00", "600.00")
        await settled(api, "Y-5", bing, "2026-07-01", "1200.00", "0.00", "400.00", "0.00", "400.00")  # second half
        await settled(api, "Y-6", ding, "2026-02-01", "5000.00", "2000.00", "0.00", "0.00", "2000.00")  # no category

        # Half-year by hand:
        #   特困 甲: Y-1c only: 7000 + 1500 + 2500 + 500 + 500 = 12000.00 total, 1 claim
        #   低保 乙: Y-2 (Y-3 reversed to zeros: no claim, no amount): 5000 + 1000 + 1000 + 0 + 1000 = 8000.00
        #   低边 丙: Y-4: 3000 + 0 + 1000 + 400 + 600 = 5000.00 (Y-5 is dated 1 July)
        #   丁 holds no watched category: not in the report.
        #   total: 3 persons, 3 claims, 25000.00 = basic 15000 + critical 2500 + assistance 4500 + other 900 + 2100
        half = await report(api, "2026-H1", (3, 3, "25000.00", "15000.00", "2500.00", "4500.00", "900.00", "2100.00"))
        assert [(c["label"], *line(c)) for c in half["categories"]] == [
            ("特困人员", 1, 1, "12000.00", "7000.00", "1500.00", "2500.00", "500.00", "500.00"),
            ("低保对象", 1, 1, "8000.00", "5000.00", "1000.00", "1000.00", "0.00", "1000.00"),
            ("低保边缘家庭成员", 1, 1, "5000.00", "3000.00", "0.00", "1000.00", "400.00", "600.00"),
        ]
        assert (half["from"], half["to"], half["due_on"]) == ("2026-01-01", "2026-06-30", "2026-07-31")  # 7月底前

        # The year adds Y-5 for 丙: 4 claims, 25000 + 2000 = 27000.00; due by 31 January next year (次年1月底前).
        year = await report(api, "2026", (3, 4, "27000.00", "16200.00", "2500.00", "4900.00", "900.00", "2500.00"))
        assert year["due_on"] == "2027-01-31"

        xlsx = await api["assistance"].get("/reports/analysis/330602/2026-H1.xlsx", headers=MS)
        rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(xlsx.content))["数据分析"].iter_rows()]
        assert rows[1] == ["人员类别", "人数", "人次", "医疗总费用", "基本医疗", "大病保险", "医疗救助",
                           "商业补充保险(含其他支付)", "个人负担"]  # fmt: skip
        assert rows[-1] == ["合计", 3, 3, 25000, 15000, 2500, 4500, 900, 2100]

        # Issuing the half-year (allowed after 30 June; due 31 July, so issuing now is late) freezes its figures:
        # a claim of 甲 settled in May and recorded afterwards shows in the year's draft, not in the issued half.
        issued = await api["assistance"].post("/reports/analysis/330602/2026-H1/issue", headers=MS)
        assert issued.status_code == 201, issued.text
        assert (issued.json()["status"], issued.json()["late"], line(issued.json()["total"])) == (
            "issued", True, line(half["total"]),
        )  # fmt: skip
        await settled(api, "Y-7", jia, "2026-05-01", "100.00", "0.00", "0.00", "0.00", "100.00")
        # The year: 4 + 1 = 5 claims, 27000 + 200 = 27200.00, burden 2500 + 100 = 2600.00.
        await report(api, "2026", (3, 5, "27200.00", "16300.00", "2500.00", "4900.00", "900.00", "2600.00"))
        frozen = (await api["assistance"].get("/reports/analysis/330602/2026-H1", headers=MS)).json()
        assert (frozen["status"], line(frozen["total"])) == ("issued", line(half["total"]))
        again = await api["assistance"].post("/reports/analysis/330602/2026-H1/issue", headers=MS)
        assert (again.status_code, again.json()["issued_on"]) == (200, issued.json()["issued_on"])
        not_over = await api["assistance"].post("/reports/analysis/330602/2999/issue", headers=MS)
        assert (not_over.status_code, not_over.json()["errors"][0]["rule"]) == (422, "period_over")

        other_region = await api["assistance"].get(
            "/reports/analysis/330602/2026", headers={"Authorization": "Bearer dev-medical_security-141123"}
        )
        assert other_region.status_code == 403
        no_report = await api["assistance"].get("/reports/analysis/141123/2026", headers=MS)
        assert no_report.status_code == 404  # Shanxi asks for no such report
