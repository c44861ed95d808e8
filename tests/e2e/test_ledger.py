"""参保台账 and 月调度 over REST on the embedded default: rates against the pack's targets, XLSX with Chinese
headings, and a monthly snapshot that later roster changes do not alter."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from libs.common.idcard import make_id_number
from tests.conftest import make_settings
from tests.e2e.system import Api, system

CA = {"Authorization": "Bearer dev-civil_affairs-141123"}
RR = {"Authorization": "Bearer dev-rural_revitalization-141123"}
MS = {"Authorization": "Bearer dev-medical_security-141123"}


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with system(make_settings(tmp_path)) as clients:
        yield clients


def person(seq: int) -> str:
    return make_id_number("141123", date(1970, 1, 1 + seq), seq)


async def add(api: Api, seq: int, category: str, headers: dict[str, str], effective: str = "2026-01-05") -> None:
    body = {"id_number": person(seq), "name": f"人{seq}", "region_code": "141123", "township": "蔚汾镇",
            "change_type": "新增", "category": category, "effective_date": effective}  # fmt: skip
    assert (await api["enrollment"].post("/roster/changes", headers=headers, json=body)).status_code == 201


async def enroll(api: Api, seq: int) -> None:
    body = {"id_number": person(seq), "name": f"人{seq}", "region_code": "141123", "year": 2026, "tier": 1,
            "status": "paid", "effective_date": "2026-01-10"}  # fmt: skip
    assert (await api["enrollment"].post("/enrollments", headers=MS, json=body)).status_code == 201


async def ledger(api: Api, **params: Any) -> dict[str, Any]:
    r = await api["enrollment"].get(
        "/enrollment/ledger", headers=MS, params={"region_code": "141123", "year": 2026, **params}
    )
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def test_the_ledger_counts_per_category_and_against_the_target(api: Api) -> None:
    for seq in (1, 2, 3):
        await add(api, seq, "低保", CA)
    await add(api, 4, "脱贫不稳定", RR)
    for seq in (1, 2, 4):
        await enroll(api, seq)
    data = await ledger(api)
    by_category = {c["category"]: (c["persons"], c["enrolled"], c["rate"]) for c in data["categories"]}
    # 低保: 2 of 3 enrolled = 0.6667; 脱贫不稳定: 1 of 1 = 1.0000.
    assert by_category == {"dibao": (3, 2, "0.6667"), "unstable_out_of_poverty": (1, 1, "1.0000")}
    [target] = data["targets"]  # Shanxi: 困难群体和脱贫人口应保尽保 (reading: 100%)
    # 4 persons in the group, 3 enrolled: 0.75 < 1.00 → not met.
    assert (target["label"], target["persons"], target["enrolled"], target["rate"], target["met"]) == (
        "困难群体和脱贫人口", 4, 3, "0.7500", False,
    )  # fmt: skip
    assert all("********" in p["id_number"] for p in data["persons"])


async def test_the_ledger_workbook_has_chinese_headings(api: Api) -> None:
    await add(api, 1, "低保", CA)
    r = await api["enrollment"].get(
        "/enrollment/ledger.xlsx", headers=MS, params={"region_code": "141123", "year": 2026}
    )
    workbook = load_workbook(io.BytesIO(r.content))
    assert workbook.sheetnames == ["参保台账", "参保目标", "人员明细"]
    assert [c.value for c in workbook["参保台账"][2]] == ["人员类别", "人数", "已参保", "未参保", "参保率"]
    assert [c.value for c in workbook["参保台账"][3]] == ["低保对象", 1, 0, 1, "0.00%"]
    assert workbook["人员明细"]["G2"].value == "未参保"


async def test_a_monthly_dispatch_does_not_change_when_the_roster_later_changes(api: Api) -> None:
    await add(api, 1, "低保", CA, effective="2026-01-05")
    first = await api["enrollment"].post("/enrollment/dispatches", headers=MS,
                                         json={"region_code": "141123", "month": "2026-03"})  # fmt: skip
    assert first.status_code == 200, first.text
    # Later: another person added back-dated into March, and the first one enrolled.
    await add(api, 2, "低保", CA, effective="2026-02-01")
    await enroll(api, 1)
    again = await api["enrollment"].get("/enrollment/dispatches/141123/2026-03", headers=MS)
    assert again.json() == first.json()
    assert [(c["persons"], c["enrolled"]) for c in again.json()["categories"]] == [(1, 0)]
    # The live ledger as of the same day does see the changes.
    live = await ledger(api, as_of="2026-03-31")
    assert [(c["persons"], c["enrolled"]) for c in live["categories"]] == [(2, 1)]
    # Taking it again returns the frozen one, not a new one.
    retaken = await api["enrollment"].post("/enrollment/dispatches", headers=MS,
                                           json={"region_code": "141123", "month": "2026-03"})  # fmt: skip
    assert retaken.json() == first.json()
    workbook = await api["enrollment"].get("/enrollment/dispatches/141123/2026-03.xlsx", headers=MS)
    assert load_workbook(io.BytesIO(workbook.content))["参保台账"]["A1"].value.startswith("参保台账 141123 2026年度")


async def test_a_month_not_yet_over_cannot_be_frozen(api: Api) -> None:
    r = await api["enrollment"].post(
        "/enrollment/dispatches", headers=MS, json={"region_code": "141123", "month": "2099-01"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "past_month"
