"""What the README promises, exercised: the figures it gives are what the integration does.

Each test quotes the README's words it checks. "After 10 minutes without a readable log it sends
the text again" is exercised by test_recovery.py::test_unreadable_log_waits_then_sends_blindly.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import uuid

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from custom_components.sms_dk.smsdk import SmsDkClient
from scripts.encoding_table import markdown_table
from tests.conftest import FAR, MOR
from tests.helpers import send_sms, tick
from tests.simulator import DEMO_TOKEN, LogRecord, RecordedRequest, SmsDkSimulator

README = Path(__file__).resolve().parent.parent / "README.md"
CREDITS_PATH = "/v1/user/getcreditvalue"
LISTLOG_PATH = "/v1/sms/listlog"


def credit_reads(simulator: SmsDkSimulator) -> int:
    return sum(r.path == CREDITS_PATH for r in simulator.requests)


def log_searches(simulator: SmsDkSimulator) -> list[RecordedRequest]:
    """The reads of the whole log (a lost text's search), not of one batch (delivery status)."""
    return [r for r in simulator.requests if r.path == LISTLOG_PATH and "batchId" not in r.json]


def test_encoding_table_is_current() -> None:
    """The table of sample texts in the README is what the code computes now."""
    assert markdown_table().strip() in README.read_text(encoding="utf-8")


@pytest.mark.usefixtures("init_integration")
async def test_an_outage_is_checked_every_10_s_for_10_minutes_then_every_minute(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """ "It asks SMS.dk for the credit balance ... every 10 s during the first 10 minutes of the
    outage, then every minute"."""
    simulator.faults.page_status = 502
    await send_sms(hass, MOR)  # kept: the outage starts
    reads = credit_reads(simulator)
    asked = []
    for second in range(10, 20 * 60 + 1, 10):
        await tick(hass, freezer, 10)
        asked += [second] * (credit_reads(simulator) - reads)
        reads = credit_reads(simulator)
    assert asked == [*range(10, 10 * 60 + 1, 10), *range(11 * 60, 20 * 60 + 1, 60)]


@pytest.mark.usefixtures("init_integration")
async def test_a_refused_token_is_tried_after_30_s_1_2_5_10_then_every_15_minutes(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """ "A refused token, too few credits: After 30 s, 1, 2, 5, 10 and then every 15 minutes,
    while you fix it"."""
    simulator.faults.page_status = 503
    simulator.faults.only_paths = {"/v1/sms/send"}
    await send_sms(hass, MOR)  # kept through an outage
    simulator.faults.page_status = None
    simulator.token = "rotated"
    await tick(hass, freezer, 10)  # SMS.dk answers again, and refuses the token
    tries = len(simulator.sends)
    assert tries == 2
    for wait in (30, 60, 120, 300, 600, 900, 900):
        await tick(hass, freezer, wait - 1)
        assert len(simulator.sends) == tries  # not yet
        await tick(hass, freezer, 1)
        tries += 1
        assert len(simulator.sends) == tries
    assert simulator.messages == []


@pytest.mark.usefixtures("init_integration")
async def test_the_log_is_read_no_sooner_than_15_s_after_the_lost_request(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """ "The log is read no sooner than 15 s after the lost request, so that SMS.dk has logged
    it"."""
    simulator.faults.lose_answers = 1
    await send_sms(hass, MOR, message="Indbrud")
    await tick(hass, freezer, 14)
    assert log_searches(simulator) == []
    await tick(hass, freezer, 1)
    assert len(log_searches(simulator)) == 1
    assert len(simulator.sends) == 1  # found there: not sent again


def other_record(when: timedelta, number: int, simulator: SmsDkSimulator) -> LogRecord:
    """A record of a text another system sent to Far, *when* after the lost text's."""
    return LogRecord(
        time_sent=simulator.messages[0].time_sent + when,
        dlr_status=1,
        receiver=int(FAR),
        country="DK",
        sender="Andet",
        message_size=1,
        format=0,
        message=f"Andet {number}",
        credit_cost=1.0,
        user_reference=None,
        batch_id=str(uuid.uuid4()),
        final=True,
    )


@pytest.mark.parametrize(("newer", "arrived"), [(999, 1), (1000, 2)])
@pytest.mark.usefixtures("init_integration")
async def test_the_log_is_searched_up_to_1000_records(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
    newer: int,
    arrived: int,
) -> None:
    """ "the integration reads SMS.dk's delivery log (newest first, up to 1,000 records)": the
    lost text's record behind 999 newer ones is found; behind 1,000 it is not, and the text is
    sent again."""
    simulator.faults.lose_answers = 1
    await send_sms(hass, MOR, message="Indbrud")
    simulator.messages.extend(
        other_record(timedelta(seconds=1), n, simulator) for n in range(newer)
    )
    await tick(hass, freezer, 10)
    await tick(hass, freezer, 10)
    assert [m.message for m in simulator.messages].count("Indbrud") == arrived
    pages = [(r.json["offset"], r.json["limit"]) for r in log_searches(simulator)]
    assert pages[0][0] == 0  # from the newest
    assert [offset for offset, _ in pages[1:]] == [o + n for o, n in pages[:-1]]  # page by page
    assert pages[-1][0] + pages[-1][1] == 1000


@pytest.mark.parametrize(("age", "arrived"), [(4 * 60 + 50, 1), (5 * 60 + 10, 2)])
@pytest.mark.usefixtures("init_integration")
async def test_a_record_of_the_same_text_counts_up_to_5_minutes_before(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
    age: int,
    arrived: int,
) -> None:
    """With a reference of the caller's own, "the record must also have the same text, be
    stamped no earlier than 5 minutes before the lost request": the same text sent elsewhere
    4 min 50 s before is taken for it (it is not sent); 5 min 10 s before, it is not."""
    async with aiohttp.ClientSession() as session:
        other = SmsDkClient(session, DEMO_TOKEN, base_url=simulator.url)
        await other.send(receiver=MOR, sender="SMSDKDemo", message="Indbrud", reference="alarm")
    await tick(hass, freezer, age)
    simulator.faults.drop_connection = True
    simulator.faults.only_paths = {"/v1/sms/send"}
    await send_sms(hass, MOR, message="Indbrud", reference="alarm")
    simulator.faults.drop_connection = False
    await tick(hass, freezer, 10)
    await tick(hass, freezer, 10)
    assert [m.message for m in simulator.messages] == ["Indbrud"] * arrived
