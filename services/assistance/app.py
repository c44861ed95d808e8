"""Bootstrap: build the assistance service from settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from libs.common.messaging.bus import Bus
from libs.common.policy import load_book
from libs.common.read_models.policy_entries import live_policy
from libs.common.runtime import ServiceRuntime
from libs.common.settings import Settings
from libs.common.web import create_app
from services.assistance.analysis_api import router as analysis_router
from services.assistance.api import router
from services.assistance.consumers import handler_table
from services.assistance.figures_api import router as figures_router
from services.assistance.policy_api import router as policy_router
from services.assistance.tables import messaging, policy_entries

NAME = "assistance"


def build(settings: Settings, bus: Bus | None = None) -> FastAPI:
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        tables=messaging,
        migrations=Path(__file__).parent / "migrations",
        bus=bus,
    )
    book = load_book(settings.policies_dir)
    runtime.subscribe({**handler_table(), **live_policy(runtime, book, policy_entries)})
    app = create_app(
        runtime,
        title="safetynet assistance (医疗救助)",
        description=(
            "Records settled claims (settling them over the three tiers when the settlement system sends only "
            "the cost breakdown), quotes settlements and enrollment subsidies, and serves the policy packs."
        ),
        routers=[router, policy_router, figures_router, analysis_router],
    )
    app.state.policy_book = book
    return app
