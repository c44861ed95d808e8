"""Apache Kafka for CI, the tests that stop or cut a broker, the benchmarks and the fault suite.

The broker's jars come from Maven Central through ``deploy/kafka/pom.xml`` once and are kept under ``.cache/kafka``
(ignored by git), so a second run starts in seconds. Each broker is one JVM in KRaft mode (broker and controller in
one node) with its log on disk in a directory of its own: it can be killed and started again on the same log.

    python -m tests.kafka_broker fetch                  # the jars, once
    python -m tests.kafka_broker run --dir D --port P   # a broker in the foreground (.ci/run backgrounds it)
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
POM = REPO / "deploy" / "kafka" / "pom.xml"
LOG_CONFIG = REPO / "deploy" / "kafka" / "log4j2.yaml"
CACHE = REPO / ".cache" / "kafka"
STARTED = "Kafka Server started"  # the broker's own line once it serves clients (KafkaRaftServer, INFO)


def kafka_version() -> str:
    text = POM.read_text(encoding="utf-8")
    return text.split("<kafka.version>", 1)[1].split("</kafka.version>", 1)[0].strip()


def jars() -> Path:
    """The directory holding the broker's jars, fetched with Maven on first use."""
    libs = CACHE / kafka_version() / "libs"
    done = libs / ".complete"
    if not done.exists():
        partial = libs.with_name("libs.partial")
        subprocess.run(["rm", "-rf", str(partial)], check=True)
        subprocess.run(
            ["mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
             f"-DoutputDirectory={partial}", "-DincludeScope=runtime"],
            check=True,
        )  # fmt: skip
        subprocess.run(["rm", "-rf", str(libs)], check=True)
        partial.rename(libs)
        done.write_text(kafka_version() + "\n", encoding="utf-8")
    return libs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _java(libs: Path, heap: str) -> list[str]:
    return [
        "java", f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseG1GC", "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={LOG_CONFIG}", "-cp", f"{libs}/*",
    ]  # fmt: skip


class KafkaBroker:
    """One Apache Kafka broker with its log in ``directory``.

    ``port`` is where it listens; ``advertised_port`` is what it tells clients to connect to (a proxy's port, for
    tests that cut the network between services and broker; the same port otherwise).
    """

    def __init__(
        self,
        directory: Path,
        *,
        port: int | None = None,
        advertised_port: int | None = None,
        partitions: int = 6,
        heap: str = "512m",
    ) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.advertised_port = advertised_port or self.port
        self.controller_port = free_port()
        self.partitions = partitions
        self.heap = heap
        self.process: subprocess.Popen[bytes] | None = None
        self.log = directory / "broker.log"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.advertised_port}"

    def _properties(self) -> Path:
        path = self.directory / "server.properties"
        path.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
                    f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.advertised_port}",
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    f"log.dirs={self.directory / 'data'}",
                    f"num.partitions={self.partitions}",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=6",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    # A group's first member is not kept waiting 3 s for others (a test or a service starting).
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=true",
                    # Small segments: a fault run's log is recovered on restart, not replayed from one 1 GiB file.
                    "log.segment.bytes=67108864",
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        return path

    def _format(self, libs: Path, properties: Path) -> None:
        if (self.directory / "data" / "meta.properties").exists():
            return  # the same log again (a restart): formatting is once per log directory
        cluster = uuid.uuid4().hex[:22]
        subprocess.run(
            [*_java(libs, "256m"), "kafka.tools.StorageTool", "format", "-t", cluster, "-c", str(properties)],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self, timeout: float = 90.0) -> None:
        """Start the broker (formatting its log directory the first time) and wait until it serves clients."""
        libs = jars()
        self.directory.mkdir(parents=True, exist_ok=True)
        properties = self._properties()
        self._format(libs, properties)
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*_java(libs, self.heap), "kafka.Kafka", str(properties)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Kafka exited with {self.process.returncode}; see {self.log}")
            with self.log.open("rb") as log:
                log.seek(offset)
                if STARTED.encode() in log.read():
                    return
            time.sleep(0.2)
        raise TimeoutError(f"Kafka did not start within {timeout}s; see {self.log}")

    def kill(self) -> None:
        """kill -9: no clean shutdown; the next start recovers the log."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
            self.process = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("fetch", help="fetch the broker's jars into .cache/kafka (once)")
    run = commands.add_parser("run", help="run a broker in the foreground until killed")
    run.add_argument("--dir", type=Path, required=True, help="its log directory (kept across restarts)")
    run.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    if args.command == "fetch":
        print(jars())
        return 0
    broker = KafkaBroker(args.dir.resolve(), port=args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        broker.start()
        print(f"Apache Kafka {kafka_version()} serving on {broker.bootstrap}", flush=True)
        assert broker.process is not None
        return broker.process.wait()
    finally:
        broker.stop()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
