"""REST routes for the 参保台账 (JSON and XLSX) and the frozen monthly dispatch (月调度)."""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow, require_region
from libs.common.clock import china_today
from libs.common.deps import Runtime
from libs.common.policy import NoPolicy
from libs.common.problems import Problem
from services.enrollment import ledger as ledgers
from services.enrollment.deps import Rules
from services.enrollment.ledger_export import as_json, as_xlsx
from services.enrollment.tables import dispatch_snapshots

router = APIRouter(tags=["ledger"])
Reader = Annotated[
    Principal,
    Depends(allow(Agency.MEDICAL_SECURITY, Agency.CIVIL_AFFAIRS, Agency.RURAL_REVITALIZATION, Agency.TOWNSHIP)),
]
MedicalSecurity = Annotated[Principal, Depends(allow(Agency.MEDICAL_SECURITY))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RegionCode = Annotated[str, Query(pattern=r"^\d{6}$", description="county or city code")]


async def _ledger(runtime: Runtime, rules: Rules, region_code: str, year: int, as_of: date) -> dict[str, Any]:
    try:
        targets = rules.book.for_county(region_code, as_of, "enrollment").enrollment
    except NoPolicy:
        targets = None
    async with runtime.engine.connect() as conn:
        rows = await ledgers.read_rows(conn, region_code, year, as_of)
    return as_json(ledgers.build(region_code, year, as_of, rows, targets.targets if targets else ()))


def _xlsx(data: dict[str, Any], name: str) -> Response:
    quoted = name.encode("utf-8").hex("%").upper()
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''%{quoted}"}
    return Response(as_xlsx(data), media_type=XLSX, headers=headers)


@router.get("/enrollment/ledger")
async def get_ledger(
    principal: Reader, runtime: Runtime, rules: Rules, region_code: RegionCode, year: int, as_of: date | None = None
) -> dict[str, Any]:
    """参保台账: vulnerable persons per category, enrolled or not, against the region's targets."""
    require_region(principal, region_code)
    return await _ledger(runtime, rules, region_code, year, as_of or china_today())


@router.get("/enrollment/ledger.xlsx", response_class=Response)
async def get_ledger_xlsx(
    principal: Reader, runtime: Runtime, rules: Rules, region_code: RegionCode, year: int, as_of: date | None = None
) -> Response:
    """The 参保台账 as an Excel workbook (summary, targets, persons; ID numbers masked)."""
    require_region(principal, region_code)
    data = await _ledger(runtime, rules, region_code, year, as_of or china_today())
    return _xlsx(data, f"参保台账_{region_code}_{year}.xlsx")


class DispatchIn(BaseModel):
    region_code: str = Field(pattern=r"^\d{6}$")
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")


def _month_end(month: str) -> date:
    year, number = (int(x) for x in month.split("-"))
    return date(year, number, calendar.monthrange(year, number)[1])


async def _snapshot(runtime: Runtime, region_code: str, month: str) -> dict[str, Any] | None:
    d = dispatch_snapshots.c
    async with runtime.engine.connect() as conn:
        value = await conn.scalar(sa.select(d.ledger).where(d.region_code == region_code, d.month == month))
    return dict(value) if value is not None else None


@router.post("/enrollment/dispatches")
async def take_dispatch(body: DispatchIn, principal: MedicalSecurity, runtime: Runtime, rules: Rules) -> dict[str, Any]:
    """Freeze the month's ledger as it stood at month end (月调度); taking it again returns the first snapshot."""
    require_region(principal, body.region_code)
    existing = await _snapshot(runtime, body.region_code, body.month)
    if existing is not None:
        return existing
    end = _month_end(body.month)
    if end >= china_today():
        message = f"{body.month} ends on {end}: only a finished month"
        error = {"field": "month", "rule": "past_month", "message": message}
        raise Problem(422, "month-not-over", "Month not over / 月份尚未结束", error["message"], errors=[error])
    data = await _ledger(runtime, rules, body.region_code, end.year, end)
    async with runtime.engine.begin() as conn:
        await conn.execute(
            dispatch_snapshots.insert().values(
                region_code=body.region_code, month=body.month, ledger=data, taken_by=principal.name
            )
        )
    return data


@router.get("/enrollment/dispatches/{region_code}/{month}")
async def get_dispatch(region_code: str, month: str, principal: Reader, runtime: Runtime) -> Response:
    """A frozen monthly dispatch, as JSON or (with .xlsx after the month) as a workbook."""
    as_excel = month.endswith(".xlsx")
    month = month.removesuffix(".xlsx")
    if not re.fullmatch(r"\d{6}", region_code) or not re.fullmatch(r"\d{4}-\d{2}", month):
        raise Problem(404, "not-found", "No such dispatch / 无此调度", "use /enrollment/dispatches/<county>/<YYYY-MM>")
    require_region(principal, region_code)
    data = await _snapshot(runtime, region_code, month)
    if data is None:
        raise Problem(404, "not-found", "No such dispatch / 无此调度", f"no snapshot of {month} for {region_code}")
    if as_excel:
        return _xlsx(data, f"月调度_{region_code}_{month}.xlsx")
    return JSONResponse(data)
