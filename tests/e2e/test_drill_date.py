"""A drill on another date (``SAFETYNET_TODAY``): the whole system runs on it, so the warning's time, the day the
referral opens and its deadline all follow the drill's date, and the process's clock is put back afterwards.

On the embedded default only: the clock is the process's, the same whatever the bus and database.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from libs.common.clock import china_date, china_today
from tests.conftest import TEST_TODAY, make_settings
from tests.e2e.referral_alone import with_local_decision_deadline
from tests.e2e.system import auth, claim_body, eventually, person, system

DRILL = date(2030, 9, 30)  # a Monday, in a year chinesecalendar 1.11 does not know


async def test_the_system_runs_on_the_drill_date(tmp_path: Path) -> None:
    ms = auth("medical_security")
    # 山西's seed gives the decision no number of days: the drill's county has set a local one of 5 working days.
    policies = with_local_decision_deadline(tmp_path, "shanxi-2022", 5, "吕梁市医保局 演练用办理时限")
    async with system(make_settings(tmp_path, today=DRILL, policies_dir=policies)) as api:
        assert china_today() == DRILL
        # 25,000.00 left to an ordinary resident > 20,000.00 → 防范因病致贫 warning → two referrals.
        posted = await api["assistance"].post("/claims", headers=ms, json=claim_body("C-D-1", person(41), "25000.00"))
        assert posted.status_code == 201, posted.text
        key = posted.json()["person_key"]

        async def both_referred() -> list[dict[str, Any]]:
            r = await api["referral"].get("/referrals", params={"person_key": key}, headers=ms)
            found: list[dict[str, Any]] = r.json()
            return found if len(found) == 2 else []

        referrals = await eventually(both_referred)
        [flag] = (await api["monitoring"].get("/flags", headers=ms)).json()

    assert china_today() == TEST_TODAY  # the test's clock again once the system stopped
    assert china_date(datetime.fromisoformat(flag["flagged_at"])) == DRILL
    # 5 working days after Mon 30 Sep 2030, Monday–Friday since the year's holidays are unknown:
    # Tue 1, Wed 2, Thu 3, Fri 4, Mon 7 Oct → due Mon 7 Oct, provisional (国庆 may move it once published).
    assert {(r["opened_on"], r["due_on"], r["due_provisional"]) for r in referrals} == {
        ("2030-09-30", "2030-10-07", True)
    }
