"""Contracts owned by the assistance service (医保 settlement side)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar, Self

from pydantic import Field, model_validator

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


class EntryKind(StrEnum):
    FIGURE = "figure"  # one figure's value for one year
    PACK = "pack"  # a whole pack, e.g. the successor of one that ended
    VALUE = "value"  # one ratio, sum or limit of a pack's settlement or subsidy rules (one that was pending)


class PolicyChangedV1(Contract):
    """A region's 医保 operator entered a policy figure for a year, or a successor pack (政策参数变更).

    Entries are never changed: a correction is a later entry for the same pack, figure and year, and the latest
    (by ``entered_at``, then ``entry_id``) is in force."""

    event_type: ClassVar[str] = "cn.safetynet.policy.changed"
    version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.POLICY_CHANGED
    summary: ClassVar[str] = "An operator entered a year's policy figure or a successor policy pack (政策参数变更)."

    entry_id: str = Field(min_length=1, description="the entry's id (time-ordered UUID); also the event's subject")
    kind: EntryKind = Field(description="figure: one figure's value for one year; pack: a whole policy pack")
    pack_id: str = Field(min_length=1, description="the pack the figure belongs to, or the new pack's id")
    region_code: str = Field(pattern=r"^\d{6}$", description="the region the pack governs")
    figure: str | None = Field(default=None, description="the figure's name in the pack (kind figure)")
    year: int | None = Field(default=None, description="the year the value applies in (kind figure)")
    value: NonNegativeYuan | None = Field(default=None, description="yuan (kind figure)")
    path: str | None = Field(
        default=None,
        description="the ratio's, sum's or limit's place in the pack, as GET /policies lists it, e.g. "
        "settlement.assistance[xinzhou-2022-tekun].annual_limit (kind value)",
    )
    setting: str | None = Field(
        default=None, description='the value as a pack writes it: "0.70", "60000.00" or "unlimited" (kind value)'
    )
    pack: dict[str, Any] | None = Field(
        default=None, description="the pack document, in the schema of policies/*.yaml (kind pack)"
    )
    confirmed: bool = Field(description="false while the value is provisional (e.g. before the 统计公报 is out)")
    source: str = Field(min_length=1, description="the document the value comes from (文件或公报)")
    note: str | None = Field(default=None, description="the operator's note")
    entered_by: str = Field(min_length=1, description="who entered it (the operator's principal name)")
    entered_at: datetime

    @model_validator(mode="after")
    def _what_the_kind_needs(self) -> Self:
        if self.kind is EntryKind.FIGURE and (self.figure is None or self.year is None or self.value is None):
            raise ValueError("a figure entry names the figure, the year and the value")
        if self.kind is EntryKind.PACK and self.pack is None:
            raise ValueError("a pack entry carries the pack")
        if self.kind is EntryKind.VALUE and (self.path is None or self.setting is None):
            raise ValueError("a value entry names the path and the setting")
        return self


CONTRACTS: tuple[type[Contract], ...] = (ClaimSettledV1, PolicyChangedV1)
UPCASTERS: dict[tuple[str, int], Upcaster] = {}
