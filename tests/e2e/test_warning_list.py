"""附件1, the monthly warning list of a county, over REST on both deployments: the seed's form in XLSX and CSV,
issuing freezes it (a later warning dated in the same month goes to the next list), and who may read it."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from openpyxl import load_workbook

from libs.common.settings import Settings
from tests.e2e.reports_setup import MS, add_to_roster, claim, id_number
from tests.e2e.system import Api, eventually, system

LIST = "/reports/warning-lists/141123"
HEADINGS = ["序号", "乡(镇)", "行政村", "姓名", "身份证号码", "人员类别", "风险点描述"]
CA = {"Authorization": "Bearer dev-civil_affairs-141123"}


async def rows_of(api: Api, month: str, headers: dict[str, str] = MS, want: int = 0) -> dict[str, Any]:
    async def listed() -> dict[str, Any] | None:
        r = await api["monitoring"].get(f"{LIST}/{month}", headers=headers)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body if len(body["rows"]) >= want else None

    result: dict[str, Any] = await eventually(listed)
    return result


async def test_the_list_is_the_seed_form_and_issuing_freezes_it(settings: Settings) -> None:
    wang, li, zhao = id_number("141123", 1), id_number("141123", 2), id_number("141123", 3)
    async with system(settings) as api:
        await add_to_roster(api, wang, "王五", "低保对象", "蔚汾镇", "北坡村")
        await add_to_roster(api, zhao, "赵六", "突发严重困难", "蔚汾镇", "南关村", "rural_revitalization")
        # 王五 (低保): 12,000.00 > 6,000.00 → 返贫 warning dated 5 March.
        await claim(api, "C-1", wang, "王五", date(2026, 3, 5), "12000.00", "85000.00")
        # 李四 (no category: 其他参保居民): 25,000.00 > 20,000.00 → 致贫 warning dated 20 March.
        await claim(api, "C-2", li, "李四", date(2026, 3, 20), "25000.00", "60000.00")

        # 钱七 in the neighbouring county 141124: on that county's list, not on 141123's.
        await claim(api, "C-9", id_number("141124", 9), "钱七", date(2026, 3, 6), "25000.00", "60000.00")

        async def on_neighbours_list() -> bool:
            r = await api["monitoring"].get("/reports/warning-lists/141124/2026-03", headers=MS)
            return [row["name"] for row in r.json()["rows"]] == ["钱七"]

        await eventually(on_neighbours_list)
        march = await rows_of(api, "2026-03", want=2)
        assert (march["status"], march["total"], march["due_on"]) == ("draft", 2, "2026-04-10")
        assert [(r["seq"], r["township"], r["village"], r["name"], r["category_label"]) for r in march["rows"]] == [
            (1, "蔚汾镇", "北坡村", "王五", "低保对象"),  # in the order of the warnings' dates
            (2, None, None, "李四", "其他参保居民"),  # not on the roster: no township, no category
        ]
        assert march["rows"][0]["id_number"] == wang  # medical security, the issuer, sees the full number
        assert march["rows"][0]["risk_description"] == (
            "2026年3月5日，因肺恶性肿瘤，医疗总费用85000.00元，医疗保障报销后个人负担12000.00元，存在因病返贫致贫风险。"
        )
        seen_by_civil_affairs = await rows_of(api, "2026-03", CA, want=2)
        assert seen_by_civil_affairs["rows"][0]["id_number"] == wang[:6] + "********" + wang[-4:]

        # The workbook is the seed's 附件1: title, unit line, the seven headings, the rows, the three notes.
        xlsx = await api["monitoring"].get(f"{LIST}/2026-03.xlsx", headers=MS)
        assert xlsx.status_code == 200, xlsx.text
        sheet = load_workbook(io.BytesIO(xlsx.content))["附件1"]
        table = [[c.value for c in row] for row in sheet.iter_rows()]
        assert table[0][0] == "县(区、市)医保部门防范因病返贫致贫监测预警反馈清单"
        assert table[1][0].startswith("单位名称(盖章): 141123 医疗保障局")
        assert table[2] == HEADINGS
        assert table[3][:6] == [1, "蔚汾镇", "北坡村", "王五", wang, "低保对象"]
        assert table[4] == [2, "", "", "李四", li, "其他参保居民", march["rows"][1]["risk_description"]]
        assert [row[0] for row in table[5:]] == [
            "注: 1. 本表由县级医保部门填写;",
            "2. 人员类别为: 特困人员、低保对象、低保边缘家庭成员、返贫致贫人口、脱贫不稳定人口、边缘易致贫人口、"
            "突发严重困难户、稳定脱贫人口和其他参保居民;",
            "3. 风险点描述格式为: *年*月*日, 因**病, 医疗总费用**元, "
            "医疗保障报销后个人负担**元, 存在因病返贫致贫风险。",
        ]
        # The CSV carries a byte-order mark so that Excel reads the Chinese; same layout.
        text = (await api["monitoring"].get(f"{LIST}/2026-03.csv", headers=CA)).content
        assert text.startswith("\ufeff".encode())
        lines = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
        assert lines[2] == HEADINGS
        assert lines[3][:5] == ["1", "蔚汾镇", "北坡村", "王五", wang[:6] + "********" + wang[-4:]]

        # Issue March (allowed from 1 April; due on or before 10 April, so issuing today is late).
        issued = await api["monitoring"].post(f"{LIST}/2026-03/issue", headers=MS)
        assert issued.status_code == 201, issued.text
        assert (issued.json()["status"], issued.json()["total"], issued.json()["late"]) == ("issued", 2, True)

        # 赵六 (突发严重困难): 7,000.00 > 6,000.00, a claim settled on 25 March arriving after the issue.
        await claim(api, "C-3", zhao, "赵六", date(2026, 3, 25), "7000.00", "20000.00")
        april = await rows_of(api, "2026-04", want=1)
        assert [(r["name"], r["category_label"]) for r in april["rows"]] == [("赵六", "突发严重困难户")]
        frozen = await rows_of(api, "2026-03")
        assert [r["name"] for r in frozen["rows"]] == ["王五", "李四"]
        assert frozen["issued_on"] == issued.json()["issued_on"]
        again = await api["monitoring"].post(f"{LIST}/2026-03/issue", headers=MS)
        assert (again.status_code, again.json()["total"]) == (200, 2)
        unit_line = load_workbook(io.BytesIO((await api["monitoring"].get(f"{LIST}/2026-03.xlsx", headers=MS)).content))
        assert "年 月 日" not in unit_line["附件1"]["A2"].value  # the issue date is filled in


async def test_who_may_read_and_issue(settings: Settings) -> None:
    async with system(settings) as api:
        m = api["monitoring"]
        other_county = {"Authorization": "Bearer dev-civil_affairs-141124"}
        r = await m.get(f"{LIST}/2026-03", headers=other_county)
        assert (r.status_code, r.json()["type"].rsplit("/", 1)[1]) == (403, "forbidden-region")
        r = await m.get(f"{LIST}/2026-03.xlsx", headers={"Authorization": "Bearer dev-tax-141123"})
        assert (r.status_code, r.json()["type"].rsplit("/", 1)[1]) == (403, "forbidden-agency")
        r = await m.post(f"{LIST}/2026-03/issue", headers=CA)  # only medical security issues the list
        assert r.status_code == 403
        r = await m.post(f"{LIST}/2099-01/issue", headers=MS)
        assert (r.status_code, r.json()["errors"][0]["rule"]) == (422, "period_over")
        r = await m.get("/reports/warning-lists/141100/2026-03", headers=MS)
        assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "county")
        r = await m.get(f"{LIST}/2026-13", headers=MS)
        assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "month")
