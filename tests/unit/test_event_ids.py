"""Event ids are random UUIDs (version 4) even though they are built without the uuid module's objects."""

from __future__ import annotations

import uuid

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
