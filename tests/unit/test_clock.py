"""The one clock: a shifted start date, time flowing on from it, the Beijing date against UTC around midnight, and
installing it for the process."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from libs.common import clock
from libs.common.clock import Clock, china_date
from libs.common.messaging.envelope import Envelope, new_event_id
from libs.common.settings import Settings
from tests.conftest import TEST_TODAY


class Machine:
    """A machine clock the test moves by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> int:
        delta = self.at - datetime(1970, 1, 1, tzinfo=UTC)
        return (delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000

    def advance(self, by: timedelta) -> None:
        self.at += by


def test_unshifted_it_is_the_machine_time() -> None:
    machine = Machine(datetime(2026, 12, 3, 2, 30, 15, 123456, tzinfo=UTC))
    c = Clock(machine=machine)
    assert c.now() == datetime(2026, 12, 3, 2, 30, 15, 123456, tzinfo=UTC)
    assert c.today() == date(2026, 12, 3)  # 10:30 in Beijing
    assert c.unix_ms() == int(c.now().timestamp() * 1000)


def test_a_shifted_clock_starts_on_its_date_at_the_machine_time_of_day() -> None:
    # Made at 02:00 UTC on 2026-12-03 (10:00 in Beijing) to start on 2031-01-02: shifted by whole days,
    # 2031-01-02 - 2026-12-03 = 1491 days, so it reads 10:00 in Beijing on 2031-01-02.
    machine = Machine(datetime(2026, 12, 3, 2, 0, tzinfo=UTC))
    c = Clock(date(2031, 1, 2), machine=machine)
    assert (c.start, c.today(), c.now()) == (date(2031, 1, 2), date(2031, 1, 2), datetime(2031, 1, 2, 2, 0, tzinfo=UTC))
    assert c.now() - machine.at == timedelta(days=1491)
    assert c.unix_ms() == int(c.now().timestamp() * 1000)


def test_time_flows_on_from_the_start_date() -> None:
    machine = Machine(datetime(2026, 12, 3, 2, 0, tzinfo=UTC))
    c = Clock(date(2027, 6, 15), machine=machine)
    before = c.now()
    machine.advance(timedelta(minutes=90))
    assert c.now() - before == timedelta(minutes=90)
    assert c.today() == date(2027, 6, 15)
    # 02:00 UTC + 14 h = 16:00 UTC: midnight in Beijing, so the shifted date turns too.
    machine.advance(timedelta(hours=12, minutes=30))
    assert (c.now(), c.today()) == (datetime(2027, 6, 15, 16, 0, tzinfo=UTC), date(2027, 6, 16))


def test_the_date_is_beijings_not_utcs_around_midnight() -> None:
    machine = Machine(datetime(2026, 12, 3, 15, 59, 59, tzinfo=UTC))  # 23:59:59 in Beijing
    c = Clock(machine=machine)
    assert (c.now().date(), c.today()) == (date(2026, 12, 3), date(2026, 12, 3))
    machine.advance(timedelta(seconds=1))  # 16:00 UTC = 00:00 on the 4th in Beijing, still the 3rd in UTC
    assert (c.now().date(), c.today()) == (date(2026, 12, 3), date(2026, 12, 4))


def test_a_clock_made_after_beijing_midnight_starts_on_its_date_in_beijing() -> None:
    # 17:00 UTC on 2026-12-03 is 01:00 on 2026-12-04 in Beijing: the shift is 2027-06-15 - 2026-12-04 = 193 days,
    # so the clock reads 01:00 on 2027-06-15 in Beijing, which in UTC is still 17:00 on 2027-06-14.
    machine = Machine(datetime(2026, 12, 3, 17, 0, tzinfo=UTC))
    c = Clock(date(2027, 6, 15), machine=machine)
    assert c.today() == date(2027, 6, 15)
    assert c.now() == datetime(2027, 6, 14, 17, 0, tzinfo=UTC)
    assert china_date(c.now()) == c.today()


def test_installed_for_a_block_then_put_back() -> None:
    outer = clock.current()
    assert clock.china_today() == TEST_TODAY  # tests/conftest.py installs the test clock for every test
    with clock.installed(Clock(date(2031, 1, 2))):
        assert clock.china_today() == date(2031, 1, 2)
        assert china_date(clock.utc_now()) == date(2031, 1, 2)
        with clock.installed(Clock(date(2027, 6, 15))):
            assert clock.china_today() == date(2027, 6, 15)
        assert clock.china_today() == date(2031, 1, 2)
    assert clock.current() is outer


def test_event_times_and_ids_follow_the_installed_clock() -> None:
    with clock.installed(Clock(date(2031, 1, 2))):
        envelope = Envelope(source="/t", type="t", subject="s", schemaversion=1, correlationid="c", data={})
        millis = uuid.UUID(new_event_id()).int >> 80  # RFC 9562 version 7: the Unix milliseconds come first
    assert china_date(envelope.time) == date(2031, 1, 2)
    assert china_date(datetime.fromtimestamp(millis / 1000, UTC)) == date(2031, 1, 2)


def test_the_setting_is_read_from_safetynet_today(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().today is None  # unset: the real Beijing date
    monkeypatch.setenv("SAFETYNET_TODAY", "2027-06-15")
    assert Settings().today == date(2027, 6, 15)
    monkeypatch.setenv("SAFETYNET_TODAY", "2027-02-30")
    with pytest.raises(ValueError, match="today"):
        Settings()
