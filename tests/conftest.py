"""Fixtures shared by every test: the clock, settings, and the real backends (see tests/backends.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from libs.common import clock
from libs.common.settings import Settings
from tests import backends

# The day every test runs on, never the machine's: SAFETYNET_TEST_TODAY (CI runs the end-to-end suite again on
# 2027-06-15 and 2031-01-02), else a fixed day. A test about particular dates sets its own clock or settings.
TEST_TODAY = date.fromisoformat(os.environ.get("SAFETYNET_TEST_TODAY") or "2026-12-03")


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Settings read SAFETYNET_* and DATABASE_URL; a developer's shell must not leak into tests.
    kept = ("SAFETYNET_TEST", "SAFETYNET_REQUIRE_INTEGRATION")
    for name in list(os.environ):
        if (name.startswith("SAFETYNET_") and not name.startswith(kept)) or name == "DATABASE_URL":
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _test_clock() -> Iterator[clock.Clock]:
    """The process's clock starts on TEST_TODAY; a service started with settings of another ``today`` replaces
    it while it runs."""
    with clock.installed(clock.Clock(TEST_TODAY)) as installed:
        yield installed


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "today": TEST_TODAY,
        "data_dir": tmp_path,
        "policies_dir": backends.REPO / "policies",
        "holidays_file": backends.REPO / "deploy" / "holidays.yaml",
        **overrides,
    }
    return Settings(**values)


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    url = os.environ.get("SAFETYNET_TEST_DATABASE_URL")
    if url:
        yield url
        return
    if backends.docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver="asyncpg") as pg:
            yield pg.get_connection_url()
        return
    backends.unavailable("no PostgreSQL: set SAFETYNET_TEST_DATABASE_URL or run a Docker engine")


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    servers = os.environ.get("SAFETYNET_TEST_KAFKA")
    if servers:
        yield servers
        return
    if backends.docker_available():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as kafka:
            yield kafka.get_bootstrap_server()
        return
    backends.unavailable("no Kafka-protocol broker: set SAFETYNET_TEST_KAFKA or run a Docker engine")


@pytest.fixture
def tansu(tmp_path: Path) -> Iterator[backends.Tansu]:
    """A dedicated broker that the test may cut off and restore (broker-outage tests)."""
    binary = os.environ.get("SAFETYNET_TEST_TANSU")
    if not binary:
        backends.unavailable(
            "broker-outage tests need SAFETYNET_TEST_TANSU (the tansu binary) to run a broker of their own"
        )
    broker = backends.Tansu(binary, tmp_path / "tansu.log")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url_template(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL with "{service}" in it: SQLite files, or fresh PostgreSQL databases dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/{{service}}.sqlite"
        return
    admin = request.getfixturevalue("pg_admin_url")
    stem = backends.unique("sn_")
    names = [f"{stem}_{s}" for s in ("enrollment", "monitoring", "referral", "assistance", "test", "bus")]
    with backends.postgres_databases(admin, names):
        yield backends.database_url(admin, f"{stem}_{{service}}")


@pytest.fixture(params=["embedded", "kafka"])
def bus_settings(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """Settings fields selecting a bus: the embedded log (SQLite) or the Kafka-protocol broker."""
    if request.param == "embedded":
        return {"bus": "embedded", "bus_database_url": f"sqlite+aiosqlite:///{tmp_path}/bus.sqlite"}
    return {
        "bus": "kafka",
        "kafka_bootstrap_servers": request.getfixturevalue("kafka_bootstrap"),
        "kafka_idempotence": backends.kafka_idempotence(),
        "kafka_partitions": 3,
        "kafka_session_timeout_ms": 6_000,
        "topic_prefix": backends.unique("t") + ".",
    }
