"""Contracts owned by the monitoring service (监测预警)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from libs.common.categories import Category
from libs.common.messaging import topics
from libs.common.messaging.contracts.base import Contract, Upcaster
from libs.common.money import NonNegativeYuan


class RiskLevel(StrEnum):
    RELAPSE = "relapse"  # 防范因病返贫: monitored (vulnerable) population over its threshold
    IMPOVERISH = "impoverish"  # 防范因病致贫: other insured residents over theirs
    HIGH_COST = "high_cost"  # Yuecheng 一件事 high-cost line
    APPLY_ELIGIBLE = "apply_eligible"  # Xinzhou 依申请救助: eligible to apply


class RiskFlaggedV1(Contract):
    """A person's yearly burden crossed a threshold of the region's policy pack."""

    event_type: ClassVar[str] = "cn.safetynet.risk.flagged"
    version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.RISK_FLAGGED
    summary: ClassVar[str] = "A person's yearly medical burden crossed a warning threshold (因病返贫致贫风险)."

    flag_id: str = Field(min_length=1)
    person_key: str = Field(min_length=1)
    id_number: str = Field(description="居民身份证号码")
    name: str = Field(description="姓名")
    region_code: str = Field(pattern=r"^\d{6}$", description="county code")
    township: str | None = Field(default=None, description="乡(镇)")
    village: str | None = Field(default=None, description="行政村")
    year: int = Field(description="burden year (calendar year of settlement)")
    level: RiskLevel
    category: Category | None = Field(description="the category held on the claim's date; null = none")
    policy_pack_id: str
    rule_id: str
    threshold: NonNegativeYuan
    cumulative_total_cost: NonNegativeYuan = Field(description="医疗总费用, year to date")
    cumulative_burden: NonNegativeYuan = Field(description="个人负担 per the pack's burden definition")
    claim_id: str = Field(description="the claim that crossed the threshold")
    settlement_date: date
    diagnosis: str
    risk_description: str = Field(description="风险点描述, in the wording of 附件1")
    # Added in place (optional, so V1 stays compatible).
    raised_late: bool = Field(
        default=False,
        description="true when raised after its claims, once an operator entered a figure the line needed "
        "(the claim's own dates stay as they were)",
    )
    raised_on: date | None = Field(default=None, description="the day a late flag was raised; null when not late")
    policy_carried_forward: bool = Field(
        default=False,
        description="true when the pack's monitoring rules had ended with no successor and were carried forward",
    )


CONTRACTS: tuple[type[Contract], ...] = (RiskFlaggedV1,)
UPCASTERS: dict[tuple[str, int], Upcaster] = {}
