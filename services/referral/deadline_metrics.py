"""Referral deadlines for Prometheus: the board's counts per county × agency and the feedback breaches recorded at
answer time, read from SQL at every scrape."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.ext.asyncio import AsyncEngine

from libs.common.calendar import WorkingCalendar
from libs.common.clock import china_today
from libs.common.metrics import MetricSource
from services.referral import board_queries
from services.referral.board_view import BoardDates

# Metric name → (help text, Tally field). The Grafana dashboard's queries are checked against these names.
GAUGES = {
    "safetynet_referrals_open": ("Referrals awaiting the agency's answer (open or acknowledged)", "awaiting"),
    "safetynet_referrals_due_today": ("Awaiting referrals due today (China time)", "due_today"),
    "safetynet_referrals_due_soon": ("Awaiting referrals due after today within 2 working days", "due_soon"),
    "safetynet_referrals_overdue": ("Awaiting referrals past their due day", "overdue"),
    "safetynet_referrals_max_working_days_overdue": (
        "Working days the most overdue awaiting referral is late",
        "most_days_overdue",
    ),
    "safetynet_referrals_no_decision_deadline": (
        "Awaiting referrals whose pack sets no decision deadline (never overdue; shown by days waited)",
        "no_deadline",
    ),
    "safetynet_referrals_max_working_days_waited": (
        "Working days the longest-waiting awaiting referral with no decision deadline has waited",
        "most_days_waited",
    ),
}
FEEDBACK_LATE = "safetynet_referrals_feedback_late"


def referral_deadlines_source(
    engine: AsyncEngine, calendar: WorkingCalendar, today: Callable[[], date] = china_today
) -> MetricSource:
    async def source() -> list[Metric]:
        dates = BoardDates.on(calendar, today())
        async with engine.connect() as conn:
            tallies = await board_queries.tallies(conn, calendar, dates, sa.true())
            late = await board_queries.feedback_late(conn)
        families: list[Metric] = []
        for name, (text, field) in GAUGES.items():
            gauge = GaugeMetricFamily(name, text, labels=["county", "agency"])
            for t in tallies:
                gauge.add_metric([t.county, t.agency], getattr(t, field))
            families.append(gauge)
        text = "Referrals whose first answer reached 医保 later than the pack's feedback deadline after the decision"
        gauge = GaugeMetricFamily(FEEDBACK_LATE, text, labels=["county", "agency"])
        for county, agency, count in late:
            gauge.add_metric([county, agency], count)
        families.append(gauge)
        return families

    return source
