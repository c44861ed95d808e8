"""RFC 9457 problem details for every error a caller can cause, so no client ever sees a bare 500 page.

Validation errors name each field and the rule it broke in ``errors``: [{"field", "rule", "message"}].
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from libs.common.idcard import mask_id_numbers_in_text
from libs.common.messaging.bus import BusUnavailable
from libs.common.outages import is_outage

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://safetynet.example.cn/problems/"
RETRY_AFTER = 5  # seconds a caller waits after a 503: a restarting database is usually back within seconds


class Problem(Exception):
    """Raise from a route or handler to answer with a problem document."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers


def problem_response(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": TYPE_BASE + slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.url.path
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    # Drop the "body"/"query" prefix and pydantic's function-validator segments.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header") and "[" not in str(p)]
    if len(loc) == 2 and loc[0] == "body" and isinstance(loc[1], int):
        return "body"  # a JSON syntax error: pydantic points at a character offset, not a field
    return ".".join(parts) or "body"


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        message = str(err.get("msg", "invalid"))
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        ctx = err.get("ctx") or {}
        rule = getattr(ctx.get("error"), "rule", None) or str(err.get("type", "invalid"))
        out.append({"field": _field_name(tuple(err.get("loc", ()))), "rule": rule, "message": message})
    return out


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc.status, exc.slug, exc.title, exc.detail, exc.errors, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem_response(request, 422, "validation", "Request is not valid / 请求数据有误", detail, errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            request, exc.status_code, f"http-{exc.status_code}", str(exc.detail), headers=dict(exc.headers or {})
        )

    # The database's and the broker's errors get a handler of their own, not only the catch-all below: Starlette
    # answers the catch-all from its outermost middleware and then raises the error again, to the server.
    for kind in (SQLAlchemyError, OSError, BusUnavailable):
        app.add_exception_handler(kind, _unexpected)
    app.add_exception_handler(Exception, _unexpected)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    """An outage (``is_outage``: the database restarting, no free connection, a lost race) answers 503 with
    ``Retry-After``: the same request will succeed later. Anything else is a bug: 500. Neither body says more than
    its title, so no SQL, parameter or traceback reaches the caller; the log has them (ID numbers masked)."""
    if is_outage(exc):
        log.warning("outage on %s: %s", request.url.path, mask_id_numbers_in_text(repr(exc)))
        return problem_response(
            request, 503, "unavailable", "数据库暂不可用，请稍后重试 / Service temporarily unavailable",
            f"数据库或消息服务暂时无法访问，请在 {RETRY_AFTER} 秒后重试 / the database or the broker cannot be reached "
            f"now; retry in {RETRY_AFTER} s",
            headers={"Retry-After": str(RETRY_AFTER)},
        )  # fmt: skip
    log.error("unhandled error on %s: %s", request.url.path, mask_id_numbers_in_text(repr(exc)), exc_info=exc)
    return problem_response(request, 500, "internal", "Internal error / 系统内部错误")
