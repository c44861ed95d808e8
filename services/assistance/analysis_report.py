"""Yuecheng's half-year and annual analysis (半年/全年数据分析报告): per watched category, persons, claims and what
each payer covered, summed in the database.

Seed 003 二、(一)5: 对特困供养人员、最低生活保障家庭成员、低保边缘家庭成员对象的医疗费用发生情况进行动态
监测。医疗费用发生情况包括基本医疗、大病保险、医疗救助、商业补充保险报销及个人负担情况，每年7月底前形成半年数据分析
报告，次年1月底前形成上一年全年数据分析报告。

Readings:
- A correction (冲销/更正, ``corrects_claim_id``, possibly in chains) counts once, at its latest version, in the
  period of the original claim's settlement date; a reversal (a latest version of zeros) adds nothing and is not
  counted as a claim (人次). A correction whose original never arrived counts as an original.
- A claim belongs to each watched category its person held on that date (a person rarely holds two of 特困/低保/
  低边); the total line counts every claim and person once.
- 商业补充保险: the claims carry one ``other_paid`` amount (commercial supplementary insurance and any other payer),
  reported under that heading.
Sums are taken in fen as integers, so SQLite adds them as exactly as PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.categories import Category
from libs.common.money import to_yuan
from libs.common.regions import region_prefix
from services.assistance.tables import category_periods, claims

AMOUNTS = (
    "total_cost",
    "basic_insurance_paid",
    "critical_illness_paid",
    "medical_assistance_paid",
    "other_paid",
    "personal_burden",
)
_PERIOD = re.compile(r"^(\d{4})(-H1)?$")


@dataclass(frozen=True)
class Period:
    """ "2026-H1" (1 January – 30 June) or "2026" (the whole year)."""

    year: int
    half_year: bool

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text)
        if match is None:
            raise ValueError(f"{text!r} is neither YYYY-H1 nor YYYY")
        return cls(int(match[1]), match[2] is not None)

    def __str__(self) -> str:
        return f"{self.year}-H1" if self.half_year else str(self.year)

    @property
    def first_day(self) -> date:
        return date(self.year, 1, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 6, 30) if self.half_year else date(self.year, 12, 31)

    def due(self, half_year_due: tuple[int, int], annual_due: tuple[int, int]) -> date:
        """每年7月底前 (the half-year, same year); 次年1月底前 (the year, in the next one)."""
        if self.half_year:
            return date(self.year, *half_year_due)
        return date(self.year + 1, *annual_due)


@dataclass(frozen=True)
class Line:
    persons: int
    claims: int
    amounts: dict[str, Decimal]

    def as_json(self) -> dict[str, Any]:
        return {"persons": self.persons, "claims": self.claims, **{k: str(v) for k, v in self.amounts.items()}}


def _latest_versions(region: str, period: Period) -> sa.Subquery:
    """Each claim's latest version with the settlement date of the original it corrects (recursively)."""
    c = claims.c
    corrected = claims.alias("corrected")
    original = sa.and_(c.corrects_claim_id.is_(None) | ~sa.exists().where(corrected.c.claim_id == c.corrects_claim_id))
    chain = (
        sa.select(c.claim_id, c.settlement_date.label("original_date"))
        .where(original, c.region_code.startswith(region_prefix(region)))
        .cte("chain", recursive=True)
    )
    later = claims.alias("later")
    chain = chain.union_all(
        sa.select(later.c.claim_id, chain.c.original_date).join(chain, later.c.corrects_claim_id == chain.c.claim_id)
    )
    newer = claims.alias("newer")
    return (
        sa.select(
            c.claim_id,
            c.person_key,
            chain.c.original_date,
            *(c[a] for a in AMOUNTS),
        )
        .join(chain, chain.c.claim_id == c.claim_id)
        .where(
            ~sa.exists().where(newer.c.corrects_claim_id == c.claim_id),
            chain.c.original_date.between(period.first_day, period.last_day),
        )
        .subquery("latest")
    )


def _fen_sum(column: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.cast(sa.func.round(column * 100), sa.BigInteger)), 0)


def _line(row: Any) -> Line:
    values = row._mapping
    return Line(
        int(values["persons"]),
        int(values["claims"]),
        {a: to_yuan(Decimal(int(values[a])) / 100) for a in AMOUNTS},
    )


async def analyse(
    conn: AsyncConnection, region: str, period: Period, watched: tuple[Category, ...]
) -> tuple[dict[Category, Line], Line]:
    latest = _latest_versions(region, period)
    p = category_periods.c
    held = sa.and_(
        p.person_key == latest.c.person_key,
        p.valid_from <= latest.c.original_date,
        sa.or_(p.valid_to.is_(None), p.valid_to > latest.c.original_date),
        p.category.in_([c.value for c in watched]),
    )
    measures = [
        sa.func.count(sa.distinct(sa.case((latest.c.total_cost != 0, latest.c.person_key)))).label("persons"),
        sa.func.count(sa.distinct(sa.case((latest.c.total_cost != 0, latest.c.claim_id)))).label("claims"),
        *(_fen_sum(latest.c[a]).label(a) for a in AMOUNTS),
    ]
    per_category = await conn.execute(
        sa.select(p.category, *measures).select_from(latest).join(category_periods, held).group_by(p.category)
    )
    lines = {Category(r.category): _line(r) for r in per_category}
    total = (await conn.execute(sa.select(*measures).where(sa.exists().where(held)))).one()
    return {c: lines.get(c, Line(0, 0, {a: Decimal("0.00") for a in AMOUNTS})) for c in watched}, _line(total)
