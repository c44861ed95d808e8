"""The three tiers (三重制度) as pack data: basic insurance → critical illness → medical assistance → tilt.

Only mechanisms live in code (services/assistance/domain/); every ratio, deductible and limit is here, each
with its status and source (libs/common/policy/values.py): a plain number takes its section's ``status`` and
``source``. Ratios are fractions ("0.70" = 70%). A limit is written: an amount, ``unlimited`` where the seed
says there is none, or ``{pending: who sets it}`` — never null, and an absent limit is never "no limit".
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from libs.common.categories import Category, CategoryField
from libs.common.policy.values import Limit, Ratio, Status, Sum, inherit


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Section(_Frozen):
    """A part of the settlement rules: its plain-number values take its status and source."""

    _values: ClassVar[tuple[str, ...]] = ()
    _maps: ClassVar[tuple[str, ...]] = ()
    _optional: ClassVar[tuple[str, ...]] = ()

    status: Status | None = Field(
        default=None, description="confirmed or unconfirmed: the status its plain-number values take"
    )
    source: str

    @model_validator(mode="before")
    @classmethod
    def _values_inherit(cls, data: Any) -> Any:
        return inherit(data, cls._values, cls._maps, cls._optional)


class Visit(StrEnum):
    INPATIENT = "inpatient"  # 住院 (incl. 门诊规定病种 where a pack treats it as inpatient)
    OUTPATIENT = "outpatient"  # 普通门诊
    CHRONIC_OUTPATIENT = "chronic_outpatient"  # 门诊慢特病
    SPECIAL_DRUG = "special_drug"  # 门诊特药


class HospitalClass(StrEnum):
    """Fee classes of designated hospitals (收费标准类别), for out-of-catalog caps."""

    PROVINCE_CLASS_1 = "province_class_1"  # 省内一类
    PROVINCE_CITY_CLASS_2 = "province_city_class_2"  # 省市级二类
    COUNTY_CLASS_2_3 = "county_class_2_3"  # 县级二类及三类


class BasicTier(_Section):
    """基本医保 for one visit type; used only when the settlement system did not send what it paid."""

    _values = ("deductible", "ratio", "annual_cap")

    deductible: Sum
    ratio: Ratio
    annual_cap: Limit


class CriticalTilt(_Section):
    """大病保险倾斜支付: deductible lowered, ratio raised, cap removed, for some categories."""

    _values = ("deductible_factor", "ratio_bonus")

    categories: tuple[CategoryField, ...] = Field(min_length=1)
    deductible_factor: Ratio = Field(description="0.5 = 起付线降低50%")
    ratio_bonus: Ratio = Field(description="0.05 = 报销比例提高5个百分点")
    uncapped: bool = Field(description="不设封顶线 / 取消封顶线")


class CriticalIllness(_Section):
    """大病保险 on the year's cumulative in-policy self-pay after basic insurance."""

    _values = ("deductible", "ratio", "annual_cap")

    deductible: Sum
    ratio: Ratio
    annual_cap: Limit = Field(description="for those without an uncapped tilt")
    tilt: CriticalTilt | None = None


class Floor(_Section):
    """Top-up so one stay's comprehensive in-catalog payment ratio is not below ``ratio`` (救助到90%)."""

    _values = ("ratio",)

    ratio: Ratio
    in_province_only: bool


class AssistanceGroup(_Section):
    """Medical assistance (医疗救助) for persons holding any of ``categories``."""

    _values = ("annual_limit", "outpatient_limit")
    _maps = ("ratios",)
    _optional = ("outpatient_limit",)

    id: str
    categories: tuple[CategoryField, ...] = Field(min_length=1)
    ratios: dict[Visit, Ratio] = Field(description="share of the in-policy self-pay left after basic + critical")
    annual_limit: Limit = Field(description="yearly limit, shared by outpatient and inpatient")
    outpatient_limit: Limit | None = Field(
        default=None, description="sub-limit for ordinary outpatient; required when the group assists it"
    )
    floor: Floor | None = None
    funding: str = "medical_assistance_fund"

    @model_validator(mode="after")
    def _check(self) -> AssistanceGroup:
        if Visit.OUTPATIENT in self.ratios and self.outpatient_limit is None:
            raise ValueError(
                f"{self.id} assists ordinary outpatient: say its outpatient_limit (an amount, `unlimited` or "
                "{pending: who sets it})"
            )
        annual, outpatient = self.annual_limit.value, self.outpatient_limit.value if self.outpatient_limit else None
        if isinstance(annual, Decimal) and isinstance(outpatient, Decimal) and outpatient > annual:
            raise ValueError(f"{self.id}: outpatient_limit is part of annual_limit and cannot exceed it")
        return self


class OutOfCatalog(_Section):
    """目录外控费: a share of the total above which out-of-catalog costs are borne by the hospital."""

    _values = ("assisted_ratio",)
    _maps = ("caps",)
    _optional = ("assisted_ratio",)

    categories: tuple[CategoryField, ...] = Field(min_length=1)
    visits: tuple[Visit, ...] = (Visit.INPATIENT,)
    caps: dict[HospitalClass, Ratio]
    # The fee classes are the province's own: a stay outside it has no class, hence no cap.
    caps_in_province_only: bool = True
    assisted_categories: tuple[CategoryField, ...] = ()
    assisted_ratio: Ratio | None = Field(default=None, description="required when assisted_categories are given")
    assisted_in_province_only: bool = True
    assisted_to_year: int | None = Field(default=None, description="last year of the assisted part (过渡期)")

    @model_validator(mode="after")
    def _assisted_ratio_with_categories(self) -> OutOfCatalog:
        if bool(self.assisted_categories) != (self.assisted_ratio is not None):
            raise ValueError("assisted_categories and assisted_ratio go together")
        return self


class Tilted(_Section):
    """倾斜救助 after the three tiers for a still-heavy burden. No seed gives amounts: all operator parameters."""

    _values = ("threshold", "ratio", "annual_limit")

    categories: tuple[CategoryField, ...] = Field(min_length=1)
    threshold: Sum = Field(description="yearly in-policy burden above which it pays")
    ratio: Ratio
    annual_limit: Limit


class ApplicationBased(_Section):
    """依申请救助: yearly in-policy inpatient self-pay above a line, at a ratio, up to a limit."""

    _values = ("line", "ratio", "annual_limit")

    id: str
    categories: tuple[CategoryField, ...] = Field(min_length=1)
    excludes: tuple[CategoryField, ...] = Field(default=(), description="holders of these are not eligible")
    line: Sum
    ratio: Ratio
    annual_limit: Limit


class Retroactive(_Frozen):
    """Costs before identification that count for assistance (Yuecheng 6 months; Weihai back to 2022-01-01)."""

    id: str
    categories: tuple[CategoryField, ...] = Field(min_length=1)
    months_before_identification: int | None = None
    back_to: str | None = Field(default=None, description="ISO date costs count back to")
    applied_by: str | None = Field(default=None, description="ISO date the application had to be made by")
    in_policy_only: bool = True
    source: str


class Settlement(_Frozen):
    basic: dict[Visit, BasicTier] = Field(default_factory=dict)
    critical_illness: CriticalIllness | None = None
    assistance: tuple[AssistanceGroup, ...] = ()
    out_of_catalog: OutOfCatalog | None = None
    tilted: Tilted | None = None
    application_based: tuple[ApplicationBased, ...] = ()
    retroactive: tuple[Retroactive, ...] = ()

    def groups_for(self, categories: frozenset[Category]) -> list[AssistanceGroup]:
        return [g for g in self.assistance if categories & set(g.categories)]
