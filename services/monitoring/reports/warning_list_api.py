"""附件1 routes: the monthly warning list of a county as JSON, CSV and XLSX, and issuing (freezing) it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import FileResponse, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow, require_region
from libs.common.clock import china_today
from libs.common.deps import Book, Runtime
from libs.common.policy import NoPolicy, PolicyBook
from services.monitoring.reports import attachment1, params, pg_render
from services.monitoring.reports import warning_lists as store
from services.monitoring.reports.export import (
    FIRST_DATA_ROW,
    Chunks,
    Form,
    SheetChunks,
    csv_encoded,
    csv_response,
    xlsx_response,
)
from services.monitoring.reports.params import CountyCode, MonthText
from services.monitoring.reports.periods import Month

router = APIRouter(tags=["reports"])
# The seed: 县级医保部门…将清单(附件1)提供给同级民政、卫生健康、乡村振兴部门. Medical security owns the list
# and sees full ID numbers; the agencies it is sent to read it with ID numbers masked, as every read-only view
# here does.
Reader = Annotated[
    Principal,
    Depends(allow(Agency.MEDICAL_SECURITY, Agency.CIVIL_AFFAIRS, Agency.RURAL_REVITALIZATION, Agency.HEALTH)),
]
Issuer = Annotated[Principal, Depends(allow(Agency.MEDICAL_SECURITY))]
CHUNK = 10_000


def due_on(book: PolicyBook, county: str, month: Month) -> date | None:
    """附件1 is due on the pack's day of the next month; None where no pack sets a deadline (e.g. Weihai)."""
    try:
        rules = book.for_county(county, month.next().first_day, "reports").reports
    except NoPolicy:
        return None
    return month.due(rules.warning_list.day) if rules and rules.warning_list else None


async def _cells(conn: AsyncConnection, where: sa.ColumnElement[bool], full_id: bool) -> Chunks:
    seq = 0
    cells = attachment1.cells
    async for part in store.stream(conn, store.ordered(where), CHUNK):
        yield [cells(seq + i, row, full_id=full_id) for i, row in enumerate(part, 1)]
        seq += len(part)


async def _sheet(runtime: Runtime, county: str, month: Month, full_id: bool) -> SheetChunks:
    async with runtime.engine.connect() as conn:
        where = store.membership(county, month, await store.issued_months(conn, county))
        if conn.dialect.name == "postgresql":  # the database renders the rows (reports/pg_render.py)
            async for xml in pg_render.sheet_rows(conn, where, full_id, FIRST_DATA_ROW):
                yield xml
        else:
            async for chunk in _cells(conn, where, full_id):
                yield chunk


async def _csv(runtime: Runtime, county: str, month: Month, full_id: bool) -> AsyncIterator[bytes]:
    async with runtime.engine.connect() as conn:
        where = store.membership(county, month, await store.issued_months(conn, county))
        if conn.dialect.name == "postgresql":  # COPY … TO STDOUT (FORMAT csv) (reports/pg_render.py)
            lines = pg_render.csv_lines(conn, where, full_id)
        else:
            lines = csv_encoded(_cells(conn, where, full_id))
        async for data in lines:
            yield data


async def _form(runtime: Runtime, county: str, month: Month) -> Form:
    async with runtime.engine.connect() as conn:
        issued = await store.issued(conn, county, month)
    return Form(
        sheet="附件1",
        title=attachment1.TITLE,
        unit_line=attachment1.unit_line(county, issued.issued_on if issued else None),
        headings=attachment1.HEADINGS,
        widths=attachment1.WIDTHS,
        notes=attachment1.NOTES,
    )


def _full_id(principal: Principal) -> bool:
    return principal.agency is Agency.MEDICAL_SECURITY


@router.get("/reports/warning-lists/{county}/{month}.csv", response_class=StreamingResponse)
async def warning_list_csv(county: CountyCode, month: MonthText, principal: Reader, runtime: Runtime) -> Response:
    """附件1 as CSV (UTF-8 with BOM, opens in Excel): title, unit line, the seven headings, the rows, the notes."""
    county, period = params.county(county), params.month(month)
    require_region(principal, county)
    form = await _form(runtime, county, period)
    lines = _csv(runtime, county, period, _full_id(principal))
    return csv_response(form, lines, f"附件1_监测预警反馈清单_{county}_{period}.csv")


@router.get("/reports/warning-lists/{county}/{month}.xlsx", response_class=FileResponse)
async def warning_list_xlsx(county: CountyCode, month: MonthText, principal: Reader, runtime: Runtime) -> Response:
    """附件1 as an Excel workbook with the seed's title, headings and notes."""
    county, period = params.county(county), params.month(month)
    require_region(principal, county)
    form = await _form(runtime, county, period)
    chunks = _sheet(runtime, county, period, _full_id(principal))
    return await xlsx_response(form, chunks, f"附件1_监测预警反馈清单_{county}_{period}.xlsx")


async def _status(runtime: Runtime, book: PolicyBook, county: str, month: Month) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        issued = await store.issued(conn, county, month)
        total = await store.count(conn, store.membership(county, month, await store.issued_months(conn, county)))
    due = due_on(book, county, month)
    status: dict[str, Any] = {
        "region_code": county,
        "month": str(month),
        "status": "issued" if issued else "draft",
        "due_on": due.isoformat() if due else None,
        "total": total,
    }
    if issued:
        status.update(issued_on=issued.issued_on.isoformat(), issued_by=issued.issued_by, late=issued.late)
    else:
        status["overdue"] = None if due is None else china_today() > due
    return status


@router.get("/reports/warning-lists/{county}/{month}")
async def warning_list(
    county: CountyCode,
    month: MonthText,
    principal: Reader,
    runtime: Runtime,
    book: Book,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> dict[str, Any]:
    """附件1 of a county and month: the issued (frozen) list, or the live draft while it is not issued."""
    county, period = params.county(county), params.month(month)
    require_region(principal, county)
    body = await _status(runtime, book, county, period)
    full_id = _full_id(principal)
    async with runtime.engine.connect() as conn:
        where = store.membership(county, period, await store.issued_months(conn, county))
        rows = (await conn.execute(store.ordered(where).offset(offset).limit(limit))).all()
    body["title"] = attachment1.TITLE
    body["headings"] = list(attachment1.HEADINGS)
    body["offset"] = offset
    body["rows"] = [
        {
            "seq": offset + i + 1,
            "flag_id": r.flag_id,
            "township": r.township,
            "village": r.village,
            "name": r.name,
            "id_number": attachment1.cells(0, r, full_id=full_id)[4],
            "category": r.category,
            "category_label": attachment1.category_label(r.category),
            "risk_description": r.risk_description,
        }
        for i, r in enumerate(rows)
    ]
    return body


@router.post("/reports/warning-lists/{county}/{month}/issue")
async def issue_warning_list(
    county: CountyCode, month: MonthText, principal: Issuer, runtime: Runtime, book: Book, response: Response
) -> dict[str, Any]:
    """Issue (印发) 附件1 of a finished month: the draft is frozen; issuing again changes nothing."""
    county, period = params.county(county), params.month(month)
    require_region(principal, county)
    today = china_today()
    if today <= period.last_day:
        raise params.period_not_over("month", period.last_day.isoformat(), today.isoformat())
    async with runtime.engine.begin() as conn:
        _issued, first = await store.issue(conn, county, period, principal.name, today, due_on(book, county, period))
    response.status_code = 201 if first else 200
    return await _status(runtime, book, county, period)
