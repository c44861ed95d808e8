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
import threading
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


class TcpProxy:
    """A loopback TCP proxy in its own thread: cutting it makes a server unreachable without stopping it.

    Two faults: ``cut()`` closes every connection and refuses new ones (a peer that is gone: clients see errors at
    once); ``black_hole()`` keeps accepting and holding connections but moves no byte either way (a network that
    drops packets: clients see nothing until their own timeouts). ``open()`` heals both; bytes held in a black hole
    are delivered afterwards, as TCP's retransmission would.
    """

    def __init__(self, listen_port: int, target_port: int) -> None:
        self.listen_port = listen_port
        self.target_port = target_port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing: asyncio.Event | None = None  # made on the proxy's loop; cleared while black-holed
        self._thread.start()

    def _flow(self) -> asyncio.Event:
        if self._flowing is None:
            self._flowing = asyncio.Event()
            self._flowing.set()
        return self._flowing

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        flowing = self._flow()
        try:
            while True:
                await flowing.wait()
                data = await reader.read(65536)
                if not data:
                    break
                await flowing.wait()  # read just before the hole opened: held, not dropped
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self._writers.add(client_writer)
        await self._flow().wait()  # a connection made into a black hole is accepted and held
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.close()
            return
        self._writers.add(upstream_writer)
        await asyncio.gather(self._pipe(client_reader, upstream_writer), self._pipe(upstream_reader, client_writer))

    async def _open(self) -> None:
        self._flow().set()
        if self._server is None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.listen_port)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in self._writers:
            writer.close()
        self._writers.clear()
        self._flow().set()  # nothing left to hold: a cut after a black hole ends it

    async def _black_hole(self) -> None:
        self._flow().clear()

    def open(self) -> None:
        """Start forwarding, or heal a cut or a black hole."""
        asyncio.run_coroutine_threadsafe(self._open(), self._loop).result(10)

    def cut(self) -> None:
        asyncio.run_coroutine_threadsafe(self._cut(), self._loop).result(10)

    def black_hole(self) -> None:
        asyncio.run_coroutine_threadsafe(self._black_hole(), self._loop).result(10)

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


class ProxiedKafka:
    """An Apache Kafka broker of a test's own behind a proxy: ``cut()`` makes it unreachable (keeping its log and
    running), ``restore()`` brings it back; clients are told the proxy's port."""

    def __init__(self, directory: Path) -> None:
        from tests.kafka_broker import KafkaBroker

        self.port = free_port()
        self.broker = KafkaBroker(directory, advertised_port=self.port, partitions=3)
        self.proxy = TcpProxy(self.port, self.broker.port)

    @property
    def bootstrap(self) -> str:
        return self.broker.bootstrap

    def start(self) -> None:
        self.broker.start()
        self.proxy.open()

    def cut(self) -> None:
        self.proxy.cut()

    def restore(self) -> None:
        self.proxy.open()

    def stop(self) -> None:
        self.proxy.close()
        self.broker.stop()
