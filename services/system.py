"""The whole system in one process: the four services, sharing one embedded bus when that is the bus."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from libs.common import clock
from libs.common.messaging.bus import Bus
from libs.common.runtime import build_bus
from libs.common.settings import Settings
from services.assistance.app import build as build_assistance
from services.enrollment.app import build as build_enrollment
from services.monitoring.app import build as build_monitoring
from services.referral.app import build as build_referral

log = logging.getLogger(__name__)

Builder = Callable[[Settings, Bus | None], FastAPI]
# name → (bootstrap, usual port)
SERVICES: dict[str, tuple[Builder, int]] = {
    "enrollment": (build_enrollment, 8001),
    "monitoring": (build_monitoring, 8002),
    "referral": (build_referral, 8003),
    "assistance": (build_assistance, 8004),
}


@asynccontextmanager
async def running(settings: Settings, only: str | None = None) -> AsyncIterator[dict[str, FastAPI]]:
    """Build and start the services (all, or ``only`` one); stop them on exit."""
    names = [only] if only else list(SERVICES)
    async with AsyncExitStack() as stack:
        # One clock for the shared bus and every service, from settings; each service's lifespan installs the same.
        stack.enter_context(clock.installed(clock.Clock(settings.today)))
        if settings.today is not None:
            log.warning("the clock starts on %s (SAFETYNET_TODAY), not on today's date: a drill", settings.today)
        shared: Bus | None = None
        if settings.bus == "embedded" and len(names) > 1:
            # One embedded bus for all, so a publish wakes the other services' consumers at once.
            shared = build_bus(settings, "safetynet")
            await shared.start()
            stack.push_async_callback(shared.stop)
        apps = {name: SERVICES[name][0](settings, shared) for name in names}
        for app in apps.values():
            await stack.enter_async_context(app.router.lifespan_context(app))
        yield apps
