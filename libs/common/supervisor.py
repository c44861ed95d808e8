"""The service's long-lived tasks (outbox relay, consumers, periodic jobs), watched and restarted when they die.

A task that raises is logged with its traceback, counted (``restarts``, served at /metrics) and run again after a
back-off that doubles while it keeps dying; while it waits it is listed in ``failing``, which the health endpoint
answers with. A task that ends by itself while the service runs is a task that died too: each of them loops
until the service stops.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

Run = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Failure:
    """Why a task is down (the error's type, not its text: that may hold SQL and its parameters), and when it runs
    again (monotonic seconds)."""

    error: str
    retry_at: float


class Supervisor:
    def __init__(self, service: str, *, first_backoff: float = 0.5, max_backoff: float = 30.0) -> None:
        self.service = service
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.restarts: Counter[str] = Counter()
        self.failing: dict[str, Failure] = {}
        self.stopping = False

    @property
    def names(self) -> list[str]:
        return list(self._tasks)

    def start(self, name: str, run: Run, *, before_restart: Run | None = None) -> None:
        """Run ``run()`` in a task named ``name`` until ``stop``; ``before_restart`` cleans up after a death (e.g. a
        consumer's broker connection, so the new run starts from the committed offsets)."""
        if name in self._tasks:
            raise ValueError(f"{self.service}: a task named {name} is already supervised")
        self.restarts[name] = 0  # every task on /metrics from the start, so increase() sees the first restart
        self._tasks[name] = asyncio.create_task(self._keep_running(name, run, before_restart), name=name)

    async def _keep_running(self, name: str, run: Run, before_restart: Run | None) -> None:
        backoff = self._first_backoff
        while not self.stopping:
            began = time.monotonic()
            error: Exception | None = None
            try:
                await run()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = exc
            if self.stopping:
                return
            if time.monotonic() - began > self._max_backoff:
                backoff = self._first_backoff  # it ran a good while: a new failure, not the same one again
            self.restarts[name] += 1
            reason = f"{type(error).__name__}: {error}" if error is not None else "ended by itself"
            self.failing[name] = Failure(type(error).__name__ if error else reason, time.monotonic() + backoff)
            log.error(
                "%s: task %s died (%s); restart %d in %.1fs",
                self.service, name, reason, self.restarts[name], backoff, exc_info=error,
            )  # fmt: skip
            try:
                await self._clean_up(name, before_restart)
                await asyncio.sleep(backoff)
            finally:
                self.failing.pop(name, None)
            backoff = min(backoff * 2, self._max_backoff)

    async def _clean_up(self, name: str, before_restart: Run | None) -> None:
        if before_restart is None:
            return
        try:
            await before_restart()
        except Exception:  # e.g. the broker it was connected to is gone: the new run connects afresh anyway
            log.warning("%s: cleaning up after task %s failed", self.service, name, exc_info=True)

    async def stop(self, timeout: float = 10.0) -> None:
        """Cancel every task and wait for them, at most ``timeout`` seconds; a task that does not end is reported
        instead of hanging the shutdown."""
        self.stopping = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                log.error("%s: task %s did not stop within %.0f s", self.service, task.get_name(), timeout)
        self._tasks = {}
