"""REST routes of the assistance service: thin — parse, build the command, call the handler."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow, require_region
from libs.common.clock import china_today
from libs.common.deps import Runtime
from libs.common.idcard import IdNumber, mask_id_number
from libs.common.money import NonNegativeYuan
from libs.common.problems import Problem
from libs.common.rules import RuleViolation
from services.assistance import handlers
from services.assistance.domain import ClaimRejected, SettledClaim

router = APIRouter(tags=["claims"])
MedicalSecurity = Annotated[Principal, Depends(allow(Agency.MEDICAL_SECURITY))]


class ClaimIn(BaseModel):
    """A claim as the settlement system settled it (amounts in yuan, two decimals)."""

    model_config = ConfigDict(extra="forbid")

    claim_id: str = Field(min_length=1, max_length=64, description="结算单号")
    id_number: IdNumber = Field(description="居民身份证号码")
    name: str = Field(min_length=1, max_length=100, description="姓名")
    region_code: str = Field(pattern=r"^\d{6}$", description="county code (参保地)")
    settlement_date: date = Field(description="结算日期")
    diagnosis: str = Field(min_length=1, max_length=200, description="疾病诊断")
    total_cost: NonNegativeYuan
    basic_insurance_paid: NonNegativeYuan
    critical_illness_paid: NonNegativeYuan
    medical_assistance_paid: NonNegativeYuan
    other_paid: NonNegativeYuan = Decimal("0.00")
    personal_burden: NonNegativeYuan
    corrects_claim_id: str | None = Field(default=None, max_length=64)

    @field_validator("settlement_date")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        if value > china_today():
            raise RuleViolation("not_in_future", "settlement date is in the future / 结算日期不能晚于今天")
        return value


class ClaimOut(BaseModel):
    claim_id: str
    person_key: str
    id_number: str = Field(description="masked / 脱敏")
    name: str
    region_code: str
    settlement_date: date
    diagnosis: str
    total_cost: NonNegativeYuan
    basic_insurance_paid: NonNegativeYuan
    critical_illness_paid: NonNegativeYuan
    medical_assistance_paid: NonNegativeYuan
    other_paid: NonNegativeYuan
    personal_burden: NonNegativeYuan
    corrects_claim_id: str | None

    @classmethod
    def of(cls, claim: SettledClaim) -> ClaimOut:
        data = {**claim.__dict__, "id_number": mask_id_number(claim.id_number)}
        return cls.model_validate(data)


@router.post("/claims", status_code=201, response_model=ClaimOut)
async def post_claim(body: ClaimIn, principal: MedicalSecurity, runtime: Runtime, response: Response) -> ClaimOut:
    """Record a settled claim and publish claims.settled (201; 200 if this claim was already recorded)."""
    require_region(principal, body.region_code)
    try:
        claim = SettledClaim(person_key=runtime.person_key(body.id_number), **body.model_dump())
    except ClaimRejected as exc:
        raise Problem(
            422,
            "invalid-claim",
            "Claim is not consistent / 结算数据不一致",
            str(exc),
            errors=[{"field": exc.field, "rule": exc.rule, "message": str(exc)}],
        ) from exc
    try:
        async with runtime.uow() as uow:
            created = await handlers.record_claim(uow, claim, recorded_by=principal.name)
    except handlers.ClaimConflict as exc:
        raise Problem(
            409,
            "claim-conflict",
            "Claim id already used / 结算单号已存在",
            f"claim {claim.claim_id} is recorded with different amounts; send a correction with a new "
            "claim_id and corrects_claim_id",
        ) from exc
    if not created:
        response.status_code = 200
    return ClaimOut.of(claim)


@router.get("/claims/{claim_id}", response_model=ClaimOut)
async def get_claim(claim_id: str, principal: MedicalSecurity, runtime: Runtime) -> ClaimOut:
    """One recorded claim, ID number masked."""
    async with runtime.engine.connect() as conn:
        claim = await handlers.get_claim(conn, claim_id)
    if claim is None:
        raise Problem(404, "not-found", "No such claim / 结算单不存在", f"claim {claim_id} is not recorded")
    require_region(principal, claim.region_code)
    return ClaimOut.of(claim)
