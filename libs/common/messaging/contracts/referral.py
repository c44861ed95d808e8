"""Contracts owned by the referral service (反馈, deadlines)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field

from libs.common.agencies import Agency
from libs.common.categories import Category
from libs.common.messaging import topics
from libs.common.messaging.contracts.base import Contract, Upcaster


class Outcome(StrEnum):
    INCLUDED_TEKUN = "included_tekun"  # 纳入特困
    INCLUDED_DIBAO = "included_dibao"  # 纳入低保
    INCLUDED_DIBAO_EDGE = "included_dibao_edge"  # 纳入低保边缘
    IDENTIFIED_SERIOUS_ILLNESS_POOR = "identified_serious_illness_poor"  # 认定因病致贫重病患者
    INCLUDED_POVERTY_MONITORING = "included_poverty_monitoring"  # 纳入防返贫监测
    TEMPORARY_ASSISTANCE = "temporary_assistance"  # 临时救助
    CASE_BY_CASE = "case_by_case"  # 一事一议
    NOT_ELIGIBLE = "not_eligible"  # 不符合条件
    WITHDRAWN = "withdrawn"  # 撤回

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.INCLUDED_TEKUN: "纳入特困",
    Outcome.INCLUDED_DIBAO: "纳入低保",
    Outcome.INCLUDED_DIBAO_EDGE: "纳入低保边缘",
    Outcome.IDENTIFIED_SERIOUS_ILLNESS_POOR: "认定因病致贫重病患者",
    Outcome.INCLUDED_POVERTY_MONITORING: "纳入防返贫监测",
    Outcome.TEMPORARY_ASSISTANCE: "临时救助",
    Outcome.CASE_BY_CASE: "一事一议",
    Outcome.NOT_ELIGIBLE: "不符合条件",
    Outcome.WITHDRAWN: "撤回",
}


class ReferralOpenedV1(Contract):
    """A warning was referred to an agency, with the working-day deadline for its answer."""

    event_type: ClassVar[str] = "cn.safetynet.referral.opened"
    version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.REFERRAL_OPENED
    summary: ClassVar[str] = "A warning was referred to an agency with a working-day deadline (转介)."

    referral_id: str = Field(min_length=1)
    flag_id: str
    person_key: str
    region_code: str = Field(pattern=r"^\d{6}$")
    agency: Agency
    opened_on: date
    due_on: date
    due_provisional: bool = Field(description="true when the holiday schedule of a counted year is unknown")
    deadline_rule_id: str


class ReferralOpenedV2(Contract):
    """A warning was referred to an agency, with the deadlines of its answer where the pack sets them.

    V2 because ``due_on`` became nullable: a pack may set no decision deadline (Shanxi's 规定时间 has no number).
    """

    event_type: ClassVar[str] = "cn.safetynet.referral.opened"
    version: ClassVar[int] = 2
    topic: ClassVar[str] = topics.REFERRAL_OPENED
    summary: ClassVar[str] = "A warning was referred to an agency, with its decision and feedback deadlines (转介)."

    referral_id: str = Field(min_length=1)
    flag_id: str
    person_key: str
    region_code: str = Field(pattern=r"^\d{6}$")
    agency: Agency
    opened_on: date
    due_on: date | None = Field(description="the agency's decision is due by this day; null: the pack sets no deadline")
    due_provisional: bool = Field(description="true when the holiday schedule of a counted year is unknown")
    deadline_rule_id: str
    feedback_working_days: int | None = Field(
        description="working days from the agency's decision to its feedback reaching 医保; null: none set"
    )
    policy_carried_forward: bool = Field(
        description="the pack governing the warning's claim date had ended with no successor and is carried forward"
    )


def upcast_referral_opened_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """A V1 referral had a due day and one deadline; it knew no feedback deadline and no carried-forward pack."""
    return {**data, "feedback_working_days": None, "policy_carried_forward": False}


class ReferralResolvedV1(Contract):
    """An agency answered a referral with an outcome."""

    event_type: ClassVar[str] = "cn.safetynet.referral.resolved"
    version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.REFERRAL_RESOLVED
    summary: ClassVar[str] = "An agency resolved a referral with an outcome (纳入特困/低保/…/不符合条件)."

    referral_id: str
    flag_id: str
    person_key: str
    region_code: str = Field(pattern=r"^\d{6}$")
    agency: Agency
    outcome: Outcome
    reason: str | None = None
    resolved_on: date
    # Added in place (optional, so V1 stays compatible): what the roster needs to record an inclusion.
    category: Category | None = Field(
        default=None, description="人员类别 an inclusion outcome added, from resolved_on; null for other outcomes"
    )
    id_number: str | None = Field(default=None, description="居民身份证号码, for the roster change of an inclusion")
    name: str | None = Field(default=None, description="姓名")
    answered_by: str | None = Field(default=None, description="who answered (the agency system's principal name)")
    correction: bool = Field(default=False, description="true when this answer corrects an earlier one")
    decided_on: date | None = Field(
        default=None, description="the day the agency decided (on or before resolved_on); null for a withdrawal"
    )
    feedback_due_on: date | None = Field(
        default=None, description="the last day the feedback was due after the decision; null: no feedback deadline"
    )
    feedback_late: bool | None = Field(
        default=None,
        description="true: the feedback came after feedback_due_on (a breach); null: no feedback deadline, a "
        "correction (judged on the first answer) or a withdrawal",
    )
    feedback_working_days_late: int | None = Field(default=None, ge=0, description="working days after feedback_due_on")


class ReferralOverdueV1(Contract):
    """A referral passed its deadline without an answer (published once per breach)."""

    event_type: ClassVar[str] = "cn.safetynet.referral.overdue"
    version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.REFERRAL_OVERDUE
    summary: ClassVar[str] = "A referral passed its working-day deadline unanswered (逾期)."

    referral_id: str
    person_key: str
    region_code: str = Field(pattern=r"^\d{6}$")
    agency: Agency
    due_on: date
    detected_on: date


CONTRACTS: tuple[type[Contract], ...] = (ReferralOpenedV1, ReferralOpenedV2, ReferralResolvedV1, ReferralOverdueV1)
UPCASTERS: dict[tuple[str, int], Upcaster] = {(ReferralOpenedV1.event_type, 1): upcast_referral_opened_v1_v2}
