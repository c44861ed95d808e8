"""Topic names. Every topic is keyed by the pseudonymous person key, so one person's events stay in order."""

from __future__ import annotations

ROSTER_CHANGED = "roster.changed"
ENROLLMENT_CHANGED = "enrollment.changed"
CLAIMS_SETTLED = "claims.settled"
RISK_FLAGGED = "risk.flagged"
REFERRAL_OPENED = "referral.opened"
REFERRAL_RESOLVED = "referral.resolved"
REFERRAL_OVERDUE = "referral.overdue"
# Keyed by the pack id, not a person: one pack's entries stay in order.
POLICY_CHANGED = "policy.changed"

PUBLISHED_TOPICS = (
    ROSTER_CHANGED,
    ENROLLMENT_CHANGED,
    CLAIMS_SETTLED,
    RISK_FLAGGED,
    REFERRAL_OPENED,
    REFERRAL_RESOLVED,
    REFERRAL_OVERDUE,
    POLICY_CHANGED,
)


DEAD_LETTER_SUFFIX = ".dead-letter"


def dead_letter_topic(consumer_group: str) -> str:
    """One dead-letter topic per consumer group, so each owner sees only its own poison."""
    return f"{consumer_group}{DEAD_LETTER_SUFFIX}"


# Who sent which dead letters back, when and why (libs/common/messaging/dead_letters.py): keyed by the consumer group.
REDRIVES = "safetynet.redrives"


def kept_forever(topic: str) -> bool:
    """Topics that are a record, not a stream: the broker keeps them without a time limit (Kafka's default drops
    records after seven days). A dead letter waits for an operator to fix its cause and redrive it, however long
    that takes; the redrives are the record of who did."""
    return topic == REDRIVES or topic.endswith(DEAD_LETTER_SUFFIX)
