"""参保登记 files from the 医保 enrollment system over REST, on SQLite and PostgreSQL: per-row report, partial,
idempotent re-send, and enrolling by file closes a person's gap."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from libs.common.idcard import make_id_number
from services.enrollment.enrollment_file import HEADERS, TITLE
from tests.conftest import make_settings
from tests.e2e import roster_files
from tests.e2e.system import Api, system

CA = {"Authorization": "Bearer dev-civil_affairs-141123"}
MS = {"Authorization": "Bearer dev-medical_security-141123"}
TAX = {"Authorization": "Bearer dev-tax-141123"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
async def api(tmp_path: Path, database_url_template: str) -> AsyncIterator[Api]:
    async with system(make_settings(tmp_path, database_url=database_url_template)) as clients:
        yield clients


def person(seq: int) -> str:
    return make_id_number("141123", date(1958, 6, 1), seq)


def rows(count: int, status: str = "已缴费") -> list[list[object]]:
    return [[i + 1, f"参保人{i}", person(i), 2026, "一档", status, "2026-10-15"] for i in range(count)]


def xlsx(body: Sequence[Sequence[object]]) -> bytes:
    return roster_files.xlsx(body, title=TITLE, headers=HEADERS)


async def upload(api: Api, data: bytes, name: str = "参保登记.xlsx", **params: Any) -> Any:
    files = {"file": (name, data, XLSX if name.endswith("xlsx") else "text/csv")}
    return await api["enrollment"].post("/enrollments/files", headers=MS, files=files, params=params)


async def count(api: Api, table: str, where: str = "TRUE") -> int:
    async with api.runtime("enrollment").engine.connect() as conn:
        return int(await conn.scalar(sa.text(f"SELECT count(*) FROM {table} WHERE {where}")) or 0)


async def test_a_file_with_three_bad_rows_reports_exactly_those_and_records_nothing(api: Api) -> None:
    body = rows(12)
    body[2][4] = "三档"  # Excel row 5: no such tier
    body[6][5] = "待定"  # Excel row 9: no such status
    body[9][2] = str(body[9][2])[:-1] + ("0" if str(body[9][2])[-1] != "0" else "1")  # row 12: check digit
    response = await upload(api, xlsx(body))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["row"], e["field"], e["rule"]) for e in response.json()["errors"]] == [
        (5, "缴费档次", "known_tier"),
        (9, "参保状态", "known_status"),
        (12, "身份证号码", "check_digit"),
    ]
    assert (await count(api, "enrollments"), await count(api, "outbox")) == (0, 0)

    partial = await upload(api, xlsx(body), partial="true")
    assert partial.status_code == 200
    report = partial.json()
    assert (report["received"], report["changed"], report["unchanged"], report["rejected_rows"]) == (12, 9, 0, 3)
    assert [e["row"] for e in report["errors"]] == [5, 9, 12]
    assert await count(api, "enrollments") == 9


async def test_enrolling_by_file_closes_the_gap_and_sending_it_again_changes_nothing(api: Api) -> None:
    # 低保 person added by civil affairs, not enrolled: a 漏保 gap opens.
    added = {"id_number": person(0), "name": "参保人0", "region_code": "141123", "change_type": "新增",
             "category": "低保", "effective_date": "2026-09-28", "list_date": "2026-09-30"}  # fmt: skip
    assert (await api["enrollment"].post("/roster/changes", headers=CA, json=added)).status_code == 201
    gaps = (await api["enrollment"].get("/enrollment/gaps", headers=TAX)).json()
    assert [g["kind"] for g in gaps] == ["never_enrolled"]

    first = await upload(api, xlsx(rows(3)))
    assert first.status_code == 200, first.text
    assert (first.json()["changed"], first.json()["unchanged"]) == (3, 0)
    assert (await api["enrollment"].get("/enrollment/gaps", headers=TAX)).json() == []
    closed = (await api["enrollment"].get("/enrollment/gaps", headers=TAX, params={"open": "false"})).json()
    assert [(g["kind"], g["closed_on"]) for g in closed] == [("never_enrolled", "2026-10-15")]
    async with api.runtime("enrollment").engine.connect() as conn:
        payloads = (
            await conn.execute(
                sa.text("SELECT payload FROM outbox WHERE event_type = 'cn.safetynet.enrollment.changed'")
            )
        ).all()
    events = sorted((json.loads(p.payload)["data"] for p in payloads), key=lambda d: d["name"])
    assert [(e["name"], e["year"], e["tier"], e["status"]) for e in events] == [
        ("参保人0", 2026, 1, "paid"), ("参保人1", 2026, 1, "paid"), ("参保人2", 2026, 1, "paid"),
    ]  # fmt: skip

    outbox = await count(api, "outbox")
    again = await upload(api, xlsx(rows(3)))
    assert (again.json()["changed"], again.json()["unchanged"]) == (0, 3)
    assert await count(api, "outbox") == outbox


async def test_an_interruption_in_the_file_opens_a_gap_for_a_vulnerable_person(api: Api) -> None:
    added = {"id_number": person(1), "name": "参保人1", "region_code": "141123", "change_type": "新增",
             "category": "特困", "effective_date": "2026-01-05", "list_date": "2026-01-05"}  # fmt: skip
    assert (await api["enrollment"].post("/roster/changes", headers=CA, json=added)).status_code == 201
    assert (await upload(api, xlsx(rows(2)))).status_code == 200  # both enrolled: 参保人1's gap closes
    lapsed = rows(2, status="断保")
    response = await upload(api, xlsx(lapsed))
    assert (response.json()["changed"], response.json()["unchanged"]) == (2, 0)
    # Only 参保人1 holds a vulnerable category; 参保人0's interruption opens nothing.
    gaps = (await api["enrollment"].get("/enrollment/gaps", headers=TAX)).json()
    assert [(g["name"], g["kind"]) for g in gaps] == [("参保人1", "interrupted")]


async def test_a_gbk_csv_export_with_other_headings_imports(api: Api) -> None:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["序号", "姓名", "身份证号码", "年度", "档次", "缴费状态", "参保日期"])
    writer.writerow([1, "参保人5", person(5), "2026年", "2", "已参保", "2026/3/1"])
    response = await upload(api, text.getvalue().encode("gb18030"), name="参保登记.csv")
    assert response.status_code == 200, response.text
    async with api.runtime("enrollment").engine.connect() as conn:
        row = (await conn.execute(sa.text("SELECT year, tier, status, effective_date FROM enrollments"))).one()
    assert (row.year, row.tier, row.status, str(row.effective_date)) == (2026, 2, "enrolled", "2026-03-01")


async def test_the_same_person_twice_in_one_year_is_reported(api: Api) -> None:
    body = rows(2)
    body.append([3, "参保人0", person(0), 2026, "二档", "已参保", "2026-11-01"])
    [error] = (await upload(api, xlsx(body))).json()["errors"]
    assert (error["row"], error["field"], error["rule"]) == (5, "身份证号码", "duplicate_row")
    assert "第3行" in error["message"]


async def test_only_medical_security_sends_enrollment_files_and_reads_the_template(api: Api) -> None:
    files = {"file": ("参保登记.xlsx", xlsx(rows(1)), XLSX)}
    assert (await api["enrollment"].post("/enrollments/files", headers=CA, files=files)).status_code == 403
    response = await api["enrollment"].get("/enrollments/template.xlsx", headers=MS)
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet["A1"].value == TITLE
    assert tuple(c.value for c in sheet[2]) == HEADERS


async def test_a_roster_file_sent_as_an_enrollment_file_is_refused_naming_the_missing_columns(api: Api) -> None:
    response = await upload(api, roster_files.xlsx(roster_files.rows(2)))
    assert response.status_code == 422
    assert "参保年度" in response.json()["detail"] and "缺少列" in response.json()["detail"]
