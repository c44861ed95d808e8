"""Flow 1's two working-day pushes, tracked in the shared deadline store: a roster change that reached 医保 more
than 5 working days after its 动态调整时间 is a breached roster push; a gap pushed after its due day is a breached gap
push. Over REST, on SQLite and PostgreSQL (embedded bus)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from libs.common.idcard import make_id_number
from tests.conftest import make_settings
from tests.e2e.system import Api, system

CA = {"Authorization": "Bearer dev-civil_affairs-141123"}
MS = {"Authorization": "Bearer dev-medical_security-141123"}
MS_OTHER_COUNTY = {"Authorization": "Bearer dev-medical_security-141124"}


@pytest.fixture
async def api(tmp_path: Path, database_url_template: str) -> AsyncIterator[Api]:
    async with system(make_settings(tmp_path, database_url=database_url_template)) as clients:
        yield clients


async def add(api: Api, seq: int, effective: str, listed: str) -> None:
    body = {
        "id_number": make_id_number("141123", date(1970, 5, 6), seq),
        "name": "周八",
        "region_code": "141123",
        "change_type": "新增",
        "category": "低保",
        "effective_date": effective,
        "list_date": listed,
    }
    response = await api["enrollment"].post("/roster/changes", headers=CA, json=body)
    assert response.status_code == 201, response.text


async def breaches(api: Api, kind: str, headers: dict[str, str] = MS) -> list[dict[str, Any]]:
    response = await api["enrollment"].get("/push-deadlines/breaches", params={"kind": kind}, headers=headers)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


async def test_a_roster_change_that_reached_medical_security_late_is_a_breached_push(api: Api) -> None:
    # Adjusted Mon 2026-11-16, listed Mon 2026-11-23: Tue 17=1, Wed 18=2, Thu 19=3, Fri 20=4, Mon 23=5 → on time.
    await add(api, 61, "2026-11-16", "2026-11-23")
    assert await breaches(api, "roster_push") == []
    # Adjusted Mon 2026-11-02, listed Mon 2026-11-23: due Tue 3=1, Wed 4=2, Thu 5=3, Fri 6=4, Mon 9=5 → 2026-11-09.
    # Late: Nov 10–13 (4) + Nov 16–20 (5) + Nov 23 (1) = 10 working days.
    await add(api, 62, "2026-11-02", "2026-11-23")
    [late] = await breaches(api, "roster_push")
    assert (late["opened_on"], late["due_on"], late["reached_on"], late["working_days_late"]) == (
        "2026-11-02",
        "2026-11-09",
        "2026-11-23",
        10,
    )
    assert late["kind_label"] == "名单报送医保超时 (附件3)"
    # Another county's medical security sees none of it.
    assert await breaches(api, "roster_push", MS_OTHER_COUNTY) == []


async def test_a_gap_pushed_after_its_due_day_is_a_breached_gap_push(api: Api) -> None:
    # Listed Wed 2026-09-30: due Thu 10-08=1, Fri 9=2, Sat 10=3 (调休), Mon 12=4, Tue 13=5 → 2026-10-13. The person is
    # not enrolled, so the gap is pushed now (2026-11-23 or later): after the due day.
    await add(api, 63, "2026-09-28", "2026-09-30")
    [late] = await breaches(api, "gap_push")
    assert (late["opened_on"], late["due_on"]) == ("2026-09-30", "2026-10-13")
    assert (
        late["reached_on"] >= "2026-11-23" and late["working_days_late"] >= 29
    )  # Oct 14–16 (3) + 5 full weeks (25) + Nov 23 (1) = 29
