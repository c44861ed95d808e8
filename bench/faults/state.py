"""The system's final state, read where it lives: each service's PostgreSQL database and the dead-letter topics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.faults.cluster import SERVICES


@dataclass(frozen=True)
class Flag:
    flag_id: str
    person_key: str
    year: int
    level: str
    rule_id: str
    cumulative_burden: Decimal


@dataclass
class State:
    facts: dict[str, tuple[str, int, Decimal, Decimal]] = field(default_factory=dict)  # claim id → key, year, amounts
    superseded: int = 0
    totals: dict[tuple[str, int], tuple[Decimal, Decimal]] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)
    referrals: list[tuple[str, str]] = field(default_factory=list)  # flag id, agency
    dead_letters: list[tuple[str, str]] = field(default_factory=list)  # topic, record key


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def counts(database_url: Callable[[str], str]) -> tuple[int, int, int]:
    """Claims counted, flags raised, referrals opened: what the wait for catching up watches."""
    monitoring = await asyncpg.connect(_plain(database_url("monitoring")), timeout=5)
    try:
        facts = int(await monitoring.fetchval("SELECT count(*) FROM claim_facts"))
        flags = int(await monitoring.fetchval("SELECT count(*) FROM risk_flags"))
    finally:
        await monitoring.close()
    referral = await asyncpg.connect(_plain(database_url("referral")), timeout=5)
    try:
        referrals = int(await referral.fetchval("SELECT count(*) FROM referrals"))
    finally:
        await referral.close()
    return facts, flags, referrals


async def read(database_url: Callable[[str], str], bootstrap: str, prefix: str) -> State:
    state = State()
    monitoring = await asyncpg.connect(_plain(database_url("monitoring")), timeout=10)
    try:
        for r in await monitoring.fetch(
            "SELECT claim_id, person_key, year, total_cost, burden, superseded_by FROM claim_facts"
        ):
            state.facts[r["claim_id"]] = (r["person_key"], r["year"], r["total_cost"], r["burden"])
            state.superseded += r["superseded_by"] is not None
        for r in await monitoring.fetch("SELECT person_key, year, total_cost, burden FROM year_burdens"):
            state.totals[(r["person_key"], r["year"])] = (r["total_cost"], r["burden"])
        state.flags = [
            Flag(r["flag_id"], r["person_key"], r["year"], r["level"], r["rule_id"], r["cumulative_burden"])
            for r in await monitoring.fetch(
                "SELECT flag_id, person_key, year, level, rule_id, cumulative_burden FROM risk_flags"
            )
        ]
    finally:
        await monitoring.close()
    referral = await asyncpg.connect(_plain(database_url("referral")), timeout=10)
    try:
        rows = await referral.fetch("SELECT flag_id, agency FROM referrals")
        state.referrals = [(r["flag_id"], r["agency"]) for r in rows]
    finally:
        await referral.close()
    state.dead_letters = await dead_letters(bootstrap, [f"{prefix}{s}.dead-letter" for s in SERVICES])
    return state


async def dead_letters(bootstrap: str, topics: list[str]) -> list[tuple[str, str]]:
    """Every record on the dead-letter topics, from the beginning (no consumer group: nothing is committed)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, request_timeout_ms=20_000)
    await consumer.start()
    found: list[tuple[str, str]] = []
    try:
        # Apache Kafka's metadata answers only the topics asked for, so the client is told them first.
        await consumer._client.set_topics(topics)  # no public way without a group
        partitions = [
            TopicPartition(topic, p) for topic in topics for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            return found
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for tp, records in batches.items():
                found.extend((tp.topic, (r.key or b"").decode("utf-8", "replace")) for r in records)
    finally:
        await consumer.stop()
    return found
