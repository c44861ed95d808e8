"""Referrals for the deadline-board tests, written straight into the referral service's own table.

Dates around National Day 2026 (chinesecalendar): Fri 25 Sep is 中秋 (day off), Sun 20 Sep and Sat 10 Oct are
make-up working days (调休), 1–7 Oct are days off. The board is pinned to Wed 30 Sep 2026.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from libs.common.idcard import make_id_number
from services.referral.tables import referrals

TODAY = date(2026, 9, 30)


RISK = "2026年9月1日，因肺恶性肿瘤，医疗总费用85000元，医疗保障报销后个人负担12000元，存在因病返贫致贫风险。"


def referral(
    n: int, county: str, agency: str, due: date | None, status: str = "open", name: str = "王五"
) -> dict[str, Any]:
    return {
        "referral_id": f"R{n}",
        "flag_id": f"F{n}",
        "person_key": f"p{n}",
        "id_number": make_id_number(county, date(1962, 4, 1), n),
        "name": name,
        "region_code": county,
        "agency": agency,
        "risk_description": RISK,
        "opened_on": date(2026, 9, 1),
        "due_on": due,
        "due_provisional": False,
        "deadline_rule_id": "shanxi-2022:referral",
        "status": status,
    }


SEEDED = [
    # 141123 民政: 5 awaiting — 1 due today, 1 due soon, 3 overdue (R8 acknowledged still counts).
    referral(1, "141123", "civil_affairs", date(2026, 9, 30)),  # due today
    referral(2, "141123", "civil_affairs", date(2026, 10, 8)),  # 1st working day after today: due soon
    # due Thu 24 Sep: working days in (24 Sep, 30 Sep] = Mon 28, Tue 29, Wed 30 = 3 (Fri 25 is 中秋, 26/27 weekend)
    referral(5, "141123", "civil_affairs", date(2026, 9, 24), name="李四"),
    # due Fri 18 Sep: Sun 20 (调休) + Mon 21–Thu 24 (4) + Mon 28–Wed 30 (3) = 8 working days overdue
    referral(6, "141123", "civil_affairs", date(2026, 9, 18), name="欧阳娜娜"),
    referral(8, "141123", "civil_affairs", date(2026, 9, 29), status="acknowledged"),  # (29, 30] = 1
    # 141123 乡村振兴: 2 awaiting — due Fri 9 Oct is the 2nd working day after today (8, 9 Oct): still "soon";
    # due Sat 10 Oct (调休, the 3rd working day) is not.
    referral(3, "141123", "rural_revitalization", date(2026, 10, 9)),
    referral(4, "141123", "rural_revitalization", date(2026, 10, 10)),
    # 141124 民政: one resolved long ago (not counted), one overdue by 1 working day.
    referral(7, "141124", "civil_affairs", date(2026, 9, 1), status="resolved"),
    referral(9, "141124", "civil_affairs", date(2026, 9, 29)),
]


async def seed(engine: AsyncEngine, rows: list[dict[str, Any]] = SEEDED) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.insert(referrals), rows)
