"""The FastAPI shell every service shares: problem details, auth keys, /healthz, /metrics, the runtime lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from libs.common import clock
from libs.common.auth import ApiKeys
from libs.common.problems import install_problem_handlers
from libs.common.runtime import ServiceRuntime


def create_app(runtime: ServiceRuntime, *, title: str, description: str, routers: Sequence[APIRouter]) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The clock of the settings for as long as the service runs; libs/common/clock.py says why process-wide.
        with clock.installed(clock.Clock(runtime.settings.today)):
            await runtime.start()
            try:
                yield
            finally:
                await runtime.stop()

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.api_keys = ApiKeys.from_settings(runtime.settings)
    install_problem_handlers(app)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> JSONResponse:
        """Liveness and database reachability."""
        ok = await runtime.healthy()
        return JSONResponse({"service": runtime.name, "ok": ok}, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics() -> Response:
        """Prometheus exposition: outbox backlog, consumer lag, events processed and dead-lettered, and more."""
        return Response(await runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    return app
