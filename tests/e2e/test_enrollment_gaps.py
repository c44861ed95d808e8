"""Enrollment gaps (漏保/脱保/断保) over REST, on SQLite and on PostgreSQL: opened and pushed with their working-day
deadline, closed by enrolling."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from libs.common.idcard import make_id_number
from tests.conftest import make_settings
from tests.e2e.system import Api, system

CA = {"Authorization": "Bearer dev-civil_affairs-141123"}
MS = {"Authorization": "Bearer dev-medical_security-141123"}
TAX = {"Authorization": "Bearer dev-tax-141123"}
ID = make_id_number("141123", date(1961, 2, 3), 45)


@pytest.fixture
async def api(tmp_path: Path, database_url_template: str) -> AsyncIterator[Api]:
    async with system(make_settings(tmp_path, database_url=database_url_template)) as clients:
        yield clients


async def add_dibao(api: Api, list_date: str = "2026-09-30") -> None:
    body = {"id_number": ID, "name": "孙七", "region_code": "141123", "change_type": "新增", "category": "低保",
            "effective_date": "2026-09-28", "list_date": list_date}  # fmt: skip
    assert (await api["enrollment"].post("/roster/changes", headers=CA, json=body)).status_code == 201


async def enroll(api: Api, status: str, on: str = "2026-10-15") -> Any:
    body = {"id_number": ID, "name": "孙七", "region_code": "141123", "year": 2026, "tier": 1, "status": status,
            "effective_date": on}  # fmt: skip
    return await api["enrollment"].post("/enrollments", headers=MS, json=body)


async def gaps(api: Api, open_only: bool = True) -> list[dict[str, Any]]:
    r = await api["enrollment"].get("/enrollment/gaps", headers=TAX, params={"open": str(open_only).lower()})
    assert r.status_code == 200, r.text
    result: list[dict[str, Any]] = r.json()
    return result


async def pushed_gap_events(api: Api) -> list[dict[str, Any]]:
    async with api.runtime("enrollment").engine.connect() as conn:
        rows = await conn.execute(
            sa.text("SELECT payload FROM outbox WHERE event_type = 'cn.safetynet.enrollment.gap_opened'")
        )
        return [json.loads(r.payload)["data"] for r in rows]


async def test_an_unenrolled_new_dibao_person_is_pushed_with_a_working_day_deadline(api: Api) -> None:
    await add_dibao(api)
    [gap] = await gaps(api)
    # List provided Wed 2026-09-30; 5 working days (Shanxi, 县级医保部门应在5个工作日内): Oct 1–7 National Day off,
    # Thu 8 = 1, Fri 9 = 2, Sat 10 (make-up working day) = 3, Mon 12 = 4, Tue 13 = 5.
    assert (gap["kind"], gap["opened_on"], gap["due_on"], gap["due_provisional"]) == (
        "never_enrolled", "2026-09-30", "2026-10-13", False,
    )  # fmt: skip
    assert gap["id_number"] == ID[:6] + "********" + ID[-4:]  # the read view masks; the event carries it whole
    [event] = await pushed_gap_events(api)
    assert (event["id_number"], event["categories"], event["due_on"]) == (ID, ["dibao"], "2026-10-13")

    enrolled = await enroll(api, "paid")
    assert enrolled.status_code == 201
    assert await gaps(api) == []
    [closed] = await gaps(api, open_only=False)
    assert closed["closed_on"] == "2026-10-15"


async def test_an_already_enrolled_person_gets_no_gap(api: Api) -> None:
    assert (await enroll(api, "enrolled", on="2026-01-10")).status_code == 201
    await add_dibao(api)
    assert await gaps(api) == [] and await pushed_gap_events(api) == []


async def test_a_vulnerable_person_dropping_out_opens_a_dropped_gap(api: Api) -> None:
    await enroll(api, "paid", on="2026-01-10")
    await add_dibao(api)
    assert (await enroll(api, "dropped", on="2026-11-02")).status_code == 201
    [gap] = await gaps(api)
    assert (gap["kind"], gap["opened_on"], gap["due_on"]) == ("dropped", "2026-11-02", "2026-11-09")  # Mon + 5


async def test_a_non_vulnerable_person_dropping_out_opens_nothing(api: Api) -> None:
    await enroll(api, "paid", on="2026-01-10")
    assert (await enroll(api, "dropped", on="2026-11-02")).status_code == 201
    assert await gaps(api) == []


async def test_the_same_enrollment_again_changes_nothing(api: Api) -> None:
    assert (await enroll(api, "paid")).status_code == 201
    again = await enroll(api, "paid")
    assert (again.status_code, again.json()["changed"]) == (200, False)


async def test_only_agencies_that_act_on_gaps_may_read_them(api: Api) -> None:
    health = {"Authorization": "Bearer dev-health-141123"}
    assert (await api["enrollment"].get("/enrollment/gaps", headers=health)).status_code == 403


async def test_chunked_writes_open_one_gap_per_person_across_chunks(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.enrollment import handlers

    monkeypatch.setattr(handlers, "_WRITE_CHUNK", 2)  # five rows → chunks of 2, 2, 1
    other = make_id_number("141123", date(1962, 3, 4), 46)
    rows = [
        {"id_number": ID, "name": "孙七", "change_type": "新增", "category": "低保", "effective_date": "2026-03-01"},
        {"id_number": other, "name": "吴九", "change_type": "新增", "category": "低保", "effective_date": "2026-03-01"},
        {"id_number": other, "name": "吴九", "change_type": "退出", "category": "低保", "effective_date": "2026-04-01"},
        {
            "id_number": ID,
            "name": "孙七",
            "change_type": "新增",
            "category": "低保边缘",
            "effective_date": "2026-03-01",
        },
        {"id_number": ID, "name": "孙七", "change_type": "新增", "category": "特困", "effective_date": "2026-03-02"},
    ]
    r = await api["enrollment"].post("/roster/changes/batch", headers=CA, json={"changes": rows})
    assert r.status_code == 200, r.text
    assert r.json()["recorded"] == 5
    # 孙七 appears in chunks 1, 2 and 3 but gets one gap for 2026; 吴九 one too (the exit does not open one).
    assert sorted(g["name"] for g in await gaps(api)) == ["吴九", "孙七"]
    assert len(await pushed_gap_events(api)) == 2


async def test_an_enrollment_batch_is_checked_whole_and_closes_gaps(api: Api) -> None:
    await add_dibao(api)
    good = {"id_number": ID, "name": "孙七", "region_code": "141123", "year": 2026, "tier": 1, "status": "paid",
            "effective_date": "2026-10-15"}  # fmt: skip
    bad = {**good, "tier": 3}
    refused = await api["enrollment"].post("/enrollments/batch", headers=MS, json={"records": [good, bad]})
    assert refused.status_code == 422
    assert [(e["row"], e["field"], e["rule"]) for e in refused.json()["errors"]] == [(2, "tier", "less_than_equal")]
    assert len(await gaps(api)) == 1  # nothing was recorded: the gap is still open

    taken = await api["enrollment"].post("/enrollments/batch", headers=MS, json={"records": [good], "partial": True})
    assert (taken.json()["changed"], taken.json()["rejected"]) == (1, 0)
    assert await gaps(api) == []


async def test_the_same_person_twice_in_an_enrollment_batch_is_taken_in_order(api: Api) -> None:
    await add_dibao(api)
    paid = {"id_number": ID, "name": "孙七", "region_code": "141123", "year": 2026, "tier": 1, "status": "paid",
            "effective_date": "2026-10-15"}  # fmt: skip
    lapsed = {**paid, "status": "interrupted", "effective_date": "2026-11-20"}
    r = await api["enrollment"].post("/enrollments/batch", headers=MS, json={"records": [paid, lapsed]})
    assert (r.json()["changed"], r.json()["unchanged"]) == (2, 0)
    # Paid closed the 漏保 gap on 10-15; the later interruption opened a 断保 gap on 11-20.
    assert [(g["kind"], g["opened_on"], g["closed_on"]) for g in await gaps(api, open_only=False)] == [
        ("never_enrolled", "2026-09-30", "2026-10-15"),
        ("interrupted", "2026-11-20", None),
    ]


async def test_a_gap_in_a_region_without_a_push_deadline_is_recorded_without_one(api: Api) -> None:
    # 越城 (330602): no pack gives it an enrollment section, so no gap-push deadline — the gap is still
    # recorded and pushed, with due_on null (the contract allows it), instead of the insert failing.
    yuecheng_id = make_id_number("330602", date(1958, 6, 1), 31)
    body = {"id_number": yuecheng_id, "name": "周八", "region_code": "330602", "change_type": "新增",
            "category": "低保", "effective_date": "2026-09-28", "list_date": "2026-09-30"}  # fmt: skip
    headers = {"Authorization": "Bearer dev-civil_affairs-330602"}
    response = await api["enrollment"].post("/roster/changes", headers=headers, json=body)
    assert response.status_code == 201, response.text
    r = await api["enrollment"].get("/enrollment/gaps", headers={"Authorization": "Bearer dev-tax-330602"})
    [gap] = r.json()
    assert (gap["kind"], gap["opened_on"], gap["due_on"]) == ("never_enrolled", "2026-09-30", None)
    [event] = await pushed_gap_events(api)
    assert (event["id_number"], event["due_on"]) == (yuecheng_id, None)
