"""Contracts owned by the assistance service (医保 settlement side)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field

from libs.common.messaging import topics
from libs.common.messaging.contracts.base import Contract, Upcaster
from libs.common.money import NonNegativeYuan


class ClaimSettledV1(Contract):
    """A claim settled by the medical-security settlement system, with what each tier paid."""

    event_type: ClassVar[str] = "cn.safetynet.claims.settled"
    version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.CLAIMS_SETTLED
    summary: ClassVar[str] = "A medical claim was settled (结算): cost and what each of the three tiers paid."

    claim_id: str = Field(min_length=1, description="settlement system's claim number (结算单号)")
    person_key: str = Field(min_length=1, description="pseudonymous person key (also the record key)")
    id_number: str = Field(description="居民身份证号码 (18 characters)")
    name: str = Field(description="姓名")
    region_code: str = Field(pattern=r"^\d{6}$", description="county-level administrative division code")
    settlement_date: date = Field(description="结算日期; the burden year follows it")
    diagnosis: str = Field(description="疾病诊断")
    total_cost: NonNegativeYuan = Field(description="医疗总费用")
    basic_insurance_paid: NonNegativeYuan = Field(description="基本医保支付")
    critical_illness_paid: NonNegativeYuan = Field(description="大病保险支付")
    medical_assistance_paid: NonNegativeYuan = Field(description="医疗救助支付")
    other_paid: NonNegativeYuan = Field(
        description="other payers (commercial supplementary insurance, hospital-borne excess, tilted aid)"
    )
    personal_burden: NonNegativeYuan = Field(description="医疗保障报销后个人负担 (self-pay + self-expense)")
    in_policy_self_pay: NonNegativeYuan | None = Field(default=None, description="政策范围内个人自付")
    self_expense: NonNegativeYuan | None = Field(default=None, description="政策范围外个人自费")
    corrects_claim_id: str | None = Field(
        default=None,
        description="冲销/更正: this claim replaces the amounts of the referenced claim; a reversal sends zeros",
    )


CONTRACTS: tuple[type[Contract], ...] = (ClaimSettledV1,)
UPCASTERS: dict[tuple[str, int], Upcaster] = {}
