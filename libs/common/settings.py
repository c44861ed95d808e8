"""Settings shared by every service: one pydantic-settings class, validated at start.

Environment variables carry the ``SAFETYNET_`` prefix; ``DATABASE_URL`` is also accepted bare because
that is what every PaaS and compose file already sets.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Only in dev may these stand: a deployment that forgets to set its own secret must not start.
DEV_PERSON_KEY_SECRET = "dev-only-person-key-secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SAFETYNET_", extra="ignore")

    environment: Literal["dev", "test", "prod"] = "dev"
    # One database per service. "{service}" is replaced by the service name, so one URL serves all four
    # (e.g. postgresql+asyncpg://u:p@db/safetynet_{service}). Unset: SQLite files under data_dir.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("SAFETYNET_DATABASE_URL", "DATABASE_URL")
    )
    data_dir: Path = Path("data")
    bus: Literal["embedded", "kafka"] = "embedded"
    # Where the embedded bus keeps its log; unset: data_dir/bus.sqlite.
    bus_database_url: str | None = None
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Apache Kafka supports the idempotent producer; some Kafka-protocol brokers (tansu) reject it.
    kafka_idempotence: bool = True
    kafka_partitions: int = 6
    # How long a silent consumer keeps its partitions; shorter = faster takeover after a crash, more rebalances.
    kafka_session_timeout_ms: int = 10_000
    # How long the broker may hold a consumer's fetch when it has nothing new. Apache Kafka answers as soon as a
    # record arrives, so this only sets how often an idle consumer asks; tansu holds every fetch this long, so there
    # it is a floor on each hop's latency (bench, 1 claim in 10 flagging: p50 171–252 ms at 50, 99–159 at 10).
    kafka_fetch_max_wait_ms: int = Field(default=50, ge=1)
    # Prepended to every topic and consumer group: lets tests and tenants share one broker.
    topic_prefix: str = ""
    # JSON object {token: {"agency": ..., "region": ..., "name": ...}}; see libs/common/auth.py.
    api_keys: SecretStr | None = None
    api_keys_file: Path | None = None
    person_key_secret: SecretStr = SecretStr(DEV_PERSON_KEY_SECRET)
    holidays_file: Path = Path("deploy/holidays.yaml")
    policies_dir: Path = Path("policies")
    log_level: str = "INFO"
    # How often a service looks for breached deadlines (the referral service's overdue scan); it also scans at start.
    deadline_scan_interval_seconds: float = Field(default=60.0, gt=0)
    # The date the clock starts on, for drills and tests (time flows on from it); unset: the real Beijing date.
    # See libs/common/clock.py.
    today: date | None = None

    @model_validator(mode="after")
    def _no_default_secrets_outside_dev(self) -> Settings:
        if self.environment == "prod":
            if self.person_key_secret.get_secret_value() == DEV_PERSON_KEY_SECRET:
                raise ValueError("SAFETYNET_PERSON_KEY_SECRET must be set outside dev")
            if self.api_keys is None and self.api_keys_file is None:
                raise ValueError("SAFETYNET_API_KEYS or SAFETYNET_API_KEYS_FILE must be set outside dev")
        return self

    def service_database_url(self, service: str) -> str:
        if self.database_url is None:
            return f"sqlite+aiosqlite:///{self.data_dir / service}.sqlite"
        return self.database_url.replace("{service}", service)

    def embedded_bus_url(self) -> str:
        return self.bus_database_url or f"sqlite+aiosqlite:///{self.data_dir / 'bus'}.sqlite"
