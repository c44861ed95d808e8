"""附件2 《防范因病返贫致贫监测运行情况汇总表》: the four counts of a city for a quarter, per seed 000's notes.

Readings (the notes define each count but not its period; the table is quarterly, so each counts the quarter):
- 纳入监测人数 (note 2: 所有监测对象人数): persons whose yearly burden crossed a line (any warning) with the
  crossing claim settled in the quarter.
- 推送相关部门人数 (note 3): persons whose warning medical security pushed to the agencies: a referral opened
  (referral.opened) in the quarter.
- 纳入民政部门救助人数 (note 4): persons newly included as 特困/低保/低保边缘 after the push: referrals answered
  (referral.resolved) in the quarter with one of those outcomes.
- 纳入乡村振兴部门监测人数 (note 5): persons newly included in rural revitalization's monitoring (返贫致贫,
  脱贫不稳定, 边缘易致贫, 突发严重困难): referrals answered in the quarter with 纳入防返贫监测.
Each is a number of persons: someone referred to two agencies, or flagged twice, counts once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.messaging.contracts.referral import Outcome
from libs.common.regions import region_prefix
from services.monitoring.reports.periods import Quarter
from services.monitoring.tables import referral_answers, warning_entries

TITLE = "市防范因病返贫致贫监测运行情况汇总表"
HEADINGS = ("市", "纳入监测人数", "推送相关部门人数", "纳入民政部门救助人数", "纳入乡村振兴部门监测人数", "备注")
WIDTHS = (14, 16, 18, 22, 26, 20)
NOTES = (
    "注：1. 本表由市级医保部门汇总各县（区、市）情况后填写；",
    "2. 纳入监测人数为所有监测对象人数；",
    "3. 推送相关部门人数为各县（区、市）医保部门向同级民政、卫生健康、乡村振兴部门推送的防范因病致贫监测预警人数；",
    "4. 纳入民政部门救助人数为医保部门推送人员信息后纳入民政救助范围的新增特困人员、低保对象、低保边缘家庭成员总人数；",
    "5. 纳入乡村振兴部门监测人数为医保部门推送人员信息后纳入乡村振兴部门监测范围的新增返贫致贫人口、脱贫不稳定人口、"
    "边缘易致贫人口、突发严重困难人口总人数。",
)
CIVIL_AFFAIRS_OUTCOMES = (Outcome.INCLUDED_TEKUN, Outcome.INCLUDED_DIBAO, Outcome.INCLUDED_DIBAO_EDGE)
RURAL_OUTCOMES = (Outcome.INCLUDED_POVERTY_MONITORING,)


@dataclass(frozen=True)
class Counts:
    monitored: int  # 纳入监测人数
    pushed: int  # 推送相关部门人数
    civil_affairs: int  # 纳入民政部门救助人数
    rural_revitalization: int  # 纳入乡村振兴部门监测人数

    def cells(self, city: str) -> list[Any]:
        return [city, self.monitored, self.pushed, self.civil_affairs, self.rural_revitalization, None]


def _values(outcomes: tuple[Outcome, ...]) -> list[str]:
    return [o.value for o in outcomes]


def _persons(table: sa.Table, *where: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
    return sa.select(sa.func.count(sa.distinct(table.c.person_key))).where(*where).scalar_subquery()


async def count(conn: AsyncConnection, region: str, quarter: Quarter) -> Counts:
    """The four counts for every county under ``region`` (a city, or a single county) in one query."""
    prefix = region_prefix(region)
    start, end = quarter.first_day, quarter.last_day
    e, r = warning_entries.c, referral_answers.c
    in_region = r.region_code.startswith(prefix)
    resolved = r.resolved_on.between(start, end)
    row = (
        await conn.execute(
            sa.select(
                _persons(warning_entries, e.region_code.startswith(prefix), e.settlement_date.between(start, end)),
                _persons(referral_answers, in_region, r.opened_on.between(start, end)),
                _persons(referral_answers, in_region, resolved, r.outcome.in_(_values(CIVIL_AFFAIRS_OUTCOMES))),
                _persons(referral_answers, in_region, resolved, r.outcome.in_(_values(RURAL_OUTCOMES))),
            )
        )
    ).one()
    return Counts(*(int(v or 0) for v in row))


async def counties(conn: AsyncConnection, city: str, quarter: Quarter) -> list[str]:
    """The counties of the city that have anything in the quarter (for the per-county breakdown)."""
    prefix = region_prefix(city)
    start, end = quarter.first_day, quarter.last_day
    e, r = warning_entries.c, referral_answers.c
    flagged = sa.select(e.region_code).where(e.region_code.startswith(prefix), e.settlement_date.between(start, end))
    referred = sa.select(r.region_code).where(
        r.region_code.startswith(prefix),
        sa.or_(r.opened_on.between(start, end), r.resolved_on.between(start, end)),
    )
    rows = await conn.execute(sa.union(flagged, referred))
    return sorted({row[0] for row in rows})


async def summary(conn: AsyncConnection, city: str, quarter: Quarter) -> dict[str, Any]:
    total = await count(conn, city, quarter)
    breakdown = {county: asdict(await count(conn, county, quarter)) for county in await counties(conn, city, quarter)}
    return {"region_code": city, "quarter": str(quarter), **asdict(total), "counties": breakdown}
