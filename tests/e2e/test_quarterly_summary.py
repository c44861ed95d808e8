"""附件2, the quarterly summary of a city, over REST on both deployments: the four counts with worked numbers,
the seed's form read back from the workbook, issuing, and who may read it.

The counts follow the referrals as they happen (opened today), so the quarter under test is the current one.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import load_workbook

from libs.common.agencies import Agency
from libs.common.clock import china_today
from libs.common.messaging.contracts.referral import Outcome, ReferralResolvedV1
from libs.common.settings import Settings
from services.monitoring.reports.periods import Month, Quarter
from tests.e2e.reports_setup import MS, add_to_roster, claim, id_number
from tests.e2e.system import Api, eventually, system

HEADINGS = ["市", "纳入监测人数", "推送相关部门人数", "纳入民政部门救助人数", "纳入乡村振兴部门监测人数", "备注"]


def this_quarter(today: date) -> Quarter:
    return Quarter(today.year, (today.month - 1) // 3 + 1)


async def referrals_of(api: Api, key: str) -> dict[str, dict[str, Any]]:
    """The person's two referrals (Shanxi: civil affairs and rural revitalization), by agency."""

    async def both() -> list[dict[str, Any]]:
        r = await api["referral"].get("/referrals", params={"person_key": key}, headers=MS)
        found: list[dict[str, Any]] = r.json()
        return found if len(found) == 2 else []

    return {r["agency"]: r for r in await eventually(both)}


async def resolve(api: Api, referral: dict[str, Any], outcome: Outcome, on: date) -> None:
    """What the referral service publishes when an agency answers (its REST answer route is another branch's)."""
    event = ReferralResolvedV1(
        referral_id=referral["referral_id"],
        flag_id=referral["flag_id"],
        person_key=referral["person_key"],
        region_code=referral["region_code"],
        agency=Agency(referral["agency"]),
        outcome=outcome,
        resolved_on=on,
    )
    async with api.runtime("referral").uow() as uow:
        uow.publish(event, subject=event.person_key)
        await uow.commit()


