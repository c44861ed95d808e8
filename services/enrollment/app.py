"""Bootstrap: build the enrollment service from settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from libs.common.messaging.bus import Bus
from libs.common.runtime import ServiceRuntime
from libs.common.settings import Settings
from libs.common.web import create_app
from services.enrollment.api import router
from services.enrollment.roster_api import router as roster_router
from services.enrollment.tables import messaging

NAME = "enrollment"


def build(settings: Settings, bus: Bus | None = None) -> FastAPI:
    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        tables=messaging,
        migrations=Path(__file__).parent / "migrations",
        bus=bus,
    )
    return create_app(
        runtime,
        title="safetynet enrollment (参保与困难人口名单)",
        description="Takes roster changes (附件3) from the identity-holding agencies and publishes roster.changed.",
        routers=[router, roster_router],
    )
