"""The three tiers (三重制度) as pack data: basic insurance → critical illness → medical assistance → tilt.

Only mechanisms live in code (services/assistance/domain/); every ratio, deductible and limit is here.
Ratios are fractions ("0.70" = 70%). A limit of null means the seed sets none ("no cap").
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from libs.common.categories import Category, CategoryField
from libs.common.money import NonNegativeYuan
from libs.common.policy.figures import Amount

Ratio = Decimal


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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


def _ratio_ok(value: Decimal, name: str) -> Decimal:
    if not Decimal(0) <= value <= Decimal(1):
        raise ValueError(f"{name} must be a fraction between 0 and 1, got {value}")
    return value


class BasicTier(_Frozen):
    """基本医保 for one visit type; used only when the settlement system did not send what it paid."""

    deductible: NonNegativeYuan = Decimal(0)
    ratio: Ratio
    annual_cap: NonNegativeYuan | None = None
    source: str

    @model_validator(mode="after")
    def _check(self) -> BasicTier:
        _ratio_ok(self.ratio, "basic.ratio")
        return self


class CriticalTilt(_Frozen):
    """大病保险倾斜支付: deductible lowered, ratio raised, cap removed, for some categories."""

    categories: tuple[CategoryField, ...] = Field(min_length=1)
    deductible_factor: Ratio = Field(description="0.5 = 起付线降低50%")
    ratio_bonus: Ratio = Field(description="0.05 = 报销比例提高5个百分点")
    uncapped: bool = Field(description="不设封顶线 / 取消封顶线")
    source: str


class CriticalIllness(_Frozen):
    """大病保险 on the year's cumulative in-policy self-pay after basic insurance."""

    deductible: Amount
    ratio: Ratio
    annual_cap: NonNegativeYuan | None = None
    tilt: CriticalTilt | None = None
    source: str

    @model_validator(mode="after")
    def _check(self) -> CriticalIllness:
        _ratio_ok(self.ratio, "critical_illness.ratio")
        return self


class Floor(_Frozen):
    """Top-up so one stay's comprehensive in-catalog payment ratio is not below ``ratio`` (救助到90%)."""

    ratio: Ratio
    in_province_only: bool
    source: str


class AssistanceGroup(_Frozen):
    """Medical assistance (医疗救助) for persons holding any of ``categories``."""

    id: str
    categories: tuple[CategoryField, ...] = Field(min_length=1)
    ratios: dict[Visit, Ratio] = Field(description="share of the in-policy self-pay left after basic + critical")
    annual_limit: Amount | None = Field(
        description="yearly limit, shared by outpatient and inpatient; a figure when the seed names one unset"
    )
    outpatient_limit: NonNegativeYuan | None = Field(default=None, description="sub-limit for ordinary outpatient")
    floor: Floor | None = None
    funding: str = "medical_assistance_fund"
    source: str

    @model_validator(mode="after")
    def _check(self) -> AssistanceGroup:
        for visit, ratio in self.ratios.items():
            _ratio_ok(ratio, f"{self.id}.ratios.{visit}")
        annual = self.annual_limit.fixed if self.annual_limit is not None else None
        if self.outpatient_limit is not None and annual is not None and self.outpatient_limit > annual:
            raise ValueError(f"{self.id}: outpatient_limit is part of annual_limit and cannot exceed it")
        return self


class OutOfCatalog(_Frozen):
    """目录外控费: a share of the total above which out-of-catalog costs are borne by the hospital."""

    categories: tuple[CategoryField, ...] = Field(min_length=1)
    visits: tuple[Visit, ...] = (Visit.INPATIENT,)
    caps: dict[HospitalClass, Ratio]
    # The fee classes are the province's own: a stay outside it has no class, hence no cap.
    caps_in_province_only: bool = True
    assisted_categories: tuple[CategoryField, ...] = ()
    assisted_ratio: Ratio = Decimal(0)
    assisted_in_province_only: bool = True
    assisted_to_year: int | None = Field(default=None, description="last year of the assisted part (过渡期)")
    source: str


class Tilted(_Frozen):
    """倾斜救助 after the three tiers for a still-heavy burden. No seed gives amounts: all operator parameters."""

    categories: tuple[CategoryField, ...] = Field(min_length=1)
    threshold: Amount | None = Field(description="yearly in-policy burden above which it pays; null = not set")
    ratio: Ratio = Decimal(0)
    annual_limit: NonNegativeYuan | None = None
    source: str


class ApplicationBased(_Frozen):
    """依申请救助: yearly in-policy inpatient self-pay above a line, at a ratio, up to a limit."""

    id: str
    categories: tuple[CategoryField, ...] = Field(min_length=1)
    excludes: tuple[CategoryField, ...] = Field(default=(), description="holders of these are not eligible")
    line: Amount
    ratio: Ratio
    annual_limit: NonNegativeYuan | None
    source: str


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
