"""Enrollment rules (参保) as pack data: deadlines of the roster and gap pushes, and enrollment-rate targets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from libs.common.categories import CategoryField


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Target(_Frozen):
    """An enrollment-rate target for a group of categories (e.g. 脱贫人口参保率 ≥ 99%)."""

    id: str
    label: str = Field(description="as the seed names the group, for ledgers people read")
    categories: tuple[CategoryField, ...] = Field(min_length=1)
    rate: Decimal = Field(gt=0, le=1)
    source: str


class Period(_Frozen):
    start: date
    end: date


class MidYear(_Frozen):
    """Persons who become vulnerable after the year's enrollment began (Shanxi, 晋医保发〔2022〕9号 四)."""

    # 集中参保缴费期 per enrollment year: not in the seed, an operator parameter; a year missing is an error.
    concentrated_periods: dict[int, Period] = Field(default_factory=dict)
    pending: str | None = Field(default=None, description="who sets the periods not yet entered")
    source: str


class EnrollmentRules(_Frozen):
    # 县级民政、乡村振兴部门应在人员信息调整后5个工作日内 … 提供给 … 医保部门 (Shanxi).
    roster_push_working_days: int | None = Field(default=None, ge=1)
    # 县级医保部门应在5个工作日内 … 推送至税务部门并通知个人缴费 (Shanxi); null = no deadline in the seed.
    gap_push_working_days: int | None = Field(default=None, ge=1)
    targets: tuple[Target, ...] = ()
    mid_year: MidYear | None = None
    source: str
