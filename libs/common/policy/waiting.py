"""Waiting periods (待遇等待期) as pack data, and whether one is waived for a person in a circumstance.

Its own pack section, so a city's waiver does not shadow the province's enrollment rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from libs.common.categories import Category, CategoryField


class Circumstance(StrEnum):
    TRANSFER = "transfer"  # 跨区域参保关系转移接续
    INVOLUNTARY_INTERRUPTION = "involuntary_interruption"  # 非因个人原因停保断保
    CONCENTRATED_ENROLLMENT = "concentrated_enrollment"  # 集中参保缴费期内参保
    OTHER = "other"


class Waiver(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    categories: tuple[CategoryField, ...] = Field(min_length=1)
    when: tuple[Circumstance, ...] = Field(min_length=1)
    in_principle: bool = Field(description="原则上: the seed leaves room for exceptions")
    source: str


class WaitingPeriod(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    waivers: tuple[Waiver, ...] = Field(min_length=1)


@dataclass(frozen=True)
class WaitingDecision:
    waived: bool
    rule_id: str | None
    in_principle: bool
    note: str


def decide(rules: WaitingPeriod, held: frozenset[Category], circumstance: Circumstance) -> WaitingDecision:
    for waiver in rules.waivers:
        if held & set(waiver.categories) and circumstance in waiver.when:
            note = "原则上不设待遇享受等待期" if waiver.in_principle else "不设待遇享受等待期"
            return WaitingDecision(True, waiver.id, waiver.in_principle, note)
    return WaitingDecision(False, None, False, "按一般规定设待遇享受等待期 / the ordinary waiting period applies")
