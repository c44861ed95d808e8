"""REST routes for whole rosters: a batch of JSON rows, or a 附件3 file (XLSX/CSV), with a per-row report."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from libs.common import regions
from libs.common.auth import Principal, allow, require_region
from libs.common.clock import china_today
from libs.common.deps import Runtime
from libs.common.messaging.contracts.enrollment import RosterChangedV1
from libs.common.problems import Problem
from services.enrollment import handlers
from services.enrollment.deps import Rules
from services.enrollment.domain import AUTHORITY
from services.enrollment.intake import Intake, RowError, sheet_items, validate
from services.enrollment.roster_file import FileProblem, read_rows, template

router = APIRouter(tags=["roster"])
RosterAgency = Annotated[Principal, Depends(allow(*AUTHORITY))]
MAX_UPLOAD = 50 * 1024 * 1024  # a 100,000-row 附件3 is about 5 MB
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RowErrorOut(BaseModel):
    row: int = Field(description="row number as shown in Excel (files) or 1-based item number (JSON)")
    column: str | None
    rule: str
    message: str


class IntakeReport(BaseModel):
    received: int
    recorded: int = Field(description="new changes recorded and published")
    already_recorded: int = Field(description="changes sent before: nothing changed")
    rejected_rows: int
    errors: list[RowErrorOut]


class BatchIn(BaseModel):
    changes: list[dict[str, Any]] = Field(min_length=1, max_length=100_000, description="items as for /roster/changes")
    partial: bool = Field(default=False, description="take the good rows and return the bad ones")
    region_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    list_date: date | None = None


def _county(principal: Principal, region_code: str | None) -> str:
    if region_code is not None:
        require_region(principal, region_code)
        return region_code
    if regions.specificity(principal.region_code) == 6:
        return principal.region_code
    raise Problem(
        422, "validation", "Request is not valid / 请求数据有误",
        "region_code is required for a city- or province-level token / 请指定县级行政区划代码",
        errors=[{"field": "region_code", "rule": "county_required", "message": "required"}],
    )  # fmt: skip


def _report(intake: Intake[RosterChangedV1], received: int, new: int) -> IntakeReport:
    return IntakeReport(
        received=received,
        recorded=new,
        already_recorded=len(intake.changes) - new,
        rejected_rows=intake.rejected_rows,
        errors=[RowErrorOut(**e.__dict__) for e in intake.errors],
    )


def _errors_json(errors: Iterable[RowError]) -> list[dict[str, Any]]:
    return [{"row": e.row, "field": e.column, "rule": e.rule, "message": e.message} for e in errors]


async def _take(
    runtime: Runtime, rules: Rules, intake: Intake[RosterChangedV1], received: int, partial: bool
) -> IntakeReport:
    if intake.errors and not partial:
        raise Problem(
            422, "roster-rows-invalid", "Rows are not valid; nothing was recorded / 名单有误, 未导入",
            f"{intake.rejected_rows} of {received} rows have errors; fix them or send with partial=true",
            errors=_errors_json(intake.errors),
        )  # fmt: skip
    async with runtime.uow() as uow:
        new = await handlers.record_roster_changes(uow, [c for _, c in intake.changes], rules)
    return _report(intake, received, len(new))


@router.post("/roster/changes/batch", response_model=IntakeReport)
async def post_roster_batch(body: BatchIn, principal: RosterAgency, runtime: Runtime, rules: Rules) -> IntakeReport:
    """Record many roster changes at once; all rows are checked first (per-item report)."""
    county = _county(principal, body.region_code)
    intake = validate(
        enumerate(body.changes, start=1),
        agency=principal.agency,
        region_code=county,
        list_date=body.list_date or china_today(),
        person_key=lambda number: runtime.person_key(number, validated=True),
        by_alias=False,
    )
    return await _take(runtime, rules, intake, len(body.changes), body.partial)


@router.post("/roster/files", response_model=IntakeReport)
async def post_roster_file(
    principal: RosterAgency,
    runtime: Runtime,
    rules: Rules,
    file: Annotated[UploadFile, File(description="附件3 as XLSX or CSV")],
    partial: Annotated[bool, Query(description="take the good rows and return the bad ones")] = False,
    region_code: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    list_date: Annotated[date | None, Query(description="date the list is provided; default today")] = None,
) -> IntakeReport:
    """Import a 附件3 file (困难人口动态调整名单); a file with bad rows is rejected with a per-row report."""
    county = _county(principal, region_code)
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise Problem(413, "too-large", "File too large / 文件过大", f"at most {MAX_UPLOAD // 1024 // 1024} MB")

    def parse() -> tuple[Intake[RosterChangedV1], int]:
        rows = list(read_rows(data))
        intake = validate(
            sheet_items(rows),
            agency=principal.agency,
            region_code=county,
            list_date=list_date or china_today(),
            person_key=lambda number: runtime.person_key(number, validated=True),
            by_alias=True,
        )
        return intake, len(rows)

    try:
        # Parsing a large sheet takes seconds: off the event loop, so consumers and other requests go on.
        intake, received = await asyncio.to_thread(parse)
    except FileProblem as exc:
        raise Problem(422, "unreadable-file", "File is not a 附件3 table / 文件格式不符", str(exc)) from exc
    return await _take(runtime, rules, intake, received, partial)


@router.get("/roster/template.xlsx", response_class=Response)
async def get_roster_template(_principal: RosterAgency) -> Response:
    """An empty 附件3 (困难人口动态调整名单) to fill in."""
    headers = {"Content-Disposition": "attachment; filename*=UTF-8''%E9%99%84%E4%BB%B63.xlsx"}
    return Response(template(), media_type=XLSX, headers=headers)
