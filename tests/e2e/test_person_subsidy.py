"""A vulnerable person's enrollment subsidy over REST, with Shanxi's mid-year rule applied from the records."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from libs.common.idcard import make_id_number
from tests import backends
from tests.conftest import make_settings
from tests.e2e.system import Api, system

XINZHOU = "140902"
CA = {"Authorization": "Bearer dev-civil_affairs-140902"}
MS = {"Authorization": "Bearer dev-medical_security-140902"}
ID = make_id_number(XINZHOU, date(1966, 6, 6), 12)


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    # The operator has entered the 2022 集中参保缴费期 (test dates: 2021-09-01 … 2021-12-31).
    policies = tmp_path / "policies"
    shutil.copytree(backends.REPO / "policies", policies)
    shanxi = policies / "shanxi-2022.yaml"
    text = shanxi.read_text(encoding="utf-8").replace(
        "concentrated_periods: {}", "concentrated_periods: {2022: {start: 2021-09-01, end: 2021-12-31}}"
    )
    shanxi.write_text(text, encoding="utf-8")
    async with system(make_settings(tmp_path, policies_dir=policies)) as clients:
        yield clients


async def add(api: Api, effective: str) -> str:
    body = {"id_number": ID, "name": "周八", "region_code": XINZHOU, "change_type": "新增", "category": "低保",
            "effective_date": effective}  # fmt: skip
    r = await api["enrollment"].post("/roster/changes", headers=CA, json=body)
    key: str = r.json()["person_key"]
    return key


async def subsidy(api: Api, key: str) -> dict[str, Any]:
    r = await api["enrollment"].get(f"/persons/{key}/subsidy", headers=MS, params={"year": 2022, "on": "2022-06-30"})
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def test_newly_vulnerable_and_not_enrolled_pays_the_own_share(api: Api) -> None:
    key = await add(api, "2022-03-01")
    body = await subsidy(api, key)
    # 低保, Xinzhou 2022: 350.00 × 0.80 = 280.00 subsidy from the assistance fund; 70.00 paid by the person;
    # the fiscal part falls on county finance.
    assert (body["subsidy"], body["own_share"], body["refund"], body["fiscal_share_by_county"]) == (
        "280.00", "70.00", "0.00", True,
    )  # fmt: skip
    assert body["explanation"][-1]["rule_id"] == "mid-year.not-enrolled"


async def test_newly_vulnerable_after_enrolling_past_the_period_gets_no_refund(api: Api) -> None:
    enrolled = {"id_number": ID, "name": "周八", "region_code": XINZHOU, "year": 2022, "tier": 1, "status": "paid",
                "effective_date": "2021-11-01"}  # fmt: skip
    assert (await api["enrollment"].post("/enrollments", headers=MS, json=enrolled)).status_code == 201
    key = await add(api, "2022-03-01")
    body = await subsidy(api, key)
    assert (body["subsidy"], body["own_share"], body["refund"]) == ("0.00", "350.00", "0.00")


async def test_the_waiting_period_is_waived_in_principle_on_a_transfer(api: Api) -> None:
    key = await add(api, "2022-03-01")
    r = await api["enrollment"].get(
        f"/persons/{key}/waiting-period", headers=MS, params={"circumstance": "transfer", "on": "2022-06-30"}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["waived"], r.json()["in_principle"], r.json()["rule_id"]) == (
        True,
        True,
        "xinzhou-2022-no-waiting",
    )
    other = await api["enrollment"].get(
        f"/persons/{key}/waiting-period", headers=MS, params={"circumstance": "other", "on": "2022-06-30"}
    )
    assert other.json()["waived"] is False
