"""Bootstrap: build the assistance service from settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from libs.common.messaging.bus import Bus
from libs.common.runtime import ServiceRuntime
from libs.common.settings import Settings
from libs.common.web import create_app
from services.assistance.api import router
from services.assistance.tables import messaging

NAME = "assistance"


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
        title="safetynet assistance (医疗救助)",
        description="Records settled claims from the 医保 settlement system and publishes claims.settled.",
        routers=[router],
    )
