"""Bootstrap: build the monitoring service from settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from libs.common.messaging.bus import Bus
from libs.common.policy import load_book
from libs.common.read_models.policy_entries import live_policy
from libs.common.runtime import ServiceRuntime
from libs.common.settings import Settings
from libs.common.web import create_app
from services.monitoring.api import router
from services.monitoring.consumers import CLAIM_BATCH, handler_table
from services.monitoring.reports.api import routers as report_routers
from services.monitoring.tables import messaging, policy_entries
from services.monitoring.waiting import make_evaluate_late, unevaluated_source

NAME = "monitoring"


def build(settings: Settings, bus: Bus | None = None) -> FastAPI:
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        tables=messaging,
        migrations=Path(__file__).parent / "migrations",
        bus=bus,
    )
    book = load_book(settings.policies_dir)
    runtime.subscribe(
        {**handler_table(book), **live_policy(runtime, book, policy_entries, then=make_evaluate_late(book))},
        max_records=CLAIM_BATCH,
    )
    runtime.metrics.add_source("claims_unevaluated", unevaluated_source(runtime.engine))
    app = create_app(
        runtime,
        title="safetynet monitoring (监测预警)",
        description="Keeps each person's yearly medical burden and raises risk.flagged at the region's thresholds.",
        routers=[router, *report_routers],
    )
    app.state.policy_book = book  # the report routes read deadlines (报送时限) from the packs
    return app