async def test_the_four_counts_of_a_city(settings: Settings) -> None:
    today = china_today()
    quarter = this_quarter(today)
    a, b, d = id_number("141123", 11), id_number("141123", 12), id_number("141124", 13)
    f, g = id_number("141123", 14), id_number("140902", 15)
    async with system(settings) as api:
        await add_to_roster(api, a, "甲", "低保对象", "蔚汾镇", "北坡村")
        # 甲 (低保, 141123): 12,000.00 > 6,000.00 → warning.     乙 (141123): 25,000.00 > 20,000.00 → warning.
        # 丁 (141124, same city 1411): 30,000.00 > 20,000.00 → warning.
        # 戊 (141123): exactly 20,000.00 is not over 2万 → no warning.  己 (140902, another city) → not counted.
        key_a = await claim(api, "Q-A", a, "甲", today, "12000.00", "85000.00")
        key_b = await claim(api, "Q-B", b, "乙", today, "25000.00", "60000.00")
        key_d = await claim(api, "Q-D", d, "丁", today, "30000.00", "60000.00")
        await claim(api, "Q-F", f, "戊", today, "20000.00", "60000.00")
        await claim(api, "Q-G", g, "己", today, "30000.00", "60000.00")
        ra, rb, rd = [await referrals_of(api, k) for k in (key_a, key_b, key_d)]

        # Answers: 甲 纳入低保边缘 and 乙 纳入低保 (civil affairs); 乙 不符合条件 at rural revitalization;
        # 丁 纳入防返贫监测 (rural revitalization).
        await resolve(api, ra["civil_affairs"], Outcome.INCLUDED_DIBAO_EDGE, today)
        await resolve(api, rb["civil_affairs"], Outcome.INCLUDED_DIBAO, today)
        await resolve(api, rb["rural_revitalization"], Outcome.NOT_ELIGIBLE, today)
        await resolve(api, rd["rural_revitalization"], Outcome.INCLUDED_POVERTY_MONITORING, today)

        # Hand count for city 141100 this quarter:
        #   纳入监测人数 = 甲, 乙, 丁 = 3 (戊 under the line, 己 in 1409);
        #   推送相关部门人数 = 甲, 乙, 丁 = 3 (each pushed to two agencies, counted once as a person);
        #   纳入民政部门救助人数 = 甲 (低保边缘) + 乙 (低保) = 2;  纳入乡村振兴部门监测人数 = 丁 = 1.
        url = f"/reports/quarterly-summaries/141100/{quarter}"

        async def all_answers_counted() -> dict[str, Any] | None:
            body: dict[str, Any] = (await api["monitoring"].get(url, headers=MS)).json()
            return body if (body["civil_affairs"], body["rural_revitalization"]) == (2, 1) else None

        body = await eventually(all_answers_counted)
        assert (body["monitored"], body["pushed"], body["civil_affairs"], body["rural_revitalization"]) == (3, 3, 2, 1)
        assert body["counties"] == {
            "141123": {"monitored": 2, "pushed": 2, "civil_affairs": 2, "rural_revitalization": 0},
            "141124": {"monitored": 1, "pushed": 1, "civil_affairs": 0, "rural_revitalization": 1},
        }
        # Due on or before the 20th of the first month of the next quarter (每季度的首月20日前).
        assert body["status"] == "draft"
        assert body["due_on"] == Month(quarter.year, 3 * quarter.number).next().first_day.replace(day=20).isoformat()

        xlsx = await api["monitoring"].get(f"{url}.xlsx", headers=MS)
        sheet = load_workbook(io.BytesIO(xlsx.content))["附件2"]
        table = [[c.value for c in row] for row in sheet.iter_rows()]
        assert table[0][0] == "市防范因病返贫致贫监测运行情况汇总表"
        assert table[2] == HEADINGS
        assert table[3] == ["141100", 3, 3, 2, 1, None]
        assert table[4][0] == "注：1. 本表由市级医保部门汇总各县（区、市）情况后填写；"
        csv_text = (await api["monitoring"].get(f"{url}.csv", headers=MS)).content.decode("utf-8-sig")
        assert csv_text.splitlines()[2:4] == [",".join(HEADINGS), "141100,3,3,2,1,"]


async def test_issuing_a_past_quarter_and_who_may_read(settings: Settings) -> None:
    today = china_today()
    current = this_quarter(today)
    previous = Quarter(current.year, current.number - 1) if current.number > 1 else Quarter(current.year - 1, 4)
    async with system(settings) as api:
        m = api["monitoring"]
        url = f"/reports/quarterly-summaries/141100/{previous}"
        first = await m.post(f"{url}/issue", headers=MS)
        assert first.status_code == 201, first.text
        due = Month(previous.year, 3 * previous.number).next().first_day.replace(day=20)
        assert (first.json()["status"], first.json()["due_on"], first.json()["late"]) == (
            "issued", due.isoformat(), today > due,
        )  # fmt: skip
        again = await m.post(f"{url}/issue", headers=MS)
        assert (again.status_code, again.json()["issued_on"]) == (200, first.json()["issued_on"])
        r = await m.post(f"/reports/quarterly-summaries/141100/{this_quarter(today)}/issue", headers=MS)
        assert (r.status_code, r.json()["errors"][0]["rule"]) == (422, "period_over")
        r = await m.get(url, headers={"Authorization": "Bearer dev-medical_security-141123"})
        assert (r.status_code, r.json()["type"].rsplit("/", 1)[1]) == (403, "forbidden-region")  # a county's token
        r = await m.get(url, headers={"Authorization": "Bearer dev-civil_affairs"})
        assert (r.status_code, r.json()["type"].rsplit("/", 1)[1]) == (403, "forbidden-agency")
        r = await m.get("/reports/quarterly-summaries/140000/2026-Q1", headers=MS)
        assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "city")
