"""Today's date as the agencies count it: China Standard Time, whatever zone the server runs in."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def china_date(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def china_today() -> date:
    return datetime.now(CHINA).date()
