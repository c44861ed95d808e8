"""The system under test: a private PostgreSQL cluster, an Apache Kafka broker behind a TCP proxy, and each
service as an OS process of its own (``safetynet run --service NAME``), with its output in a log file."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from libs.common import clock
from tests.backends import TcpProxy, free_port, unique
from tests.kafka_broker import KafkaBroker

REPO = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SERVICES = ("enrollment", "monitoring", "referral", "assistance")
TODAY = "2026-06-30"


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    """A PostgreSQL cluster of the suite's own, so it can be stopped hard and started again."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.log = directory / "postgres.log"

    @staticmethod
    def available() -> bool:
        return (PG_BIN / "initdb").exists() and (os.geteuid() != 0 or shutil.which("runuser") is not None)

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args]), check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        subprocess.run(
            _as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                          "--locale=C"]),
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def start(self) -> None:
        # fsync off: an immediate stop kills the server, not the machine, so the OS still holds every write; commits
        # stay synchronous, so no committed transaction can be lost by the stop itself.
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c max_connections=300"
        options += " -c fsync=off"
        self._pg_ctl("-o", options, "-l", str(self.log), "-w", "-t", "120", "start")

    def stop_immediate(self) -> None:
        self._pg_ctl("-m", "immediate", "stop")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")


async def create_databases(admin_url: str, names: list[str]) -> None:
    conn = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        for name in names:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


@dataclass
class ServiceProcess:
    """One service in its own process; its stdout and stderr are appended to ``log`` across restarts."""

    name: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    killed_by_suite: bool = False
    exits: list[str] = field(default_factory=list)  # exits the suite did not cause, as found

    def start(self) -> None:
        with self.log.open("ab") as log:
            log.write(f"\n===== {clock.utc_now().strftime('%H:%M:%S')} start {self.name} on :{self.port}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.cli", "run", "--service", self.name.split("-")[0],
                 "--port", str(self.port)],
                cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.killed_by_suite = False

    def kill9(self) -> None:
        if self.process is not None:
            self.killed_by_suite = True
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)
            with self.log.open("ab") as log:
                now = clock.utc_now().strftime("%H:%M:%S")
                log.write(f"\n===== {now} kill -9 {self.name} by the fault suite\n".encode())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(20)

    def exited(self) -> int | None:
        """The exit code if the process ended without the suite killing it."""
        if self.process is None or self.killed_by_suite:
            return None
        return self.process.poll()

    async def ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    return False
                try:
                    if (await client.get(f"http://127.0.0.1:{self.port}/healthz")).status_code == 200:
                        return True
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.3)
        return False


class Cluster:
    """Everything a run needs, started in ``start`` and stopped in ``stop``."""

    def __init__(self, artifacts: Path, work: Path, *, shared_admin_url: str | None) -> None:
        self.artifacts = artifacts
        self.work = work
        self.stem = unique("faults_")
        self.prefix = self.stem + "."
        self.postgres: PrivatePostgres | None = None
        self.shared_admin_url = shared_admin_url
        self.proxy_port = free_port()
        self.broker = KafkaBroker(work / "kafka", advertised_port=self.proxy_port, partitions=6)
        self.proxy = TcpProxy(self.proxy_port, self.broker.port)
        self.services: dict[str, ServiceProcess] = {}
        self.retired: list[ServiceProcess] = []  # replicas killed for good by a fault

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.proxy_port}"

    def database_url(self, service: str) -> str:
        database = f"{self.stem}_{service}"
        if self.postgres is not None:
            return self.postgres.url(database)
        assert self.shared_admin_url is not None
        return self.shared_admin_url.rsplit("/", 1)[0] + "/" + database

    def env(self) -> dict[str, str]:
        template = self.database_url("{service}")
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("SAFETYNET_")},
            "SAFETYNET_ENVIRONMENT": "test",
            "SAFETYNET_DATABASE_URL": template,
            "SAFETYNET_BUS": "kafka",
            "SAFETYNET_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "SAFETYNET_KAFKA_IDEMPOTENCE": "true",
            "SAFETYNET_KAFKA_PARTITIONS": "6",
            "SAFETYNET_TOPIC_PREFIX": self.prefix,
            "SAFETYNET_TODAY": TODAY,
            "SAFETYNET_DATA_DIR": str(self.work / "data"),
            "SAFETYNET_POLICIES_DIR": str(REPO / "policies"),
            "SAFETYNET_HOLIDAYS_FILE": str(REPO / "deploy" / "holidays.yaml"),
            "PYTHONUNBUFFERED": "1",
        }

    def add_service(self, name: str) -> ServiceProcess:
        service = ServiceProcess(name, free_port(), self.env(), self.artifacts / f"{name}.log")
        self.services[name] = service
        return service

    async def start(self, private_postgres: bool) -> None:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        if private_postgres:
            # A directory of its own, outside the root-only work directory: the server runs as postgres.
            self.postgres = PrivatePostgres(Path(tempfile.mkdtemp(prefix="faults-pg-")))
            await asyncio.to_thread(self.postgres.init)
            await asyncio.to_thread(self.postgres.start)
            admin = self.postgres.url("postgres")
        else:
            assert self.shared_admin_url is not None, "no private PostgreSQL and no SAFETYNET_TEST_DATABASE_URL"
            admin = self.shared_admin_url
        await create_databases(admin, [f"{self.stem}_{s}" for s in SERVICES])
        await asyncio.to_thread(self.broker.start)
        self.proxy.open()
        for name in SERVICES:
            self.add_service(name).start()
        for service in self.services.values():
            if not await service.ready(180):
                raise RuntimeError(f"{service.name} did not become ready; see {service.log}")

    async def stop(self) -> None:
        for service in self.services.values():
            await asyncio.to_thread(service.stop)
        self.proxy.close()
        await asyncio.to_thread(self.broker.stop)
        if self.postgres is not None:
            with contextlib.suppress(subprocess.CalledProcessError):
                await asyncio.to_thread(self.postgres.stop)
            shutil.copy(self.postgres.log, self.artifacts / "postgres.log")
            shutil.rmtree(self.postgres.directory, ignore_errors=True)
        if self.shared_admin_url is not None and self.postgres is None:
            conn = await asyncpg.connect(self.shared_admin_url.replace("postgresql+asyncpg://", "postgresql://"))
            try:
                for s in SERVICES:
                    await conn.execute(f'DROP DATABASE IF EXISTS "{self.stem}_{s}" WITH (FORCE)')
            finally:
                await conn.close()
