"""REST routes for enrollment records (参保) and the gaps of vulnerable persons (漏保/脱保/断保)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow, require_region
from libs.common.deps import Runtime
from libs.common.idcard import IdNumber, mask_id_number
from libs.common.messaging.contracts.enrollment import EnrollmentChangedV1, EnrollmentStatus
from libs.common.problems import Problem
from libs.common.regions import region_prefix
from services.enrollment import handlers
from services.enrollment.deps import Rules
from services.enrollment.tables import enrollment_gaps

router = APIRouter(tags=["enrollment"])
MedicalSecurity = Annotated[Principal, Depends(allow(Agency.MEDICAL_SECURITY))]
GapReader = Annotated[
    Principal,
    Depends(
        allow(Agency.MEDICAL_SECURITY, Agency.TAX, Agency.TOWNSHIP, Agency.CIVIL_AFFAIRS, Agency.RURAL_REVITALIZATION)
    ),
]


class EnrollmentIn(BaseModel):
    """A person's residents' insurance enrollment for a year, as the 医保 enrollment system reports it."""

    model_config = ConfigDict(extra="forbid")

    id_number: IdNumber = Field(description="居民身份证号码")
    name: str = Field(min_length=1, max_length=100, description="姓名")
    region_code: str = Field(pattern=r"^\d{6}$")
    year: int = Field(ge=2000, le=2100, description="参保年度")
    tier: int = Field(ge=1, le=2, description="缴费档次")
    status: EnrollmentStatus = Field(description="enrolled / paid / interrupted / dropped")
    effective_date: date


class EnrollmentOut(BaseModel):
    person_key: str
    year: int
    tier: int
    status: EnrollmentStatus
    changed: bool


@router.post("/enrollments", response_model=EnrollmentOut)
async def post_enrollment(
    body: EnrollmentIn, principal: MedicalSecurity, runtime: Runtime, rules: Rules, response: Response
) -> EnrollmentOut:
    """Record an enrollment and publish enrollment.changed; enrolling closes the person's gap for the year."""
    require_region(principal, body.region_code)
    change = EnrollmentChangedV1(person_key=runtime.person_key(body.id_number), **body.model_dump())
    async with runtime.uow() as uow:
        changed = await handlers.record_enrollment(uow, change, rules)
    response.status_code = 201 if changed else 200
    return EnrollmentOut(person_key=change.person_key, year=change.year, tier=change.tier, status=change.status,
                         changed=changed)  # fmt: skip


class EnrollmentBatchIn(BaseModel):
    records: list[dict[str, Any]] = Field(min_length=1, max_length=100_000, description="items as for /enrollments")
    partial: bool = Field(default=False, description="take the good items and return the bad ones")


class EnrollmentBatchOut(BaseModel):
    received: int
    changed: int
    unchanged: int
    rejected: int
    errors: list[dict[str, Any]]


@router.post("/enrollments/batch", response_model=EnrollmentBatchOut)
async def post_enrollment_batch(
    body: EnrollmentBatchIn, principal: MedicalSecurity, runtime: Runtime, rules: Rules
) -> EnrollmentBatchOut:
    """Record many enrollments from the enrollment system in one transaction; every item is checked first."""
    changes: list[EnrollmentChangedV1] = []
    errors: list[dict[str, Any]] = []
    for number, item in enumerate(body.records, start=1):
        try:
            record = EnrollmentIn.model_validate(item)
            require_region(principal, record.region_code)
        except ValidationError as exc:
            errors.extend(
                {"row": number, "field": ".".join(str(p) for p in e["loc"]), "rule": _rule(e), "message": e["msg"]}
                for e in exc.errors()
            )
            continue
        except Problem as exc:
            errors.append({"row": number, "field": "region_code", "rule": "region_scope", "message": str(exc)})
            continue
        changes.append(EnrollmentChangedV1(person_key=runtime.person_key(record.id_number), **record.model_dump()))
    if errors and not body.partial:
        raise Problem(
            422, "enrollment-rows-invalid", "Items are not valid; nothing was recorded / 数据有误, 未导入",
            f"{len({e['row'] for e in errors})} of {len(body.records)} items have errors", errors=errors,
        )  # fmt: skip
    async with runtime.uow() as uow:
        changed = await handlers.record_enrollments(uow, changes, rules)
        await uow.commit()
    return EnrollmentBatchOut(
        received=len(body.records),
        changed=changed,
        unchanged=len(changes) - changed,
        rejected=len({e["row"] for e in errors}),
        errors=errors,
    )


def _rule(error: Any) -> str:
    return getattr((error.get("ctx") or {}).get("error"), "rule", None) or str(error["type"])


class GapOut(BaseModel):
    gap_id: str
    person_key: str
    id_number: str = Field(description="masked / 脱敏")
    name: str
    region_code: str
    year: int
    kind: str
    opened_on: date
    due_on: date | None
    due_provisional: bool
    closed_on: date | None


@router.get("/enrollment/gaps", response_model=list[GapOut])
async def list_gaps(
    principal: GapReader,
    runtime: Runtime,
    open_only: Annotated[bool, Query(alias="open")] = True,
    year: int | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[GapOut]:
    """Vulnerable persons not enrolled (漏保/脱保/断保) in the caller's region, soonest push deadline first."""
    g = enrollment_gaps.c
    query = (
        sa.select(enrollment_gaps)
        .where(g.region_code.startswith(region_prefix(principal.region_code)))
        .order_by(g.due_on, g.gap_id)
        .limit(limit)
    )
    if open_only:
        query = query.where(g.closed_on.is_(None))
    if year is not None:
        query = query.where(g.year == year)
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [GapOut.model_validate({**row._mapping, "id_number": mask_id_number(row.id_number)}) for row in rows]
