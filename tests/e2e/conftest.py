"""The two deployments every end-to-end test of the whole chain runs on: embedded bus + SQLite (``make run``)
and Kafka + PostgreSQL (production). A test module asks for ``settings``; one that needs something else
defines its own fixture of that name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from libs.common.settings import Settings
from tests import backends
from tests.conftest import make_settings


@pytest.fixture(params=["embedded-sqlite", "kafka-postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "embedded-sqlite":
        yield make_settings(tmp_path)
        return
    admin = request.getfixturevalue("pg_admin_url")
    bootstrap = request.getfixturevalue("kafka_bootstrap")
    stem = backends.unique("sn_")
    services = ["enrollment", "monitoring", "referral", "assistance"]
    with backends.postgres_databases(admin, [f"{stem}_{s}" for s in services]):
        yield make_settings(
            tmp_path,
            database_url=backends.database_url(admin, f"{stem}_{{service}}"),
            bus="kafka",
            kafka_bootstrap_servers=bootstrap,
            kafka_idempotence=backends.kafka_idempotence(),
            kafka_partitions=3,
            kafka_session_timeout_ms=6_000,
            topic_prefix=backends.unique("t") + ".",
        )
