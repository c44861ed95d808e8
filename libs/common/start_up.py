"""Start-up steps that wait out an outage: a service started while its database or broker is down comes up
when they do, instead of exiting; a step that fails for any other reason (a bad migration) still fails at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from libs.common.outages import is_outage

log = logging.getLogger(__name__)

LOG_EVERY = 30.0  # seconds between two "still waiting" lines: one outage, not a line per attempt


async def until_done(
    service: str,
    what: str,
    step: Callable[[], Awaitable[object]],
    *,
    first_backoff: float = 0.5,
    max_backoff: float = 10.0,
) -> None:
    """Run ``step`` until it succeeds, waiting with a doubling back-off while it fails with an outage
    (``is_outage``); any other error is raised. ``what`` names what it waits for in the log, Chinese first."""
    backoff = first_backoff
    began = time.monotonic()
    logged_at: float | None = None
    attempts = 0
    while True:
        attempts += 1
        try:
            await step()
        except Exception as exc:
            if not is_outage(exc):
                raise
            now = time.monotonic()
            if logged_at is None or now - logged_at >= LOG_EVERY:
                logged_at = now
                log.warning(
                    "%s: 等待 / waiting for %s: %s: %s (attempt %d, %.0f s so far; retrying every ≤ %.0f s)",
                    service, what, type(exc).__name__, exc, attempts, now - began, max_backoff,
                )  # fmt: skip
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, max_backoff)
        else:
            if attempts > 1:
                log.info("%s: %s ready after %d attempts (%.0f s)", service, what, attempts, time.monotonic() - began)
            return
