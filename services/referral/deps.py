"""Dependencies of the referral routes: the working-day calendar and today's date, both from the app's bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import Depends, Request

from libs.common.calendar import WorkingCalendar


def get_calendar(request: Request) -> WorkingCalendar:
    calendar: WorkingCalendar = request.app.state.calendar
    return calendar


def get_today(request: Request) -> date:
    """Today in China; the bootstrap's clock, which tests may set to a fixed day."""
    today: Callable[[], date] = request.app.state.today
    return today()


Calendar = Annotated[WorkingCalendar, Depends(get_calendar)]
Today = Annotated[date, Depends(get_today)]
