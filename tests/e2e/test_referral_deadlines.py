"""Referral rules from the pack of the warning's claim date, and the two deadlines of an answer, on the referral
service alone over a real bus and database (SQLite + embedded bus, PostgreSQL + Kafka-protocol broker).

- Pengshui: its only pack (pengshui-2024) ended 2024-12-31. A warning about a 2024 claim raised in December 2026
  is referred by that pack; a warning about a 2025 claim carries it forward, and says so.
- Shanxi (seed 000 二): 在规定时间内…纳入 (no number: no due day, the referral shows the working days it has waited),
  并在5个工作日内向县级医保部门推送信息 (5 working days from the agency's decision to its feedback).

Calendar (chinesecalendar 2026): 中秋 Fri 09-25 off; 国庆 Thu 10-01 – Wed 10-07 off; Sat 10-10 a make-up working
day (调休上班); no holiday and no 调休 in December 2026.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from libs.common.idcard import make_id_number
from libs.common.messaging.contracts.monitoring import RiskFlaggedV1, RiskLevel
from libs.common.settings import Settings
from tests.e2e.referral_alone import flag_envelope, publish_flags, published, referral_service, referral_settings
from tests.e2e.system import eventually
from tests.e2e.test_metrics import scrape, value

pytestmark = pytest.mark.integration

MS = {"Authorization": "Bearer dev-medical_security"}
CIVIL = {"Authorization": "Bearer dev-civil_affairs-141123"}
RURAL = {"Authorization": "Bearer dev-rural_revitalization-141123"}


@pytest.fixture(params=["embedded-sqlite", "kafka-postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    yield from referral_settings(request, tmp_path)


def warning(flag_id: str, county: str, claim_date: date, pack_id: str) -> RiskFlaggedV1:
    # An ordinary resident; the amounts only describe the warning, the referral service does not judge them again.
    return RiskFlaggedV1(
        flag_id=flag_id,
        person_key=f"person-{flag_id}",
        id_number=make_id_number(county, date(1962, 4, 1), int(flag_id[-1])),
        name="赵六",
        region_code=county,
        year=claim_date.year,
        level=RiskLevel.IMPOVERISH,
        category=None,
        policy_pack_id=pack_id,
        rule_id=f"{pack_id}-ordinary",
        threshold=Decimal("20000.00"),
        cumulative_total_cost=Decimal("90000.00"),
        cumulative_burden=Decimal("25000.00"),
        claim_id=f"C-{flag_id}",
        settlement_date=claim_date,
        diagnosis="脑梗死",
        risk_description=f"{claim_date.year}年{claim_date.month}月{claim_date.day}日，因脑梗死，医疗总费用90000.00元，"
        "医疗保障报销后个人负担25000.00元，存在因病返贫致贫风险。",
    )


async def referrals_of(client: httpx.AsyncClient, flag_id: str, count: int) -> list[dict[str, Any]]:
    async def all_opened() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = (await client.get("/referrals", headers=MS)).json()
        mine = [r for r in rows if r["flag_id"] == flag_id]
        return mine if len(mine) == count else []

    result: list[dict[str, Any]] = await eventually(all_opened)
    return result


async def test_a_pengshui_2024_warning_raised_in_2026_opens_its_referrals(settings: Settings) -> None:
    raised = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # Thu 2026-12-03, 09:00 in China
    await publish_flags(
        settings,
        [
            flag_envelope(warning("F-2024-1", "500243", date(2024, 11, 20), "pengshui-2024"), raised),
            flag_envelope(warning("F-2025-2", "500243", date(2025, 6, 10), "pengshui-2024"), raised),
        ],
        ["referral.opened"],
    )
    # Seen on Tue 2026-12-08: opened Thu 12-03; Fri 12-04 = 1, (weekend), Mon 12-07 = 2, Tue 12-08 = 3 working days.
    async with referral_service(settings, date(2026, 12, 8)) as (client, _):
        of_2024 = await referrals_of(client, "F-2024-1", 3)
        of_2025 = await referrals_of(client, "F-2025-2", 3)
    # 将预警人员信息及时共享给民政、乡村振兴、卫生健康等部门: three agencies, no deadline in the seed.
    for rows, carried in ((of_2024, False), (of_2025, True)):
        assert sorted(r["agency"] for r in rows) == ["civil_affairs", "health", "rural_revitalization"]
        fields = ("opened_on", "due_on", "feedback_working_days", "deadline_rule_id", "policy_carried_forward")
        assert {tuple(r[f] for f in fields) for r in rows} == {
            ("2026-12-03", None, None, "pengshui-2024:referral", carried)
        }
        assert {(r["working_days_overdue"], r["working_days_waited"]) for r in rows} == {(None, 3)}

    opened = [e for e in await published(settings, "referral.opened") if e.data["region_code"] == "500243"]
    assert len(opened) == 6
    assert {e.schemaversion for e in opened} == {2}
    carried_flags = {e.data["flag_id"] for e in opened if e.data["policy_carried_forward"]}
    assert carried_flags == {"F-2025-2"}
    assert {e.data["due_on"] for e in opened} == {None}


async def test_shanxi_feedback_counts_5_working_days_from_the_decision(settings: Settings) -> None:
    opened_at = datetime(2026, 9, 25, 1, 0, tzinfo=UTC)  # Fri 2026-09-25 09:00 in China (中秋, a day off)
    await publish_flags(
        settings, [flag_envelope(warning("F-SX-1", "141123", date(2026, 9, 24), "shanxi-2022"), opened_at)],
        ["referral.resolved"],
    )  # fmt: skip
    async with referral_service(settings, date(2026, 9, 30)) as (client, today):
        refs = {r["agency"]: r for r in await referrals_of(client, "F-SX-1", 2)}
        # No decision deadline (规定时间 has no number): no due day, never overdue; waited on Wed 09-30:
        # Sat 26, Sun 27 off; Mon 28 = 1, Tue 29 = 2, Wed 30 = 3 working days.
        for r in refs.values():
            assert (r["due_on"], r["working_days_overdue"], r["working_days_waited"]) == (None, None, 3)
            assert r["feedback_working_days"] == 5
        board = (await client.get("/board.json", headers=MS)).json()
        line = next(t for t in board["tallies"] if (t["county"], t["agency"]) == ("141123", "civil_affairs"))
        assert (line["awaiting"], line["overdue"], line["no_deadline"], line["most_days_waited"]) == (1, 0, 1, 3)
        assert line["earliest_due_on"] is None
        assert {i["working_days_waited"] for i in board["longest_waiting"]} == {3}
        page = (await client.get("/board", headers=MS)).text
        assert "未设办理时限" in page and "已等待3个工作日" in page

        # Both agencies decided on Wed 09-30. Feedback due 5 working days later: 10-01..07 off (国庆), Thu 10-08 = 1,
        # Fri 10-09 = 2, Sat 10-10 = 3 (调休), Mon 10-12 = 4, Tue 10-13 = 5.
        today.set(date(2026, 10, 13))  # civil affairs feeds back on the 5th working day: on time
        civil = await client.post(
            f"/referrals/{refs['civil_affairs']['referral_id']}/resolution",
            headers=CIVIL,
            json={"outcome": "纳入低保", "decided_on": "2026-09-30"},
        )
        assert civil.status_code == 200, civil.text
        body = civil.json()
        assert (body["decided_on"], body["feedback_due_on"], body["feedback_working_days_late"]) == (
            "2026-09-30", "2026-10-13", 0,
        )  # fmt: skip
        # Waited until the answer: Mon 28, Tue 29, Wed 30, Thu 10-08, Fri 10-09, Sat 10-10 (调休), Mon 10-12, Tue 10-13.
        assert (body["feedback_late"], body["working_days_waited"]) == (False, 8)
        today.set(date(2026, 10, 14))  # rural revitalization on Wed 10-14, the 6th working day: a breach of 1
        rural = await client.post(
            f"/referrals/{refs['rural_revitalization']['referral_id']}/resolution",
            headers=RURAL,
            json={"outcome": "纳入防返贫监测", "category": "边缘易致贫", "decided_on": "2026-09-30"},
        )
        assert rural.status_code == 200, rural.text
        assert (rural.json()["feedback_late"], rural.json()["feedback_working_days_late"]) == (True, 1)
        # A correction (no decided_on: today) is a new ledger entry; the breach stays the first answer's.
        corrected = await client.post(
            f"/referrals/{refs['rural_revitalization']['referral_id']}/resolution",
            headers=RURAL,
            json={"outcome": "一事一议"},
        )
        assert corrected.status_code == 200, corrected.text
        stored = (await client.get(f"/referrals/{refs['rural_revitalization']['referral_id']}", headers=MS)).json()
        assert (stored["decided_on"], stored["feedback_due_on"], stored["feedback_late"]) == (
            "2026-09-30", "2026-10-13", True,
        )  # fmt: skip
        ledger = (await client.get(f"/referrals/{stored['referral_id']}/responses", headers=MS)).json()
        assert [(h["action"], h["decided_on"], h["answered_on"]) for h in ledger] == [
            ("resolved", "2026-09-30", "2026-10-14"),
            ("corrected", "2026-10-14", "2026-10-14"),
        ]
        samples = await scrape(client)
        late = "safetynet_referrals_feedback_late"
        assert value(samples, late, county="141123", agency="rural_revitalization") == 1
        assert value(samples, late, county="141123", agency="civil_affairs") is None  # on time: not counted

    resolved = {
        (e.data["agency"], e.data["correction"]): e.data
        for e in await published(settings, "referral.resolved")
        if e.data["flag_id"] == "F-SX-1"
    }
    assert {k: (v["decided_on"], v["feedback_late"], v["feedback_working_days_late"]) for k, v in resolved.items()} == {
        ("civil_affairs", False): ("2026-09-30", False, 0),
        ("rural_revitalization", False): ("2026-09-30", True, 1),
        ("rural_revitalization", True): ("2026-10-14", None, None),  # judged on the first answer only
    }


BAD_DECISION_DAYS = [
    ("2026-10-14", "decided-by-answer"),  # after the day of the answer (Tue 10-13)
    ("2026-09-24", "decided-after-opening"),  # before the referral was opened (Fri 09-25)
    ("下周一", "date_from_datetime_parsing"),  # not a date
    ("2026-02-30", "date_from_datetime_parsing"),  # no such day
]


async def test_a_bad_decision_day_is_a_problem_naming_the_field(settings: Settings) -> None:
    opened_at = datetime(2026, 9, 25, 1, 0, tzinfo=UTC)
    await publish_flags(
        settings, [flag_envelope(warning("F-BAD-1", "141123", date(2026, 9, 24), "shanxi-2022"), opened_at)], []
    )
    async with referral_service(settings, date(2026, 10, 13)) as (client, _):
        refs = {r["agency"]: r for r in await referrals_of(client, "F-BAD-1", 2)}
        rid = refs["civil_affairs"]["referral_id"]
        for decided_on, rule in BAD_DECISION_DAYS:
            answer = await client.post(
                f"/referrals/{rid}/resolution", headers=CIVIL, json={"outcome": "纳入低保", "decided_on": decided_on}
            )
            assert answer.status_code == 422, answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert [(e["field"], e["rule"]) for e in answer.json()["errors"]] == [("decided_on", rule)], decided_on
        # Nothing changed: still open, nothing in the ledger.
        after = (await client.get(f"/referrals/{rid}", headers=MS)).json()
        assert (after["status"], after["decided_on"], after["closed_on"]) == ("open", None, None)
        assert (await client.get(f"/referrals/{rid}/responses", headers=MS)).json() == []
