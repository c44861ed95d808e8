"""Event ids are random UUIDs (version 4) even though they are built without the uuid module's objects."""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor

from libs.common.messaging.envelope import new_event_id


def test_event_ids_are_canonical_version_4_uuids() -> None:
    for _ in range(2000):
        text = new_event_id()
        parsed = uuid.UUID(text)
        # str(UUID(...)) is the canonical form: lower-case hex in 8-4-4-4-12 groups.
        assert (str(parsed), parsed.version, parsed.variant) == (text, 4, uuid.RFC_4122)


def test_event_ids_differ_and_use_every_variant_digit() -> None:
    ids = [new_event_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    # The fourth group starts with 8, 9, a or b; 2000 draws miss one of the four with probability ~4·(3/4)^2000.
    assert {i[19] for i in ids} == set("89ab")


def test_threads_draw_distinct_ids() -> None:
    # Each thread has its own pool of random bytes; none may hand out another's ids.
    with ThreadPoolExecutor(4) as pool:
        batches = list(pool.map(lambda _: [new_event_id() for _ in range(3000)], range(8)))
    ids = [i for batch in batches for i in batch]
    assert len(set(ids)) == len(ids) == 24_000


def test_a_forked_child_does_not_repeat_its_parents_pooled_ids() -> None:
    new_event_id()  # the parent's pool now holds 4095 more ids
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(write, new_event_id().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    from_child = os.read(read, 64).decode()
    os.close(read)
    assert uuid.UUID(from_child).version == 4
    assert from_child != new_event_id()  # without the fork hook both would take the same next 16 bytes
