"""REST routes of the assistance service: thin — parse, build the command, call the handler."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow, require_region
from libs.common.categories import CategoryField
from libs.common.clock import china_today
from libs.common.deps import Book, Runtime
from libs.common.idcard import IdNumber, mask_id_number
from libs.common.money import NonNegativeYuan
from libs.common.policy import MissingFigure, NoPolicy
from libs.common.policy.explanation import EngineError, steps_as_json, unconfirmed_values
from libs.common.policy.settlement import HospitalClass, Visit
from libs.common.policy.values import PendingValue
from libs.common.problems import Problem
from libs.common.rules import RuleViolation
from services.assistance import handlers
from services.assistance.commands import AsSettled, RecordClaim
from services.assistance.domain import ClaimRejected, SettledClaim
from services.assistance.domain.settlement import ClaimCost, Result, YearToDate

router = APIRouter(tags=["claims"])
MedicalSecurity = Annotated[Principal, Depends(allow(Agency.MEDICAL_SECURITY))]
AMOUNTS = ("basic_insurance_paid", "critical_illness_paid", "medical_assistance_paid", "personal_burden")


class ClaimIn(BaseModel):
    """A settled claim: either with what each tier paid, or with the cost breakdown for the engine to settle."""

    model_config = ConfigDict(extra="forbid")

    claim_id: str = Field(min_length=1, max_length=64, description="结算单号")
    id_number: IdNumber = Field(description="居民身份证号码")
    name: str = Field(min_length=1, max_length=100, description="姓名")
    region_code: str = Field(pattern=r"^\d{6}$", description="county code (参保地)")
    settlement_date: date = Field(description="结算日期")
    diagnosis: str = Field(min_length=1, max_length=200, description="疾病诊断")
    total_cost: NonNegativeYuan = Field(description="医疗总费用")
    # What the settlement system paid; all four, or none (then the engine settles the breakdown below).
    basic_insurance_paid: NonNegativeYuan | None = None
    critical_illness_paid: NonNegativeYuan | None = None
    medical_assistance_paid: NonNegativeYuan | None = None
    other_paid: NonNegativeYuan = Decimal("0.00")
    personal_burden: NonNegativeYuan | None = None
    # The breakdown the engine needs.
    visit: Visit | None = Field(default=None, description="inpatient / outpatient / chronic_outpatient / special_drug")
    in_catalog: NonNegativeYuan | None = Field(default=None, description="目录内 (政策范围内) 费用")
    out_of_catalog: NonNegativeYuan | None = Field(default=None, description="目录外费用")
    hospital_class: HospitalClass | None = Field(default=None, description="定点医疗机构收费标准类别")
    in_province: bool = True
    corrects_claim_id: str | None = Field(default=None, max_length=64)

    @field_validator("settlement_date")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        if value > china_today():
            raise RuleViolation("not_in_future", "settlement date is in the future / 结算日期不能晚于今天")
        return value

    @model_validator(mode="after")
    def _amounts_or_breakdown(self) -> ClaimIn:
        given = [getattr(self, a) is not None for a in AMOUNTS]
        if all(given):
            return self
        if self.visit is None or self.in_catalog is None:
            missing = [a for a, g in zip(AMOUNTS, given, strict=True) if not g]
            raise RuleViolation(
                "amounts_or_breakdown",
                f"send either all tier amounts (missing: {', '.join(missing)}) or visit + in_catalog (+ "
                "out_of_catalog) for the engine to settle / 请提供各项支付金额，或提供费用明细由系统测算",
            )
        if self.in_catalog + (self.out_of_catalog or 0) != self.total_cost:
            raise RuleViolation(
                "breakdown_equals_total",
                "in_catalog + out_of_catalog must equal total_cost / 目录内外费用之和应等于总费用",
            )
        return self

    def command(self, person_key: str) -> RecordClaim:
        as_settled = None
        if all(getattr(self, a) is not None for a in AMOUNTS):
            as_settled = AsSettled(**{a: getattr(self, a) for a in AMOUNTS}, other_paid=self.other_paid)
        cost = None
        if self.visit is not None and self.in_catalog is not None:
            cost = ClaimCost(
                settlement_date=self.settlement_date,
                visit=self.visit,
                in_catalog=self.in_catalog,
                out_of_catalog=self.out_of_catalog or Decimal("0.00"),
                hospital_class=self.hospital_class,
                in_province=self.in_province,
                basic_paid=self.basic_insurance_paid,
                critical_paid=self.critical_illness_paid,
            )
        return RecordClaim(
            claim_id=self.claim_id,
            person_key=person_key,
            id_number=self.id_number,
            name=self.name,
            region_code=self.region_code,
            settlement_date=self.settlement_date,
            diagnosis=self.diagnosis,
            total_cost=self.total_cost,
            fingerprint=hashlib.sha256(self.model_dump_json().encode()).hexdigest(),
            as_settled=as_settled,
            cost=cost,
            corrects_claim_id=self.corrects_claim_id,
        )


class ValueOut(BaseModel):
    """A pack value a settlement used that is not confirmed: an unconfirmed reading or a provisional value."""

    pack_id: str
    path: str = Field(
        description="where it is in the pack, e.g. settlement.assistance[yuecheng-2022-dibao].ratios.inpatient"
    )
    status: str = Field(description="unconfirmed / pending (a provisional value in use)")
    source: str
    value: str


class StepOut(BaseModel):
    tier: str
    pack_id: str
    rule_id: str
    base: str
    ratio: str | None
    amount: str
    note: str
    values: list[ValueOut] = Field(default_factory=list, description="the unconfirmed values this step used")


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
    explanation: list[StepOut] | None = Field(default=None, description="the rule steps, when the engine settled it")
    unconfirmed_values: list[ValueOut] = Field(
        default_factory=list, description="every pack value the settlement used that is not confirmed (未确认参数)"
    )

    @classmethod
    def of(cls, claim: SettledClaim, explanation: list[dict[str, Any]] | None = None) -> ClaimOut:
        data = {
            **claim.__dict__,
            "id_number": mask_id_number(claim.id_number),
            "explanation": explanation,
            "unconfirmed_values": unconfirmed_values(explanation or []),
        }
        return cls.model_validate(data)


def _engine_problem(exc: Exception) -> Problem:
    if isinstance(exc, EngineError):
        return Problem(422, "cannot-settle", "Claim cannot be settled / 无法测算", str(exc),
                       errors=[{"field": exc.field, "rule": exc.rule, "message": str(exc)}])  # fmt: skip
    if isinstance(exc, NoPolicy):
        error = {"field": "region_code", "rule": "policy_pack_in_force", "message": str(exc)}
        return Problem(422, "no-policy", "No policy pack / 无适用政策", str(exc), errors=[error])
    if isinstance(exc, PendingValue):
        return Problem(422, "pending-value", "Policy value not set / 政策参数待定", str(exc), errors=[exc.error()])
    if isinstance(exc, MissingFigure):
        return Problem(422, "missing-figure", "Policy figure not set / 政策参数缺失", str(exc))
    assert isinstance(exc, ClaimRejected)
    return Problem(422, "invalid-claim", "Claim is not consistent / 结算数据不一致", str(exc),
                   errors=[{"field": exc.field, "rule": exc.rule, "message": str(exc)}])  # fmt: skip


ENGINE_ERRORS = (EngineError, NoPolicy, MissingFigure, ClaimRejected)


@router.post("/claims", status_code=201, response_model=ClaimOut)
async def post_claim(
    body: ClaimIn, principal: MedicalSecurity, runtime: Runtime, book: Book, response: Response
) -> ClaimOut:
    """Record a settled claim (settling it over the three tiers when no tier amounts are sent) and publish it."""
    require_region(principal, body.region_code)
    cmd = body.command(runtime.person_key(body.id_number))
    try:
        async with runtime.uow() as uow:
            claim, created = await handlers.record_claim(uow, book, cmd, recorded_by=principal.name)
            explanation = await handlers.get_explanation(uow.conn, claim.claim_id) if not created else None
    except handlers.ClaimConflict as exc:
        raise Problem(
            409, "claim-conflict", "Claim id already used / 结算单号已存在",
            f"claim {cmd.claim_id} is recorded from a different request; send a correction with a new "
            "claim_id and corrects_claim_id",
        ) from exc  # fmt: skip
    except ENGINE_ERRORS as exc:
        raise _engine_problem(exc) from exc
    if not created:
        response.status_code = 200
        return ClaimOut.of(claim, explanation)
    async with runtime.engine.connect() as conn:
        return ClaimOut.of(claim, await handlers.get_explanation(conn, claim.claim_id))


@router.get("/claims/{claim_id}", response_model=ClaimOut)
async def get_claim(claim_id: str, principal: MedicalSecurity, runtime: Runtime) -> ClaimOut:
    """One recorded claim with its explanation, ID number masked."""
    async with runtime.engine.connect() as conn:
        claim = await handlers.get_claim(conn, claim_id)
        explanation = await handlers.get_explanation(conn, claim_id)
    if claim is None:
        raise Problem(404, "not-found", "No such claim / 结算单不存在", f"claim {claim_id} is not recorded")
    require_region(principal, claim.region_code)
    return ClaimOut.of(claim, explanation)


class YearToDateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    critical_base: NonNegativeYuan = Decimal("0.00")
    critical_paid: NonNegativeYuan = Decimal("0.00")
    assistance_paid: NonNegativeYuan = Decimal("0.00")
    outpatient_assistance_paid: NonNegativeYuan = Decimal("0.00")
    policy_burden: NonNegativeYuan = Decimal("0.00")
    tilted_paid: NonNegativeYuan = Decimal("0.00")


class QuoteIn(ClaimIn):
    """A claim to settle without recording; categories and year-to-date may be given to ask "what if"."""

    claim_id: str = Field(default="quote", max_length=64)
    categories: list[CategoryField] | None = Field(default=None, description="override the categories on record")
    year_to_date: YearToDateIn | None = Field(default=None, description="override what was received this year")


class QuoteOut(BaseModel):
    policy_pack_id: str | None
    categories: list[str] | None
    total_cost: NonNegativeYuan
    basic_insurance_paid: NonNegativeYuan
    critical_illness_paid: NonNegativeYuan
    medical_assistance_paid: NonNegativeYuan
    out_of_catalog_assistance: NonNegativeYuan
    tilted_assistance: NonNegativeYuan
    hospital_borne: NonNegativeYuan
    personal_burden: NonNegativeYuan
    funding: str | None
    explanation: list[StepOut]
    unconfirmed_values: list[ValueOut] = Field(description="every pack value it used that is not confirmed")


@router.post("/settlements/quote", response_model=QuoteOut)
async def quote_settlement(body: QuoteIn, principal: MedicalSecurity, runtime: Runtime, book: Book) -> QuoteOut:
    """Settle a claim over the three tiers and say why; records nothing."""
    require_region(principal, body.region_code)
    if body.visit is None or body.in_catalog is None:
        error = {"field": "in_catalog", "rule": "required_for_quote", "message": "a quote needs visit and in_catalog"}
        raise Problem(422, "validation", "Request is not valid / 请求数据有误", error["message"], errors=[error])
    cmd = body.command(runtime.person_key(body.id_number))
    cmd = RecordClaim(**{**cmd.__dict__, "as_settled": None})  # a quote always runs the engine
    held = frozenset(body.categories) if body.categories is not None else None
    ytd = YearToDate(**body.year_to_date.model_dump()) if body.year_to_date else None
    try:
        async with runtime.engine.connect() as conn:
            _claim, result, pack_id = await handlers.quote(conn, book, cmd, held, ytd)
    except ENGINE_ERRORS as exc:
        raise _engine_problem(exc) from exc
    assert result is not None
    return _quote_out(result, pack_id, held)


def _quote_out(result: Result, pack_id: str | None, held: frozenset[Any] | None) -> QuoteOut:
    steps = steps_as_json(result.steps)
    return QuoteOut(
        policy_pack_id=pack_id,
        categories=sorted(c.value for c in held) if held is not None else None,
        total_cost=result.total,
        basic_insurance_paid=result.basic,
        critical_illness_paid=result.critical_illness,
        medical_assistance_paid=result.medical_assistance,
        out_of_catalog_assistance=result.out_of_catalog_assistance,
        tilted_assistance=result.tilted,
        hospital_borne=result.hospital_borne,
        personal_burden=result.burden,
        funding=result.funding,
        explanation=[StepOut(**s) for s in steps],
        unconfirmed_values=[ValueOut(**v) for v in unconfirmed_values(steps)],
    )
