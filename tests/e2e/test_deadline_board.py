"""The ops deadline board over REST, on the referral service with a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from libs.common.runtime import ServiceRuntime
from services.referral.board import today_in_china
from services.system import running
from tests.conftest import make_settings
from tests.e2e.board_seed import TODAY, referral, seed

pytestmark = pytest.mark.integration


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def referral_app(database_url_template: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        tmp_path, database_url=database_url_template, bus_database_url=f"sqlite+aiosqlite:///{tmp_path}/bus.sqlite"
    )
    async with running(settings, only="referral") as apps:
        app = apps["referral"]
        runtime: ServiceRuntime = app.state.runtime
        await seed(runtime.engine)
        app.dependency_overrides[today_in_china] = lambda: TODAY
        yield app


@pytest.fixture
async def client(referral_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=referral_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://referral") as c:
        yield c


def lines(board: dict[str, Any]) -> dict[tuple[str, str], tuple[int, int, int, int, int]]:
    return {
        (t["county"], t["agency"]): (t["awaiting"], t["due_today"], t["due_soon"], t["overdue"], t["most_days_overdue"])
        for t in board["tallies"]
    }


async def test_medical_security_sees_every_county_and_agency_counted_in_working_days(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/board.json", headers=bearer("dev-medical_security"))
    assert response.status_code == 200, response.text
    board = response.json()
    assert (board["today"], board["due_soon_until"]) == ("2026-09-30", "2026-10-09")  # 8 Oct, 9 Oct: 2 working days
    # (awaiting, due today, due soon, overdue, most working days overdue); hand counts in tests/e2e/board_seed.py
    assert lines(board) == {
        ("141123", "civil_affairs"): (5, 1, 1, 3, 8),
        ("141123", "rural_revitalization"): (2, 0, 1, 0, 0),
        ("141124", "civil_affairs"): (1, 0, 0, 1, 1),
    }
    assert board["totals"] == {"awaiting": 8, "due_today": 1, "due_soon": 2, "overdue": 4, "no_deadline": 0}
    oldest = board["longest_waiting"]
    assert [i["referral_id"] for i in oldest[:4]] == ["R6", "R5", "R8", "R9"]  # due 18, 24, 29, 29 Sep
    assert (oldest[0]["days_overdue"], oldest[0]["name"], oldest[0]["agency_label"]) == (8, "欧***", "民政局")
    assert oldest[0]["id_number"].startswith("141123********") and len(oldest[0]["id_number"]) == 18
    assert "R7" not in {i["referral_id"] for i in oldest}  # resolved


async def test_a_make_up_saturday_counts_as_a_working_day_overdue(
    referral_app: FastAPI, client: httpx.AsyncClient
) -> None:
    # Seen on Sat 10 Oct (调休): R1 due 30 Sep is late by Thu 8, Fri 9, Sat 10 = 3 working days.
    referral_app.dependency_overrides[today_in_china] = lambda: date(2026, 10, 10)
    response = await client.get("/board.json", headers=bearer("dev-medical_security"))
    items = {i["referral_id"]: i for i in response.json()["longest_waiting"]}
    assert items["R1"]["days_overdue"] == 3
    assert items["R4"]["days_overdue"] == 0  # due that very Saturday: due today, not late
    assert lines(response.json())[("141123", "rural_revitalization")] == (2, 1, 0, 1, 1)


async def test_a_referral_with_no_decision_deadline_shows_the_working_days_it_has_waited(
    referral_app: FastAPI, client: httpx.AsyncClient
) -> None:
    # Opened Fri 18 Sep under a pack that sets no decision deadline. Waited by Wed 30 Sep: Sun 20 (调休) = 1,
    # Mon 21 – Thu 24 = 5, Fri 25 中秋 off, Mon 28 – Wed 30 = 8 working days.
    waiting = {**referral(10, "141124", "rural_revitalization", None), "opened_on": date(2026, 9, 18)}
    runtime: ServiceRuntime = referral_app.state.runtime
    await seed(runtime.engine, [waiting])
    board = (await client.get("/board.json", headers=bearer("dev-medical_security"))).json()
    line = next(t for t in board["tallies"] if (t["county"], t["agency"]) == ("141124", "rural_revitalization"))
    assert (line["awaiting"], line["due_today"], line["due_soon"], line["overdue"], line["most_days_overdue"]) == (
        1, 0, 0, 0, 0,
    )  # fmt: skip
    assert (line["earliest_due_on"], line["no_deadline"], line["most_days_waited"]) == (None, 1, 8)
    assert board["totals"]["no_deadline"] == 1
    # Listed after every referral that has a due day, never as overdue.
    last = board["longest_waiting"][-1]
    assert (last["referral_id"], last["due_on"], last["days_overdue"], last["working_days_waited"]) == (
        "R10", None, None, 8,
    )  # fmt: skip
    page = (await client.get("/board", headers=bearer("dev-medical_security"))).text
    assert "已等待8个工作日" in page


async def test_filters_narrow_to_one_county_and_agency(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/board.json", params={"county": "141123", "agency": "rural_revitalization"}, headers=bearer("dev-health")
    )
    assert response.status_code == 403  # health sees only referrals addressed to health
    response = await client.get(
        "/board.json",
        params={"county": "141123", "agency": "rural_revitalization"},
        headers=bearer("dev-medical_security"),
    )
    assert response.status_code == 200, response.text
    assert list(lines(response.json())) == [("141123", "rural_revitalization")]
    assert {i["referral_id"] for i in response.json()["longest_waiting"]} == {"R3", "R4"}


async def test_an_agency_sees_only_its_own_referrals_in_its_own_county(client: httpx.AsyncClient) -> None:
    mine = await client.get("/board.json", headers=bearer("dev-civil_affairs-141123"))
    assert list(lines(mine.json())) == [("141123", "civil_affairs")]
    civil_affairs = bearer("dev-civil_affairs-141123")
    other_county = await client.get("/board.json", params={"county": "141124"}, headers=civil_affairs)
    assert other_county.status_code == 403
    assert other_county.json()["type"].endswith("forbidden-region")
    other_agency = await client.get(
        "/board.json", params={"agency": "rural_revitalization"}, headers=bearer("dev-civil_affairs-141123")
    )
    assert other_agency.status_code == 403
    finance = await client.get("/board", headers=bearer("dev-finance"))
    assert finance.status_code == 403


async def test_a_browser_is_asked_to_log_in_and_may_use_basic_auth(client: httpx.AsyncClient) -> None:
    anonymous = await client.get("/board")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Basic")
    wrong = await client.get("/board", headers={"Authorization": "Basic " + base64.b64encode(b"ops:nope").decode()})
    assert wrong.status_code == 401
    basic = base64.b64encode("值班:dev-medical_security".encode()).decode()
    page = await client.get("/board", params={"county": "141124"}, headers={"Authorization": f"Basic {basic}"})
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    assert "转介办理时限看板" in page.text and 'value="141124"' in page.text
    # Basic is for the read-only board only: the agency API keeps Bearer / X-API-Key.
    api = await client.get("/referrals", headers={"Authorization": f"Basic {basic}"})
    assert (api.status_code, api.headers["www-authenticate"]) == (401, "Bearer")


async def test_bad_filters_are_problems_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await client.get("/board.json", params={"county": "14112"}, headers=bearer("dev-medical_security"))
    assert response.status_code == 422
    assert "county" in response.text


async def test_the_board_shows_the_blind_spots_of_the_viewers_region_in_chinese(client: httpx.AsyncClient) -> None:
    weihai = await client.get("/board.json", headers=bearer("dev-civil_affairs-371002"))
    assert weihai.status_code == 200, weihai.text
    spots = {(s["region_code"], s["section"], s["kind"], s["figure"]) for s in weihai.json()["blind_spots"]}
    # 威海's pack has its 山东 income figure for 2023 only: the board's year has none.
    assert ("371000", "monitoring", "missing_figure", "shandong_income") in spots
    assert not any(region == "500243" for region, *_ in spots)  # 彭水's are not 环翠区's business
    page = await client.get("/board", headers=bearer("dev-civil_affairs-371002"))
    assert page.status_code == 200
    assert 'id="total-blind-spots">' in page.text and "监测盲区" in page.text
    assert f"威海市 监测预警 {TODAY.year}年缺少参数：全省上年度居民人均可支配收入（shandong_income）" in page.text
    # 兴县 sees its province's packs: 山西's lines are fixed sums, so nothing blind from them.
    xing = await client.get("/board.json", headers=bearer("dev-civil_affairs-141123"))
    assert all(s["region_code"] in ("140000", "141100", "141123") for s in xing.json()["blind_spots"])
