"""附件2 routes: a city's quarterly summary as JSON, CSV and XLSX, and issuing (freezing) it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Response
from fastapi.responses import FileResponse, StreamingResponse
from sqlalchemy.exc import IntegrityError

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow, require_region
from libs.common.clock import china_today
from libs.common.deps import Book, Runtime
from libs.common.policy import NoPolicy, PolicyBook
from libs.common.xlsx_stream import Cell
from services.monitoring.reports import params, quarterly
from services.monitoring.reports.export import Form, csv_encoded, csv_response, xlsx_response
from services.monitoring.reports.params import CityCode, QuarterText
from services.monitoring.reports.periods import Quarter, is_late
from services.monitoring.tables import quarterly_summaries

router = APIRouter(tags=["reports"])
# 附件2 goes from the city's medical security office to the province's: medical security reads and issues it.
MedicalSecurity = Annotated[Principal, Depends(allow(Agency.MEDICAL_SECURITY))]


def due_on(book: PolicyBook, city: str, quarter: Quarter) -> date | None:
    try:
        rules = book.for_county(city, quarter.last_day, "reports").reports
    except NoPolicy:
        return None
    return quarter.due(rules.quarterly_summary.day) if rules and rules.quarterly_summary else None


async def _summary(runtime: Runtime, book: PolicyBook, city: str, quarter: Quarter) -> dict[str, Any]:
    """The issued summary as frozen, or the live one while the quarter's summary is not issued."""
    q = quarterly_summaries.c
    async with runtime.engine.connect() as conn:
        frozen = (
            await conn.execute(
                sa.select(q.summary, q.issued_on, q.issued_by, q.due_on, q.late).where(
                    q.region_code == city, q.quarter == str(quarter)
                )
            )
        ).first()
        if frozen is not None:
            return {
                **dict(frozen.summary),
                "status": "issued",
                "issued_on": frozen.issued_on.isoformat(),
                "issued_by": frozen.issued_by,
                "due_on": frozen.due_on.isoformat() if frozen.due_on else None,
                "late": frozen.late,
            }
        body = await quarterly.summary(conn, city, quarter)
    due = due_on(book, city, quarter)
    overdue = None if due is None else china_today() > due
    return {**body, "status": "draft", "due_on": due.isoformat() if due else None, "overdue": overdue}


def _form(body: dict[str, Any]) -> Form:
    issued = body.get("issued_on")
    when = "{}年{}月{}日".format(*(int(x) for x in issued.split("-"))) if issued else "年 月 日 (草稿, 未报送)"
    return Form(
        sheet="附件2",
        title=quarterly.TITLE,
        unit_line=f"单位名称 (盖章) : {body['region_code']} 医疗保障局    {body['quarter']}    {when}",
        headings=quarterly.HEADINGS,
        widths=quarterly.WIDTHS,
        notes=quarterly.NOTES,
    )


async def _rows(body: dict[str, Any]) -> AsyncIterator[Sequence[Sequence[Cell]]]:
    counts = quarterly.Counts(body["monitored"], body["pushed"], body["civil_affairs"], body["rural_revitalization"])
    yield [counts.cells(body["region_code"])]


async def _checked(principal: Principal, city: str, quarter: str) -> tuple[str, Quarter]:
    city = params.city(city)
    require_region(principal, city)
    return city, params.quarter(quarter)


@router.get("/reports/quarterly-summaries/{city}/{quarter}.csv", response_class=StreamingResponse)
async def quarterly_csv(
    city: CityCode, quarter: QuarterText, principal: MedicalSecurity, runtime: Runtime, book: Book
) -> Response:
    """附件2 as CSV (UTF-8 with BOM): title, unit line, the seed's headings, the city's row, the notes."""
    city, period = await _checked(principal, city, quarter)
    body = await _summary(runtime, book, city, period)
    return csv_response(_form(body), csv_encoded(_rows(body)), f"附件2_监测运行情况汇总表_{city}_{period}.csv")


@router.get("/reports/quarterly-summaries/{city}/{quarter}.xlsx", response_class=FileResponse)
async def quarterly_xlsx(
    city: CityCode, quarter: QuarterText, principal: MedicalSecurity, runtime: Runtime, book: Book
) -> Response:
    """附件2 as an Excel workbook with the seed's title, headings and notes."""
    city, period = await _checked(principal, city, quarter)
    body = await _summary(runtime, book, city, period)
    return await xlsx_response(_form(body), _rows(body), f"附件2_监测运行情况汇总表_{city}_{period}.xlsx")


@router.get("/reports/quarterly-summaries/{city}/{quarter}")
async def quarterly_summary(
    city: CityCode, quarter: QuarterText, principal: MedicalSecurity, runtime: Runtime, book: Book
) -> dict[str, Any]:
    """附件2 of a city (4 digits + 00) and quarter: the four counts, per county too; frozen once issued."""
    city, period = await _checked(principal, city, quarter)
    return await _summary(runtime, book, city, period)


@router.post("/reports/quarterly-summaries/{city}/{quarter}/issue")
async def issue_quarterly_summary(
    city: CityCode, quarter: QuarterText, principal: MedicalSecurity, runtime: Runtime, book: Book, response: Response
) -> dict[str, Any]:
    """Issue (报送) 附件2 of a finished quarter: the counts are frozen; issuing again changes nothing."""
    city, period = await _checked(principal, city, quarter)
    today = china_today()
    if today <= period.last_day:
        raise params.period_not_over("quarter", period.last_day.isoformat(), today.isoformat())
    body = await _summary(runtime, book, city, period)
    if body["status"] == "issued":
        response.status_code = 200
        return body
    due = due_on(book, city, period)
    frozen = {k: v for k, v in body.items() if k not in ("status", "due_on", "overdue")}
    try:
        async with runtime.engine.begin() as conn:
            await conn.execute(
                quarterly_summaries.insert().values(
                    region_code=city,
                    quarter=str(period),
                    summary=frozen,
                    issued_on=today,
                    issued_by=principal.name,
                    due_on=due,
                    late=is_late(today, due),
                )
            )
        response.status_code = 201
    except IntegrityError:
        response.status_code = 200  # issued by someone else a moment ago: theirs stands
    return await _summary(runtime, book, city, period)
