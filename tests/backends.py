"""Real backends for integration tests: PostgreSQL and a Kafka-protocol broker.

Each is taken, in order, from the environment (CI sets SAFETYNET_TEST_DATABASE_URL, SAFETYNET_TEST_KAFKA), from
testcontainers when a Docker engine answers, or else the test is skipped with the reason — or failed, when
SAFETYNET_REQUIRE_INTEGRATION=1, so CI can never go green by skipping.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import pytest

REPO = Path(__file__).resolve().parents[1]
T = TypeVar("T")


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("SAFETYNET_REQUIRE_INTEGRATION") == "1":
        pytest.fail(f"integration backend required but missing: {reason}")
    pytest.skip(reason)


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even while the test's event loop is running."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def docker_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def kafka_idempotence() -> bool:
    return os.environ.get("SAFETYNET_TEST_KAFKA_IDEMPOTENCE", "true").lower() not in ("0", "false", "no")


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


async def _admin(url: str, statements: list[str]) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@contextmanager
def postgres_databases(admin_url: str, names: list[str]) -> Iterator[None]:
    run_sync(_admin(admin_url, [f'CREATE DATABASE "{n}"' for n in names]))
    try:
        yield
    finally:
        run_sync(_admin(admin_url, [f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names]))


def database_url(admin_url: str, database: str) -> str:
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{database}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


class Tansu:
    """A broker of our own that a test may stop and start again (memory storage: a restart empties it)."""

    def __init__(self, binary: str, port: int, log: Path) -> None:
        self.binary = binary
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        url = f"tcp://127.0.0.1:{self.port}"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "broker", "--listener-url", url, "--advertised-listener-url", url,
                 "--storage-engine", "memory://tansu/"],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
