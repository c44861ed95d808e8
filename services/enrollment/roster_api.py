"""REST routes for whole rosters: a batch of JSON rows, or a 附件3 file (XLSX/CSV), with a per-row report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from libs.common.auth import Principal, allow
from libs.common.clock import china_today
from libs.common.deps import Runtime
from libs.common.messaging.contracts.enrollment import RosterChangedV1
from services.enrollment import handlers, sheets, uploads
from services.enrollment.deps import Rules
from services.enrollment.domain import AUTHORITY
from services.enrollment.intake import RosterChecker
from services.enrollment.roster_file import read_rows, template
from services.enrollment.uploads import XLSX, RowErrorOut

router = APIRouter(tags=["roster"])
RosterAgency = Annotated[Principal, Depends(allow(*AUTHORITY))]
Item = tuple[int, Mapping[str, object]]


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


async def _take(
    runtime: Runtime, rules: Rules, items: Iterable[Item], checker: RosterChecker, partial: bool
) -> IntakeReport:
    async with runtime.uow() as uow:
        writer = handlers.RosterWriter(uow, rules)

        async def write(changes: Sequence[RosterChangedV1]) -> int:
            return len(await writer.write(changes))

        next_piece = uploads.pieces(items, checker.check)
        taken = await uploads.take(uow, next_piece, write, partial=partial, kind="roster", what="名单")
    return IntakeReport(
        received=taken.received,
        recorded=taken.new,
        already_recorded=taken.passed - taken.new,
        rejected_rows=taken.rejected_rows,
        errors=taken.error_items(),
    )


def _checker(
    runtime: Runtime, principal: Principal, county: str, list_date: date | None, by_alias: bool
) -> RosterChecker:
    return RosterChecker(
        agency=principal.agency,
        region_code=county,
        list_date=list_date or china_today(),
        person_key=lambda number: runtime.person_key(number, validated=True),
        by_alias=by_alias,
    )


@router.post("/roster/changes/batch", response_model=IntakeReport)
async def post_roster_batch(body: BatchIn, principal: RosterAgency, runtime: Runtime, rules: Rules) -> IntakeReport:
    """Record many roster changes at once, all or (``partial``) the good ones, with a per-item report."""
    checker = _checker(runtime, principal, uploads.county(principal, body.region_code), body.list_date, by_alias=False)
    return await _take(runtime, rules, enumerate(body.changes, start=1), checker, body.partial)


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
    checker = _checker(runtime, principal, uploads.county(principal, region_code), list_date, by_alias=True)
    data = await uploads.read_upload(file)
    # Read and checked piece by piece off the event loop, so consumers and other requests go on.
    return await _take(runtime, rules, sheets.items(read_rows(data)), checker, partial)


@router.get("/roster/template.xlsx", response_class=Response)
async def get_roster_template(_principal: RosterAgency) -> Response:
    """An empty 附件3 (困难人口动态调整名单) to fill in."""
    headers = {"Content-Disposition": "attachment; filename*=UTF-8''%E9%99%84%E4%BB%B63.xlsx"}
    return Response(template(), media_type=XLSX, headers=headers)
