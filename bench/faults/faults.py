"""The faults, one at a time while the workload flows: each is ``inject`` then, after its hold, ``heal``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench.faults.cluster import SERVICES, Cluster

Step = Callable[[Cluster], Awaitable[None]]


@dataclass(frozen=True)
class Fault:
    name: str
    inject: Step
    heal: Step
    hold: float = 5.0  # seconds between inject and heal
    needs_private_postgres: bool = False
    prepare: Step | None = None  # before the workload slice starts flowing


async def _nothing(cluster: Cluster) -> None:
    return None


def _kill(service: str) -> Step:
    async def kill(cluster: Cluster) -> None:
        await asyncio.to_thread(cluster.services[service].kill9)

    return kill


def _restart(service: str) -> Step:
    async def restart(cluster: Cluster) -> None:
        cluster.services[service].start()

    return restart


async def _broker_kill(cluster: Cluster) -> None:
    await asyncio.to_thread(cluster.broker.kill)


async def _broker_start(cluster: Cluster) -> None:
    await asyncio.to_thread(cluster.broker.start)


async def _pg_stop(cluster: Cluster) -> None:
    assert cluster.postgres is not None
    await asyncio.to_thread(cluster.postgres.stop_immediate)


async def _pg_start(cluster: Cluster) -> None:
    assert cluster.postgres is not None
    await asyncio.to_thread(cluster.postgres.start)


async def _pg_stop_then_restart_monitoring(cluster: Cluster) -> None:
    """PostgreSQL stops hard, and the monitoring service is started again while it is down."""
    await _pg_stop(cluster)
    await asyncio.to_thread(cluster.services["monitoring"].kill9)
    cluster.services["monitoring"].start()


async def _cut(cluster: Cluster) -> None:
    cluster.proxy.cut()


async def _black_hole(cluster: Cluster) -> None:
    cluster.proxy.black_hole()


async def _heal_network(cluster: Cluster) -> None:
    cluster.proxy.open()


async def _second_monitoring(cluster: Cluster) -> None:
    """A second monitoring replica joins the group (six partitions between two) before the slice flows."""
    replica = cluster.add_service("monitoring-b")
    replica.start()
    if not await replica.ready(120):
        raise RuntimeError(f"the second monitoring replica did not start; see {replica.log}")
    await asyncio.sleep(8)  # the group rebalances over the two


async def _kill_first_monitoring(cluster: Cluster) -> None:
    """kill -9 of the first replica: its partitions and its outbox backlog pass to the second."""
    first = cluster.services.pop("monitoring")
    await asyncio.to_thread(first.kill9)
    cluster.services["monitoring"] = cluster.services.pop("monitoring-b")
    cluster.retired.append(first)


CATALOGUE: dict[str, Fault] = {
    "none": Fault("none", _nothing, _nothing, hold=0.0),
    **{f"kill9-{s}": Fault(f"kill9-{s}", _kill(s), _restart(s), hold=2.0) for s in SERVICES},
    "broker-kill9": Fault("broker-kill9", _broker_kill, _broker_start, hold=3.0),
    "postgres-immediate-stop": Fault("postgres-immediate-stop", _pg_stop, _pg_start, hold=5.0,
                                     needs_private_postgres=True),
    "start-while-postgres-down": Fault("start-while-postgres-down", _pg_stop_then_restart_monitoring, _pg_start,
                                       hold=10.0, needs_private_postgres=True),
    "network-cut": Fault("network-cut", _cut, _heal_network, hold=10.0),
    "network-black-hole": Fault("network-black-hole", _black_hole, _heal_network, hold=15.0),
    "monitoring-replica-kill9": Fault("monitoring-replica-kill9", _kill_first_monitoring, _nothing, hold=0.0,
                                      prepare=_second_monitoring),
}  # fmt: skip

FULL = list(CATALOGUE)
CI = ["none", "kill9-monitoring", "broker-kill9", "postgres-immediate-stop", "network-black-hole"]
