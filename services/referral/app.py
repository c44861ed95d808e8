"""Bootstrap: build the referral service from settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from libs.common.calendar import WorkingCalendar
from libs.common.clock import china_today
from libs.common.messaging.bus import Bus
from libs.common.policy import load_book
from libs.common.read_models.policy_entries import live_policy
from libs.common.runtime import ServiceRuntime
from libs.common.settings import Settings
from libs.common.web import create_app
from services.referral.answers_api import router as answers_router
from services.referral.api import router
from services.referral.board import board_router
from services.referral.consumers import handler_table
from services.referral.deadline_metrics import referral_deadlines_source
from services.referral.overdue import OverdueScan
from services.referral.tables import messaging, policy_entries

NAME = "referral"


def build(settings: Settings, bus: Bus | None = None) -> FastAPI:
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        tables=messaging,
        migrations=Path(__file__).parent / "migrations",
        bus=bus,
    )
    calendar = WorkingCalendar.from_file(settings.holidays_file)
    book = load_book(settings.policies_dir)
    runtime.subscribe({**handler_table(book, calendar), **live_policy(runtime, book, policy_entries)})
    runtime.metrics.add_source("referral_deadlines", referral_deadlines_source(runtime.engine, calendar))
    app = create_app(
        runtime,
        title="safetynet referral (转介与反馈)",
        description="Opens referrals from risk.flagged with working-day deadlines, takes the agencies' answers and "
        "publishes referral.overdue once per breach.",
        routers=[router, answers_router, board_router(calendar, book)],
    )
    app.state.calendar = calendar
    scan = OverdueScan(runtime.uow, calendar, china_today)
    app.state.overdue_scan = scan
    runtime.every("overdue-scan", settings.deadline_scan_interval_seconds, scan.run_once)
    return app
