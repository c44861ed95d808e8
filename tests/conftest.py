"""Fixtures shared by every test: the clock, settings, and the real backends (see tests/backends.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from libs.common import clock
from libs.common.settings import Settings
from tests import backends
from tests.kafka_broker import KafkaBroker

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
    if shutil.which("java") is not None and shutil.which("mvn") is not None:
        # Apache Kafka from Maven Central, as .ci/run starts it (tests/kafka_broker.py), for this session only.
        broker = KafkaBroker(Path(tempfile.mkdtemp(prefix="safetynet-kafka-")))
        broker.start()
        try:
            yield broker.bootstrap
        finally:
            broker.stop()
        return
    backends.unavailable("no Kafka broker: set SAFETYNET_TEST_KAFKA, or install java and mvn, or run a Docker engine")


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[backends.ProxiedKafka]:
    """An Apache Kafka broker of the test's own, behind a proxy the test may cut and restore (broker outages)."""
    if shutil.which("java") is None or shutil.which("mvn") is None:
        backends.unavailable("broker-outage tests run an Apache Kafka of their own: they need java and mvn")
    broker = backends.ProxiedKafka(tmp_path / "kafka")
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
