"""The FastAPI shell every service shares: problem details, auth keys, /healthz, /metrics, the runtime lifespan."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from libs.common import clock
from libs.common.auth import ApiKeys
from libs.common.outages import is_outage
from libs.common.problems import PROBLEM_JSON, install_problem_handlers
from libs.common.runtime import ServiceRuntime

# Any route may meet an outage of the database or the broker (problems.py answers it): documented once for all.
OUTAGE_RESPONSE: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "数据库暂不可用，请稍后重试 / the database or the broker is unreachable: retry after "
        "Retry-After seconds (RFC 9457 problem document)",
        "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
        "content": {PROBLEM_JSON: {}},
    }
}


async def health(runtime: ServiceRuntime) -> JSONResponse:
    try:
        database = await runtime.healthy()
    except Exception as exc:
        if not is_outage(exc):
            raise
        database = False
    now = time.monotonic()
    failing = {
        name: {"error": f.error, "restarts": runtime.tasks.restarts[name],
               "restart_in_seconds": round(max(0.0, f.retry_at - now), 1)}
        for name, f in runtime.tasks.failing.items()
    }  # fmt: skip
    tasks = {name: "restarting" if name in failing else "running" for name in runtime.tasks.names}
    ok = database and not failing
    body = {"service": runtime.name, "ok": ok, "database": database, "tasks": tasks, "failing": failing}
    return JSONResponse(body, status_code=200 if ok else 503)


def create_app(runtime: ServiceRuntime, *, title: str, description: str, routers: Sequence[APIRouter]) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The clock of the settings for as long as the service runs; libs/common/clock.py says why process-wide.
        with clock.installed(clock.Clock(runtime.settings.today)):
            # Serving starts once the runtime has: start() waits out a database or broker outage, and the port
            # stays closed meanwhile (the orchestrator sees "not ready", no request meets an unmigrated schema);
            # a start that cannot succeed (a bad migration) raises here and the process exits.
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
        """Database reachability and the service's tasks: 503 while the database is unreachable or a task (relay,
        consumer, periodic job) has died and waits to be restarted."""
        return await health(runtime)

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics() -> Response:
        """Prometheus exposition: outbox backlog, consumer lag, events processed and dead-lettered, and more."""
        return Response(await runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router, responses=OUTAGE_RESPONSE)
    return app
