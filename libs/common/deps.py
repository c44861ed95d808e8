"""FastAPI dependency aliases shared by every service's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from libs.common.policy import PolicyBook
from libs.common.runtime import ServiceRuntime


def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def get_policy_book(request: Request) -> PolicyBook:
    book: PolicyBook = request.app.state.policy_book
    return book


Runtime = Annotated[ServiceRuntime, Depends(get_runtime)]
Book = Annotated[PolicyBook, Depends(get_policy_book)]
