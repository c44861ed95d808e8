"""Dependencies of the referral routes: the working-day calendar from the app's bootstrap, and today's date."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Request

from libs.common.calendar import WorkingCalendar
from libs.common.clock import china_today


def get_calendar(request: Request) -> WorkingCalendar:
    calendar: WorkingCalendar = request.app.state.calendar
    return calendar


def get_today() -> date:
    """Today in China, from the process's clock (``SAFETYNET_TODAY`` sets the day it starts on)."""
    return china_today()


Calendar = Annotated[WorkingCalendar, Depends(get_calendar)]
Today = Annotated[date, Depends(get_today)]
