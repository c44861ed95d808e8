"""Contracts owned by the enrollment service (困难人口动态调整, 参保)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from libs.common.agencies import Agency
from libs.common.categories import Category
from libs.common.messaging import topics
from libs.common.messaging.contracts.base import Contract, Upcaster


class ChangeType(StrEnum):
    ADDED = "added"  # 新增
    EXITED = "exited"  # 退出


class RosterChangedV1(Contract):
    """A person entered or left a vulnerable category (附件3 row)."""

    event_type: ClassVar[str] = "cn.safetynet.roster.changed"
    version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.ROSTER_CHANGED
    summary: ClassVar[str] = "A person was added to or exited from a vulnerable category (附件3 动态调整)."

    change_id: str = Field(min_length=1)
    person_key: str
    id_number: str = Field(description="居民身份证号码")
    name: str = Field(description="姓名")
    region_code: str = Field(pattern=r"^\d{6}$", description="county code")
    township: str | None = Field(default=None, description="乡（镇）")
    village: str | None = Field(default=None, description="行政村")
    change_type: ChangeType = Field(description="动态调整类型")
    category: Category = Field(description="人员类别")
    effective_date: date = Field(description="动态调整时间")
    list_date: date = Field(description="date the list was provided; benefits start/stop on it")
    agency: Agency = Field(description="the agency that holds authority over the category")


class EnrollmentStatus(StrEnum):
    ENROLLED = "enrolled"  # 已参保
    PAID = "paid"  # 已缴费
    INTERRUPTED = "interrupted"  # 断保
    DROPPED = "dropped"  # 脱保


class EnrollmentChangedV1(Contract):
    """A person's residents' insurance enrollment for a year changed."""

    event_type: ClassVar[str] = "cn.safetynet.enrollment.changed"
    version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.ENROLLMENT_CHANGED
    summary: ClassVar[str] = "A person's enrollment (参保) for a year changed: tier, status, dates."

    person_key: str
    id_number: str
    name: str
    region_code: str = Field(pattern=r"^\d{6}$")
    year: int
    tier: int = Field(ge=1, le=2, description="缴费档次")
    status: EnrollmentStatus
    effective_date: date


class GapKind(StrEnum):
    NEVER_ENROLLED = "never_enrolled"  # 漏保: vulnerable and not enrolled for the year
    DROPPED = "dropped"  # 脱保
    INTERRUPTED = "interrupted"  # 断保


class EnrollmentGapOpenedV1(Contract):
    """A vulnerable person is not enrolled: tax notifies them to pay, the township and agencies mobilise."""

    event_type: ClassVar[str] = "cn.safetynet.enrollment.gap_opened"
    version: ClassVar[int] = 1
    topic: ClassVar[str] = topics.ENROLLMENT_CHANGED
    summary: ClassVar[str] = (
        "A vulnerable person is not (or no longer) enrolled (漏保/脱保/断保): for tax's contribution notice and "
        "the township's mobilisation."
    )

    gap_id: str = Field(min_length=1)
    person_key: str
    id_number: str = Field(description="居民身份证号码")
    name: str = Field(description="姓名")
    region_code: str = Field(pattern=r"^\d{6}$")
    township: str | None = Field(default=None, description="乡（镇）")
    village: str | None = Field(default=None, description="行政村")
    year: int = Field(description="the enrollment year the gap is in")
    kind: GapKind
    categories: tuple[Category, ...] = Field(description="the vulnerable categories the person holds")
    opened_on: date = Field(description="the roster list date (or the day the enrollment lapsed)")
    due_on: date | None = Field(description="push deadline in working days after opened_on; null where none is set")
    due_provisional: bool


CONTRACTS: tuple[type[Contract], ...] = (RosterChangedV1, EnrollmentChangedV1, EnrollmentGapOpenedV1)
UPCASTERS: dict[tuple[str, int], Upcaster] = {}
