"""Path parameters of the report routes, checked so that a bad one is a problem naming the field and the rule."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from libs.common.problems import Problem
from services.monitoring.reports.periods import Month, Quarter

CountyCode = Annotated[str, Path(pattern=r"^\d{6}$", description="county code (县级行政区划代码), e.g. 141123")]
CityCode = Annotated[str, Path(pattern=r"^\d{4}00$", description="city code (地市): 4 digits + 00, e.g. 141100")]
MonthText = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
QuarterText = Annotated[str, Path(pattern=r"^\d{4}-Q[1-4]$", description="YYYY-Q1 … YYYY-Q4")]


def _invalid(field: str, rule: str, message: str) -> Problem:
    error = {"field": field, "rule": rule, "message": message}
    return Problem(422, "validation", "Request is not valid / 请求数据有误", f"{field}: {message}", errors=[error])


def county(code: str) -> str:
    if code.endswith("00"):
        raise _invalid("county", "county_code", f"{code} is a city or province; 附件1 is per county / 附件1按县填报")
    return code


def city(code: str) -> str:
    if code.endswith("0000"):
        raise _invalid("city", "city_code", f"{code} is a province; 附件2 is per city / 附件2按地市汇总")
    return code


def month(text: str) -> Month:
    return Month.parse(text)  # the path pattern has already admitted only YYYY-MM


def quarter(text: str) -> Quarter:
    return Quarter.parse(text)


def period_not_over(field: str, last_day: str, today: str) -> Problem:
    return Problem(
        422,
        "period-not-over",
        "Period not over / 报告期尚未结束",
        f"{field}: the period ends on {last_day}; it can be issued from the next day (today is {today})",
        errors=[{"field": field, "rule": "period_over", "message": f"the period ends on {last_day}"}],
    )
