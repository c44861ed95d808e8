"""Report deadlines (报送时限) as pack data: when each table is due, with the seed sentence that says so.

"X日前" is read as "on or before that day" (DOMAIN.md), so a table handed over on its due day is on time.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from libs.common.categories import CategoryField


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MonthlyDue(_Frozen):
    """Due on ``day`` of the month after the one reported (附件1: 每月10日前)."""

    day: int = Field(ge=1, le=28)
    source: str


class QuarterlyDue(_Frozen):
    """Due on ``day`` of the first month of the next quarter (附件2: 每季度的首月20日前)."""

    day: int = Field(ge=1, le=28)
    source: str


class AnalysisReports(_Frozen):
    """Half-year and annual analysis (Yuecheng): which categories it watches and when each report is due."""

    categories: tuple[CategoryField, ...] = Field(min_length=1)
    # (month, day): the half-year report in the same year, the annual one in the following year.
    half_year_due: tuple[int, int]
    annual_due: tuple[int, int]
    source: str


class Reports(_Frozen):
    warning_list: MonthlyDue | None = None
    quarterly_summary: QuarterlyDue | None = None
    analysis: AnalysisReports | None = None
