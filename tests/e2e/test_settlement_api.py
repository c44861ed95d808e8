"""The settlement engine over REST on the embedded default: claims settled from their cost breakdown,
quotes, subsidies, the packs, and clear errors where no pack governs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from libs.common.idcard import make_id_number
from tests.conftest import make_settings
from tests.e2e.system import Api, eventually, system

XINZHOU = "140902"  # 忻府区, 忻州市
YUECHENG = "330602"  # 越城区, 绍兴市
MS = {"Authorization": "Bearer dev-medical_security-140902"}
CA = {"Authorization": "Bearer dev-civil_affairs-140902"}
ID = make_id_number(XINZHOU, date(1958, 7, 9), 31)
YC_MS = {"Authorization": "Bearer dev-medical_security-330602"}
YC_CA = {"Authorization": "Bearer dev-civil_affairs-330602"}
YC_ID = make_id_number(YUECHENG, date(1958, 7, 9), 33)


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with system(make_settings(tmp_path)) as clients:
        yield clients


def claim(claim_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "claim_id": claim_id,
        "id_number": ID,
        "name": "赵六",
        "region_code": XINZHOU,
        "settlement_date": "2022-06-10",
        "diagnosis": "脑梗死",
        "total_cost": "50000.00",
        "visit": "inpatient",
        "in_catalog": "50000.00",
        "out_of_catalog": "0.00",
        "basic_insurance_paid": "30000.00",  # the packs set no basic or critical rule: the system sends them
        "critical_illness_paid": "5000.00",
        **extra,
    }


def yuecheng_claim(claim_id: str, **extra: Any) -> dict[str, Any]:
    return claim(claim_id, id_number=YC_ID, region_code=YUECHENG, **extra)


async def add_dibao(api: Api, id_number: str, region: str, headers: dict[str, str]) -> None:
    added = await api["enrollment"].post(
        "/roster/changes",
        headers=headers,
        json={"id_number": id_number, "name": "赵六", "region_code": region, "change_type": "新增", "category": "低保",
              "effective_date": "2022-05-01", "list_date": "2022-05-01"},
    )  # fmt: skip
    assert added.status_code == 201, added.text


async def test_a_dibao_claim_without_assistance_amounts_is_settled_by_the_engine(api: Api) -> None:
    await add_dibao(api, YC_ID, YUECHENG, YC_CA)

    async def assistance_knows_the_category() -> bool:
        r = await api["assistance"].post("/settlements/quote", headers=YC_MS, json=yuecheng_claim("q"))
        return r.status_code == 200 and r.json()["medical_assistance_paid"] != "0.00"

    await eventually(assistance_knows_the_category)

    # 越城, 低保: in-catalog 50,000.00 − basic 30,000.00 − critical 5,000.00 = 15,000.00 self-pay; inpatient at the
    # operator's 0.80 (the seed gives no ratio): 15,000.00 × 0.80 = 12,000.00 assistance; burden 3,000.00.
    posted = await api["assistance"].post("/claims", headers=YC_MS, json=yuecheng_claim("YC-1"))
    assert posted.status_code == 201, posted.text
    body = posted.json()
    assert (body["medical_assistance_paid"], body["personal_burden"], body["other_paid"]) == (
        "12000.00",
        "3000.00",
        "0.00",
    )
    assistance_step = next(s for s in body["explanation"] if s["tier"] == "medical_assistance")
    assert (assistance_step["pack_id"], assistance_step["ratio"], assistance_step["amount"]) == (
        "yuecheng-2022",
        "0.80",
        "12000.00",
    )
    # The 0.80 is unconfirmed: the step and the claim name it with its pack, path, status and source.
    ratio = {
        "pack_id": "yuecheng-2022",
        "path": "settlement.assistance[yuecheng-2022-dibao].ratios.inpatient",
        "status": "unconfirmed",
        "value": "0.80",
    }
    assert [{k: v[k] for k in ratio} for v in assistance_step["values"]] == [ratio]
    assert [{k: v[k] for k in ratio} for v in body["unconfirmed_values"]] == [ratio]
    assert "to confirm" in body["unconfirmed_values"][0]["source"]
    again = await api["assistance"].get("/claims/YC-1", headers=YC_MS)
    assert again.json()["explanation"] == body["explanation"]
    assert again.json()["unconfirmed_values"] == body["unconfirmed_values"]

    # The same request again is acknowledged, not settled twice (the yearly limit would otherwise shrink).
    assert (await api["assistance"].post("/claims", headers=YC_MS, json=yuecheng_claim("YC-1"))).status_code == 200


async def test_a_claim_that_needs_a_pending_value_is_refused_naming_it(api: Api) -> None:
    await add_dibao(api, ID, XINZHOU, CA)

    async def assistance_knows_the_category() -> bool:
        r = await api["assistance"].post("/settlements/quote", headers=MS, json=claim("q"))
        return r.status_code == 422

    await eventually(assistance_knows_the_category)
    # 忻州, 低保: 15,000.00 × 0.70 = 10,500.00 leaves 4,500.00 after the three tiers, so 倾斜救助 must decide —
    # and its line is pending in the pack. Before, it paid a silent 0.00; now the claim is a named problem.
    r = await api["assistance"].post("/claims", headers=MS, json=claim("XZ-1"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/pending-value")
    (error,) = r.json()["errors"]
    assert (error["field"], error["rule"]) == ("xinzhou-2022:settlement.tilted.threshold", "policy_value_set")
    assert "市医保局" in error["message"]
    assert (await api["assistance"].get("/claims/XZ-1", headers=MS)).status_code == 404
    # 特困: the province's yearly limit is pending, not "no limit".
    quote = await api["assistance"].post("/settlements/quote", headers=MS, json={**claim("q"), "categories": ["特困"]})
    assert quote.status_code == 422, quote.text
    assert quote.json()["errors"][0]["field"] == "xinzhou-2022:settlement.assistance[xinzhou-2022-tekun].annual_limit"


async def test_a_quote_for_asked_categories_records_nothing(api: Api) -> None:
    # 越城 低保边缘 asked: 15,000.00 × 0.70 = 10,500.00 → burden 4,500.00; the 0.70 is named as unconfirmed.
    body = {**yuecheng_claim("q"), "categories": ["低保边缘"]}
    r = await api["assistance"].post("/settlements/quote", headers=YC_MS, json=body)
    assert r.status_code == 200, r.text
    assert (r.json()["medical_assistance_paid"], r.json()["personal_burden"]) == ("10500.00", "4500.00")
    assert r.json()["categories"] == ["dibao_edge"]
    assert [v["path"] for v in r.json()["unconfirmed_values"]] == [
        "settlement.assistance[yuecheng-2022-dibao-edge].ratios.inpatient"
    ]
    assert (await api["assistance"].get("/claims/q", headers=YC_MS)).status_code == 404


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        (
            {"region_code": "110101", "id_number": make_id_number("110101", date(1958, 7, 9), 31)},
            "policy_pack_in_force",
        ),
        ({"settlement_date": "2021-12-31"}, "policy_pack_in_force"),  # before the Xinzhou pack's start
    ],
)
async def test_no_pack_is_a_clear_error_not_a_default(api: Api, change: dict[str, str], rule: str) -> None:
    headers = {"Authorization": "Bearer dev-medical_security"}
    r = await api["assistance"].post("/settlements/quote", headers=headers, json={**claim("q"), **change})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["rule"] == rule
    assert "no policy pack" in r.json()["detail"]


async def test_subsidy_quote_and_policy_listing(api: Api) -> None:
    # Xinzhou 2022, 低保: 80% of the 350.00 standard = 280.00 (and never below 280.00), from the assistance fund.
    r = await api["assistance"].post(
        "/subsidies/quote", headers=MS, json={"region_code": XINZHOU, "year": 2022, "tier": 1, "categories": ["低保"]}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["subsidy"], r.json()["own_share"], r.json()["funding"]) == (
        "280.00",
        "70.00",
        ["medical_assistance_fund"],
    )
    # The 350.00 standard is the national minimum, unconfirmed: the quote names it.
    (standard,) = r.json()["unconfirmed_values"]
    assert (standard["pack_id"], standard["path"], standard["status"], standard["value"]) == (
        "xinzhou-2022",
        "figures.contribution_tier1",
        "unconfirmed",
        "350.00 (2022)",
    )
    packs = {p["id"]: p for p in (await api["assistance"].get("/policies", headers=MS)).json()}
    assert "settlement.tilted.threshold" in [v.split(":")[0] for v in packs["xinzhou-2022"]["pending_values"]]
    assert "settlement.critical_illness.ratio" in packs["pengshui-2024"]["unconfirmed_values"]
    assert {"shanxi-2022", "xinzhou-2022", "weihai-2023", "yuecheng-2022", "pengshui-2024"} <= set(packs)
    assert packs["shanxi-2022"]["sections"] == ["monitoring", "referral", "enrollment"]
    full = (await api["assistance"].get("/policies/xinzhou-2022", headers=MS)).json()
    assert full["figures"]["shanxi_income"]["values"]["2022"] == "27426.00"
    assert (await api["assistance"].get("/policies/nope", headers=MS)).status_code == 404
