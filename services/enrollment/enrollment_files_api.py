"""REST routes for enrollment files (参保登记名单, XLSX/CSV) from the 医保 enrollment system, with a per-row report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow
from libs.common.deps import Runtime
from libs.common.messaging.contracts.enrollment import EnrollmentChangedV1
from services.enrollment import enrollment_file, handlers, sheets, uploads
from services.enrollment.deps import Rules
from services.enrollment.uploads import XLSX, RowErrorOut

router = APIRouter(tags=["enrollment"])
MedicalSecurity = Annotated[Principal, Depends(allow(Agency.MEDICAL_SECURITY))]


class EnrollmentFileReport(BaseModel):
    received: int
    changed: int = Field(description="records new or changed: recorded and published as enrollment.changed")
    unchanged: int = Field(description="the same as already recorded: nothing changed")
    rejected_rows: int
    errors: list[RowErrorOut]


@router.post("/enrollments/files", response_model=EnrollmentFileReport)
async def post_enrollment_file(
    principal: MedicalSecurity,
    runtime: Runtime,
    rules: Rules,
    file: Annotated[UploadFile, File(description="参保登记名单 as XLSX or CSV (GET /enrollments/template.xlsx)")],
    partial: Annotated[bool, Query(description="take the good rows and return the bad ones")] = False,
    region_code: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
) -> EnrollmentFileReport:
    """Import enrollment records (参保登记); a file with bad rows is rejected whole with a per-row report.
    Enrolling closes a person's gap for the year; a lapse (断保/脱保) of a vulnerable person opens one."""
    checker = enrollment_file.EnrollmentChecker(
        region_code=uploads.county(principal, region_code),
        person_key=lambda number: runtime.person_key(number, validated=True),
    )
    data = await uploads.read_upload(file)
    async with runtime.uow() as uow:

        async def write(changes: Sequence[EnrollmentChangedV1]) -> int:
            changed = await handlers.record_enrollments(uow, changes, rules)
            await uow.flush()
            return changed

        next_piece = uploads.pieces(sheets.items(enrollment_file.read_rows(data)), checker.check)
        taken = await uploads.take(uow, next_piece, write, partial=partial, kind="enrollment", what="参保登记")
    return EnrollmentFileReport(
        received=taken.received,
        changed=taken.new,
        unchanged=taken.passed - taken.new,
        rejected_rows=taken.rejected_rows,
        errors=taken.error_items(),
    )


@router.get("/enrollments/template.xlsx", response_class=Response)
async def get_enrollment_template(_principal: MedicalSecurity) -> Response:
    """An empty 参保登记名单 to fill in or to map an export to."""
    headers = {"Content-Disposition": "attachment; filename*=UTF-8''%E5%8F%82%E4%BF%9D%E7%99%BB%E8%AE%B0.xlsx"}
    return Response(enrollment_file.template(), media_type=XLSX, headers=headers)
