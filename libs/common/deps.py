"""FastAPI dependency aliases shared by every service's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from libs.common.runtime import ServiceRuntime


def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


Runtime = Annotated[ServiceRuntime, Depends(get_runtime)]
