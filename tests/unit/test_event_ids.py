"""Event ids are time-ordered UUIDs (version 7) even though they are built without the uuid module's objects."""

from __future__ import annotations

import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from libs.common import clock
from libs.common.messaging.envelope import new_event_id


def test_event_ids_are_canonical_version_7_uuids() -> None:
    for _ in range(2000):
        text = new_event_id()
        parsed = uuid.UUID(text)
        # str(UUID(...)) is the canonical form: lower-case hex in 8-4-4-4-12 groups.
        assert (str(parsed), parsed.version, parsed.variant) == (text, 7, uuid.RFC_4122)


def test_event_ids_carry_the_millisecond_they_were_made_in() -> None:
    before = clock.unix_ms()
    text = new_event_id()
    after = clock.unix_ms()
    # RFC 9562 version 7: the first 48 bits are the Unix time in milliseconds.
    assert before <= uuid.UUID(text).int >> 80 <= after


def test_ids_of_a_later_millisecond_sort_after_earlier_ones() -> None:
    earlier = [new_event_id() for _ in range(100)]
    time.sleep(0.002)
    later = [new_event_id() for _ in range(100)]
    # Their text sorts the same way as their time: what keeps an index's inserts at its right edge.
    assert max(earlier) < min(later)


def test_the_random_bits_vary() -> None:
    ids = [uuid.UUID(new_event_id()).int for _ in range(2000)]
    rand_a = {(i >> 64) & 0xFFF for i in ids}
    rand_b = {i & (1 << 62) - 1 for i in ids}
    # 2000 draws of 12 random bits hit well over a thousand values; 62 bits never repeat in 2000 draws.
    assert len(rand_a) > 1000
    assert len(rand_b) == 2000


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
    new_event_id()  # the parent's pool now holds 4095 more ids' random bits
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(write, new_event_id().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    from_child = os.read(read, 64).decode()
    os.close(read)
    assert uuid.UUID(from_child).version == 7
    assert from_child != new_event_id()  # without the fork hook both would take the same next 16 bytes
