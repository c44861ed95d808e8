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


async def add(api: Api, effective: str, listed: str | None = None) -> str:
    """Add the person as 低保 from ``effective`` (动态调整时间) on a list provided ``listed`` (default: that day)."""
    body = {"id_number": ID, "name": "周八", "region_code": XINZHOU, "change_type": "新增", "category": "低保",
            "effective_date": effective, "list_date": listed or effective}  # fmt: skip
    r = await api["enrollment"].post("/roster/changes", headers=CA, json=body)
    key: str = r.json()["person_key"]
    return key


async def subsidy(api: Api, key: str, on: str = "2022-06-30") -> dict[str, Any]:
    r = await api["enrollment"].get(f"/persons/{key}/subsidy", headers=MS, params={"year": 2022, "on": on})
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


async def waived(api: Api, key: str, on: str) -> bool:
    r = await api["enrollment"].get(
        f"/persons/{key}/waiting-period", headers=MS, params={"circumstance": "transfer", "on": on}
    )
    assert r.status_code == 200, r.text
    result: bool = r.json()["waived"]
    return result


async def test_the_subsidy_and_the_waiver_start_on_the_list_date_not_the_adjustment_date(api: Api) -> None:
    # 动态调整时间 2022-03-01, list provided 2022-03-20: 自…提供名单之日起按规定享受医保帮扶政策 (seed 000 四).
    key = await add(api, "2022-03-01", listed="2022-03-20")
    # On 2022-03-10 the person is 低保 (the adjustment) but has no benefits yet: no subsidy, no waiver.
    before = await subsidy(api, key, on="2022-03-10")
    assert (before["categories"], before["subsidy"], before["own_share"]) == ([], "0.00", "350.00")
    assert not await waived(api, key, "2022-03-10")
    # On 2022-03-25: 350.00 × 0.80 = 280.00, and the mid-year rule still counts from the adjustment (2022-03-01,
    # after the 2021 concentrated period, not enrolled before it) — the fiscal part falls on the county.
    after = await subsidy(api, key, on="2022-03-25")
    assert (after["categories"], after["subsidy"], after["fiscal_share_by_county"]) == (["dibao"], "280.00", True)
    assert await waived(api, key, "2022-03-25")
    # The standard it used is unconfirmed (the national minimum): the answer names it.
    assert [v["path"] for v in after["unconfirmed_values"]] == ["figures.contribution_tier1"]
