"""附件3 roster intake over REST, on SQLite and on PostgreSQL (where bulk rows go through COPY): whole files,
per-row reports, nothing half-written."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from services.enrollment.roster_file import HEADERS
from tests.conftest import make_settings
from tests.e2e import roster_files
from tests.e2e.system import Api, system

CA = {"Authorization": "Bearer dev-civil_affairs-141123"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
async def api(tmp_path: Path, database_url_template: str) -> AsyncIterator[Api]:
    async with system(make_settings(tmp_path, database_url=database_url_template)) as clients:
        yield clients


async def count(api: Api, table: str) -> int:
    async with api.runtime("enrollment").engine.connect() as conn:
        return int(await conn.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)


async def upload(api: Api, data: bytes, name: str = "附件3.xlsx", **params: Any) -> Any:
    files = {"file": (name, data, XLSX if name.endswith("xlsx") else "text/csv")}
    return await api["enrollment"].post("/roster/files", headers=CA, files=files, params=params)


async def test_a_10000_row_xlsx_imports_whole_and_again_changes_nothing(api: Api) -> None:
    data = roster_files.xlsx(roster_files.rows(10_000))
    first = await upload(api, data)
    assert first.status_code == 200, first.text[:500]
    assert first.json() | {"errors": None} == {
        "received": 10_000, "recorded": 10_000, "already_recorded": 0, "rejected_rows": 0, "errors": None,
    }  # fmt: skip
    # 10,000 roster.changed events + 10,000 gap pushes: nobody on the list is enrolled yet (漏保).
    assert (await count(api, "roster_changes"), await count(api, "enrollment_gaps")) == (10_000, 10_000)
    assert await count(api, "outbox") == 20_000

    again = await upload(api, data)
    assert (again.json()["recorded"], again.json()["already_recorded"]) == (0, 10_000)
    assert (await count(api, "roster_changes"), await count(api, "outbox")) == (10_000, 20_000)


def with_three_bad_rows() -> list[list[object]]:
    body = roster_files.rows(20)
    id_number = str(body[4][4])
    body[4][4] = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")  # Excel row 7: check digit
    body[9][6] = "富人"  # Excel row 12: no such category
    body[14][7] = "2026-02-30"  # Excel row 17: no such date
    return body


async def test_a_file_with_three_bad_rows_reports_exactly_those_and_records_nothing(api: Api) -> None:
    response = await upload(api, roster_files.xlsx(with_three_bad_rows()))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = [(e["row"], e["field"], e["rule"]) for e in response.json()["errors"]]
    # Rows are numbered as Excel shows them: title row 1, header row 2, data from row 3.
    assert errors == [
        (7, "身份证号码", "check_digit"),
        (12, "人员类别", "known_category"),
        (17, "动态调整时间", "date_format"),
    ]
    assert await count(api, "roster_changes") == 0 and await count(api, "outbox") == 0


async def test_a_bad_row_after_pieces_were_written_rolls_the_whole_file_back(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.enrollment import uploads

    # Pieces of 4 rows: rows 3-6 and 7-10 are written while later pieces are checked; row 17 is bad.
    monkeypatch.setattr(uploads, "PIECE_ROWS", 4)
    body = roster_files.rows(20)
    body[14][7] = "2026-02-30"
    response = await upload(api, roster_files.xlsx(body))
    assert response.status_code == 422
    assert [(e["row"], e["rule"]) for e in response.json()["errors"]] == [(17, "date_format")]
    assert (await count(api, "roster_changes"), await count(api, "enrollment_gaps"), await count(api, "outbox")) == (
        0, 0, 0,
    )  # fmt: skip
    # In pieces, partial takes the 19 good rows, and a re-send of the fixed file adds just the one left out.
    assert (await upload(api, roster_files.xlsx(body), partial="true")).json()["recorded"] == 19
    body[14][7] = "2026-02-28"
    again = (await upload(api, roster_files.xlsx(body))).json()
    assert (again["recorded"], again["already_recorded"]) == (1, 19)
    assert await count(api, "outbox") == 40  # 20 roster.changed + 20 gap pushes


async def test_partial_takes_the_good_rows_and_returns_the_bad(api: Api) -> None:
    response = await upload(api, roster_files.xlsx(with_three_bad_rows()), partial="true")
    assert response.status_code == 200
    report = response.json()
    assert (report["received"], report["recorded"], report["rejected_rows"]) == (20, 17, 3)
    assert [e["row"] for e in report["errors"]] == [7, 12, 17]
    assert await count(api, "roster_changes") == 17


async def test_a_gbk_csv_from_excel_imports(api: Api) -> None:
    response = await upload(api, roster_files.csv_bytes(roster_files.rows(5)), name="附件3.csv")
    assert response.status_code == 200, response.text
    assert response.json()["recorded"] == 5


async def test_rows_outside_the_agencys_authority_are_named(api: Api) -> None:
    body = roster_files.rows(3)
    body[1][6] = "返贫致贫人口"  # rural revitalization's category, sent by civil affairs
    response = await upload(api, roster_files.xlsx(body))
    [error] = response.json()["errors"]
    assert (error["row"], error["field"], error["rule"]) == (4, "人员类别", "category_authority")
    assert "民政局" in error["message"]


async def test_a_duplicate_row_in_one_file_is_reported(api: Api) -> None:
    body = roster_files.rows(3)
    body.append(list(body[0]))
    [error] = (await upload(api, roster_files.xlsx(body))).json()["errors"]
    assert (error["row"], error["rule"]) == (6, "duplicate_row")
    assert "第3行" in error["message"]


async def test_not_a_roster_file(api: Api) -> None:
    response = await upload(api, b"hello,world\n1,2\n", name="x.csv")
    assert response.status_code == 422 and "身份证号码" in response.json()["detail"]


async def test_the_template_has_the_attachments_columns(api: Api) -> None:
    response = await api["enrollment"].get("/roster/template.xlsx", headers=CA)
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet["A1"].value == "困难人口动态调整名单"
    assert tuple(c.value for c in sheet[2]) == HEADERS


async def test_a_json_batch_reports_items_by_number(api: Api) -> None:
    good = {"id_number": roster_files.rows(1)[0][4], "name": "甲", "change_type": "新增", "category": "低保",
            "effective_date": "2026-03-05"}  # fmt: skip
    bad = {**good, "id_number": "123"}
    response = await api["enrollment"].post("/roster/changes/batch", headers=CA, json={"changes": [good, bad]})
    assert response.status_code == 422
    assert [(e["row"], e["field"], e["rule"]) for e in response.json()["errors"]] == [(2, "id_number", "length")]
    partial = await api["enrollment"].post(
        "/roster/changes/batch", headers=CA, json={"changes": [good, bad], "partial": True}
    )
    assert (partial.json()["recorded"], partial.json()["rejected_rows"]) == (1, 1)


async def test_a_city_token_must_name_the_county(api: Api) -> None:
    city = {"Authorization": "Bearer dev-civil_affairs"}
    files = {"file": ("附件3.xlsx", roster_files.xlsx(roster_files.rows(1)), XLSX)}
    response = await api["enrollment"].post("/roster/files", headers=city, files=files)
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "county_required"
