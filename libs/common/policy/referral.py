"""Referral rules (转介) as pack data: which agencies a warning goes to, and the two deadlines of their answer.

Shanxi (seed 000 二) has two steps: the agency includes the person 在规定时间内 (a decision deadline the seed
gives no number for), then pushes the result back 在5个工作日内 (a feedback deadline counted from the decision).
Each deadline is its own parameter with its own source; ``working_days: null`` says the source sets none, which
is not the same as a missing figure: nothing waits on it, and an operator may set a local one with its source.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from libs.common.agencies import Agency


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WorkingDaysDeadline(_Frozen):
    working_days: int | None = Field(ge=1, description="working days allowed; null = the source sets no number")
    source: str = Field(description="the seed sentence, or the local document an operator set it from")


class ReferralRule(_Frozen):
    agencies: tuple[Agency, ...] = Field(min_length=1)
    # From the day the referral is opened (the warning's push) to the agency's decision (纳入 or not).
    decision_working_days: WorkingDaysDeadline
    # From the agency's decision to its feedback reaching medical security (向县级医保部门推送信息).
    feedback_working_days: WorkingDaysDeadline
    source: str
