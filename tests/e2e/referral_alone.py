"""The referral service alone on a real bus and database, its clock pinned to a fixed day: warnings go in on
risk.flagged as monitoring would publish them, and what it publishes is read back by a probe consumer group."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from libs.common import clock
from libs.common.messaging.bus import Record
from libs.common.messaging.contracts.monitoring import RiskFlaggedV1
from libs.common.messaging.envelope import Envelope
from libs.common.runtime import ServiceRuntime, build_bus
from libs.common.settings import Settings
from services.referral.app import build
from tests import backends
from tests.conftest import make_settings
from tests.e2e.system import eventually

REPO_POLICIES = backends.REPO / "policies"


def referral_settings(request: pytest.FixtureRequest, tmp_path: Path, **overrides: Any) -> Iterator[Settings]:
    """For a fixture parametrised over "embedded-sqlite" and "kafka-postgresql": the referral service's settings."""
    if request.param == "embedded-sqlite":
        yield make_settings(tmp_path, **overrides)
        return
    admin = request.getfixturevalue("pg_admin_url")
    stem = backends.unique("sn_")
    with backends.postgres_databases(admin, [f"{stem}_referral"]):
        yield make_settings(
            tmp_path,
            database_url=backends.database_url(admin, f"{stem}_{{service}}"),
            bus="kafka",
            kafka_bootstrap_servers=request.getfixturevalue("kafka_bootstrap"),
            kafka_idempotence=backends.kafka_idempotence(),
            kafka_partitions=3,
            kafka_session_timeout_ms=6_000,
            topic_prefix=backends.unique("t") + ".",
            **overrides,
        )


class Pinned:
    """The process's clock during one run of the referral service (routes, overdue scan and board alike), moved on
    by the test: each move installs a clock starting on the new day, put back when the run ends."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack

    def set(self, today: date) -> None:
        self._stack.enter_context(clock.installed(clock.Clock(today)))


@asynccontextmanager
async def referral_service(settings: Settings, today: date) -> AsyncIterator[tuple[httpx.AsyncClient, Pinned]]:
    """One run of the referral service whose clock starts on ``today`` (until the test moves it)."""
    app = build(settings.model_copy(update={"today": today}))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://r") as client:
        # Inside the lifespan: the moves are undone before the lifespan puts back the clock it found.
        with ExitStack() as stack:
            yield client, Pinned(stack)
        # What the run committed is on the topic before it stops, as a probe reading the topic afterwards expects
        # (stopping ends the relay at its next turn, which on a loaded machine came before the last pass).
        runtime: ServiceRuntime = app.state.runtime
        await eventually(lambda: _drained(runtime), timeout=30.0)


async def _drained(runtime: ServiceRuntime) -> bool:
    return await runtime.relay.backlog() == 0


def flag_envelope(event: RiskFlaggedV1, at: datetime) -> Envelope:
    """The warning as monitoring publishes it, raised at ``at`` (the referral's opening day is its China date)."""
    return Envelope(
        source="/safetynet/monitoring",
        type=event.event_type,
        subject=event.person_key,
        time=at,
        schemaversion=event.version,
        correlationid=event.flag_id,
        data=event.model_dump(mode="json"),
    )


async def publish_flags(settings: Settings, envelopes: list[Envelope], also_topics: list[str]) -> None:
    """Publish warnings; ``also_topics`` are created first so a probe reading them later finds them."""
    bus = build_bus(settings, "test-monitoring")
    await bus.start()
    try:
        await bus.ensure_topics(["risk.flagged", *also_topics])
        await bus.publish([Record("risk.flagged", e.subject, e.to_bytes()) for e in envelopes])
    finally:
        await bus.stop()


async def published(settings: Settings, topic: str, quiet: float = 3.0, timeout: float = 60.0) -> list[Envelope]:
    """Every event on ``topic``, read by a probe group of its own until nothing more came for ``quiet`` seconds."""
    bus = build_bus(settings, "probe")
    await bus.start()
    consumer = bus.consumer(backends.unique("probe"), [topic])
    await consumer.start()
    seen: list[Envelope] = []
    try:
        last, started = time.monotonic(), time.monotonic()
        while time.monotonic() - last < quiet and time.monotonic() - started < timeout:
            deliveries = await consumer.fetch(max_records=500, timeout=0.5)
            seen.extend(Envelope.from_bytes(d.value) for d in deliveries)
            if deliveries:
                last = time.monotonic()
    finally:
        await consumer.stop()
        await bus.stop()
    return seen


def with_local_decision_deadline(directory: Path, pack_id: str, working_days: int, source: str) -> Path:
    """The shipped packs, with the decision deadline an operator set locally for ``pack_id``'s referrals."""
    target = directory / "policies"
    target.mkdir()
    for path in sorted(REPO_POLICIES.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if f"\nid: {pack_id}\n" in text:
            start = text.index("  decision_working_days:\n")
            end = text.index("  feedback_working_days:\n", start)
            local = f"  decision_working_days:\n    working_days: {working_days}\n    source: {source!r}\n"
            text = text[:start] + local + text[end:]
        (target / path.name).write_text(text, encoding="utf-8")
    return target
