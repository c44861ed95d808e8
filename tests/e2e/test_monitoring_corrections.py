"""Over REST and the real bus: a reversal takes a 低保 person back under the line — the total falls, the flag
stays, a resent claim counts once, and the next claim over the line raises nothing new."""

from __future__ import annotations

from typing import Any

from libs.common.settings import Settings
from tests.e2e.system import auth, claim_body, eventually, person, system


async def test_a_reversal_under_the_line_keeps_the_flag(settings: Settings) -> None:
    id_number = person(21)
    ms = auth("medical_security")
    async with system(settings) as api:
        added = await api["enrollment"].post(
            "/roster/changes",
            headers=auth("civil_affairs"),
            json={
                "id_number": id_number,
                "name": "王五",
                "region_code": "141123",
                "change_type": "新增",
                "category": "低保对象",
                "effective_date": "2026-01-05",
            },
        )
        assert added.status_code == 201, added.text
        key = added.json()["person_key"]

        async def year() -> dict[str, Any]:
            r = await api["monitoring"].get(f"/persons/{key}/years/2026", headers=ms)
            result: dict[str, Any] = r.json() if r.status_code == 200 else {}
            return result

        await eventually(lambda: _has(year, "categories_today", ["dibao"]))
        # 7,000.00 left to the person: 7,000.00 > 6,000.00 (超过0.6万元) → 返贫 warning
        c1 = claim_body("C-1", id_number, "7000.00")
        assert (await api["assistance"].post("/claims", headers=ms, json=c1)).status_code == 201
        flags = await eventually(lambda: _flags(api, ms))
        assert [(f["level"], f["cumulative_burden"]) for f in flags] == [("relapse", "7000.00")]

        # 冲销: C-1 reversed (all zeros) → 0.00 for the year; the flag stays.
        reversal = {
            **claim_body("R-1", id_number, "0.00", total="0.00"),
            "corrects_claim_id": "C-1",
        }
        assert (await api["assistance"].post("/claims", headers=ms, json=reversal)).status_code == 201
        await eventually(lambda: _has(year, "burden", "0.00"))
        # The same claim sent again is the same claim (200, nothing published): still 0.00.
        assert (await api["assistance"].post("/claims", headers=ms, json=reversal)).status_code == 200
        # 6,500.00 > 6,000.00 again, but 2026 already has its 返贫 flag: 6,500.00 counted, no second flag.
        c2 = claim_body("C-2", id_number, "6500.00")
        assert (await api["assistance"].post("/claims", headers=ms, json=c2)).status_code == 201
        await eventually(lambda: _has(year, "burden", "6500.00"))
        assert [(f["level"], f["cumulative_burden"]) for f in await _flags(api, ms)] == [("relapse", "7000.00")]
        assert api.runtime("monitoring").consumers[0].dead_lettered == 0


async def _has(probe: Any, field: str, value: Any) -> bool:
    got = await probe()
    return bool(got.get(field) == value)


async def _flags(api: Any, headers: dict[str, str]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = (await api["monitoring"].get("/flags", headers=headers)).json()
    return result
