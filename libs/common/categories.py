"""Person categories (人员类别): stable codes in contracts and tables, Chinese labels where people read.

Input accepts either the code or the Chinese label, because 附件 tables and agency systems use the labels.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator

from libs.common.rules import RuleViolation


class Category(StrEnum):
    TEKUN = "tekun"
    DIBAO = "dibao"
    DIBAO_EDGE = "dibao_edge"
    RETURNED_TO_POVERTY = "returned_to_poverty"
    UNSTABLE_OUT_OF_POVERTY = "unstable_out_of_poverty"
    EDGE_OF_POVERTY = "edge_of_poverty"
    SUDDEN_HARDSHIP = "sudden_hardship"
    STABLE_OUT_OF_POVERTY = "stable_out_of_poverty"
    SERIOUS_ILLNESS_POOR = "serious_illness_poor"
    MONITORED_ASSISTED = "monitored_assisted"
    POVERTY_POLICY_BENEFICIARY = "poverty_policy_beneficiary"
    VETERAN_KEY = "veteran_key"
    VETERAN_OTHER = "veteran_other"
    SEVERE_DISABILITY = "severe_disability"
    FAMILY_PLANNING_SPECIAL = "family_planning_special"
    FAMILY_PLANNING_REWARD = "family_planning_reward"
    OTHER_RESIDENT = "other_resident"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS: dict[Category, str] = {
    Category.TEKUN: "特困人员",
    Category.DIBAO: "低保对象",
    Category.DIBAO_EDGE: "低保边缘家庭成员",
    Category.RETURNED_TO_POVERTY: "返贫致贫人口",
    Category.UNSTABLE_OUT_OF_POVERTY: "脱贫不稳定人口",
    Category.EDGE_OF_POVERTY: "边缘易致贫人口",
    Category.SUDDEN_HARDSHIP: "突发严重困难人口",
    Category.STABLE_OUT_OF_POVERTY: "稳定脱贫人口",
    Category.SERIOUS_ILLNESS_POOR: "因病致贫重病患者",
    Category.MONITORED_ASSISTED: "防止返贫监测帮扶对象",
    Category.POVERTY_POLICY_BENEFICIARY: "脱贫享受政策人口",
    Category.VETERAN_KEY: "重点优抚对象",
    Category.VETERAN_OTHER: "其他优抚对象",
    Category.SEVERE_DISABILITY: "重度残疾人",
    Category.FAMILY_PLANNING_SPECIAL: "计生特扶人员",
    Category.FAMILY_PLANNING_REWARD: "计生奖扶人员",
    Category.OTHER_RESIDENT: "其他参保居民",
}

# Short forms that appear in the seeds' tables and in agency spreadsheets.
_ALIASES: dict[str, Category] = {
    "特困": Category.TEKUN,
    "低保": Category.DIBAO,
    "低保边缘": Category.DIBAO_EDGE,
    "低边": Category.DIBAO_EDGE,
    "返贫致贫": Category.RETURNED_TO_POVERTY,
    "脱贫不稳定": Category.UNSTABLE_OUT_OF_POVERTY,
    "边缘易致贫": Category.EDGE_OF_POVERTY,
    "突发严重困难": Category.SUDDEN_HARDSHIP,
    "突发严重困难户": Category.SUDDEN_HARDSHIP,
    "稳定脱贫": Category.STABLE_OUT_OF_POVERTY,
    "脱贫人口": Category.STABLE_OUT_OF_POVERTY,
    "重度残疾": Category.SEVERE_DISABILITY,
}
_BY_TEXT: dict[str, Category] = {
    **{c.value: c for c in Category},
    **{label: c for c, label in CATEGORY_LABELS.items()},
    **_ALIASES,
}


def parse_category(value: object) -> Category:
    if isinstance(value, Category):
        return value
    if isinstance(value, str) and value.strip() in _BY_TEXT:
        return _BY_TEXT[value.strip()]
    raise RuleViolation(
        "known_category", f"unknown category {value!r} / 未知人员类别; known: {', '.join(c.value for c in Category)}"
    )


CategoryField = Annotated[Category, BeforeValidator(parse_category)]
