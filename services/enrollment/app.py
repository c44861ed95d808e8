"""Bootstrap: build the enrollment service from settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from libs.common.calendar import WorkingCalendar
from libs.common.messaging.bus import Bus
from libs.common.policy import load_book
from libs.common.read_models.policy_entries import live_policy
from libs.common.runtime import ServiceRuntime
from libs.common.settings import Settings
from libs.common.web import create_app
from services.enrollment.api import router
from services.enrollment.consumers import handler_table
from services.enrollment.enrollment_api import router as enrollment_router
from services.enrollment.enrollment_files_api import router as enrollment_files_router
from services.enrollment.gaps import GapRules
from services.enrollment.ledger_api import router as ledger_router
from services.enrollment.push_deadlines_api import router as push_deadlines_router
from services.enrollment.roster_api import router as roster_router
from services.enrollment.subsidy_api import router as subsidy_router
from services.enrollment.tables import messaging, policy_entries
from services.enrollment.waiting_api import router as waiting_router

NAME = "enrollment"


def build(settings: Settings, bus: Bus | None = None) -> FastAPI:
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        tables=messaging,
        migrations=Path(__file__).parent / "migrations",
        bus=bus,
    )
    app = create_app(
        runtime,
        title="safetynet enrollment (参保与困难人口名单)",
        description="Takes roster changes (附件3) from the identity-holding agencies and publishes roster.changed.",
        routers=[
            router,
            roster_router,
            enrollment_router,
            enrollment_files_router,
            ledger_router,
            subsidy_router,
            waiting_router,
            push_deadlines_router,
        ],
    )
    book = load_book(settings.policies_dir)
    app.state.gap_rules = GapRules(book, WorkingCalendar.from_file(settings.holidays_file))
    runtime.subscribe({**handler_table(app.state.gap_rules), **live_policy(runtime, book, policy_entries)})
    return app
