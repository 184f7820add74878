"""One read of the delivery log per burst (issue 15): reports close together, a poll of many
pending texts and lost-answer look-ups share reads; counted as the simulator received them."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from yarl import URL

from custom_components.sms_dk.smsdk import SmsDkClient, SmsDkError
from custom_components.sms_dk.tracking import EVENT_DELIVERY_STATUS, LogReader, tracker
from tests.conftest import FAR, MOR
from tests.helpers import no_spend_limits, send_sms, tick
from tests.simulator import DEMO_TOKEN, SmsDkSimulator

LISTLOG = "/v1/sms/listlog"
LAST = "sensor.sms_dk_last_delivery_status"
MOR_STATUS = "sensor.mor_delivery_status"
FAR_STATUS = "sensor.far_delivery_status"


def log_reads(simulator: SmsDkSimulator) -> list[dict[str, Any]]:
    """The bodies of the listlog requests the simulator received, in order."""
    return [r.json for r in simulator.log_reads]


def statuses(hass: HomeAssistant) -> tuple[str, str]:
    """The delivery status sensors of Mor and Far."""
    return hass.states.get(MOR_STATUS).state, hass.states.get(FAR_STATUS).state


def numbers(count: int) -> list[str]:
    """*count* Danish mobile numbers, none of them a saved recipient's."""
    return [f"4540{100000 + n:06d}" for n in range(count)]


async def send_from_elsewhere(simulator: SmsDkSimulator, count: int) -> None:
    """A text another system sends on the same account to *count* receivers (one request, as the
    API allows): records in the log that we do not follow."""
    async with aiohttp.ClientSession() as session:
        answer = await session.post(
            f"{simulator.url}/v1/sms/send",
            headers={"Authorization": f"Bearer {DEMO_TOKEN}"},
            json={
                "receiver": [4530000000 + n for n in range(count)],
                "senderName": "SMSDKDemo",
                "message": "Andet system",
            },
        )
        assert answer.status == 200


async def test_a_burst_of_50_reports_costs_at_most_3_reads(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    reachable: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    """50 texts to 50 recipients, reported within a second (five bursts of ten, 0.2 s apart):
    the first report is read at once, the rest together; every status and event arrives."""
    no_spend_limits(hass, init_integration)
    events = async_capture_events(hass, EVENT_DELIVERY_STATUS)
    receivers = numbers(50)
    simulator.dlr_delay = 3
    for group in range(5):
        await send_sms(hass, *receivers[group * 10 : group * 10 + 10])
        await tick(hass, freezer, 0.2)
    messages = init_integration.runtime_data.tracker.messages
    assert {m.status_name for m in messages} == {"pending"}
    assert len(messages) == 50
    reads = len(log_reads(simulator))

    await tick(hass, freezer, 2.0)  # 3 s after the first group: its reports are due
    for _ in range(5):
        await simulator.advance()  # ten reports, real HTTP calls to the webhook
        await tick(hass, freezer, 0.2)
    await tick(hass, freezer, 0.5)  # the last window closes (before any poll: 10 s)
    assert [status for _, status in simulator.dlr_calls] == [200] * 50
    burst = log_reads(simulator)[reads:]
    assert len(burst) <= 3
    # The first report's batch by itself, then the whole log for the others.
    assert set(burst[0]) == {"limit", "offset", "batchId"}
    assert all(body == {"limit": 1000, "offset": 0} for body in burst[1:])
    messages = init_integration.runtime_data.tracker.messages
    assert {m.status_name for m in messages} == {"delivered"}
    assert sorted(e.data["receiver"] for e in events) == receivers
    assert hass.states.get(LAST).state == "delivered"


@pytest.mark.usefixtures("init_integration")
async def test_the_sensor_follows_a_report_within_a_second(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    reachable: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A report is read at once; one that comes within the window of the last read waits for
    the window's end (0.5 s), never a second."""
    await send_sms(hass, MOR)
    await tick(hass, freezer, 0.3)
    await send_sms(hass, FAR)
    simulator.dlr_delay = 2
    reads = len(log_reads(simulator))
    await tick(hass, freezer, 1.8)
    await simulator.advance()  # Mor's report
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(MOR_STATUS).state == "delivered"  # without the clock moving
    assert len(log_reads(simulator)) == reads + 1

    await tick(hass, freezer, 0.3)
    await simulator.advance()  # Far's report, 0.3 s after Mor's was read
    assert hass.states.get(FAR_STATUS).state == "pending"
    await tick(hass, freezer, 0.2)  # 0.5 s after the last read
    assert hass.states.get(FAR_STATUS).state == "delivered"
    assert len(log_reads(simulator)) == reads + 2


@pytest.mark.usefixtures("init_integration")
async def test_the_window_is_counted_by_home_assistants_clock(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    reachable: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A report within the window waits for its end by Home Assistant's clock, also when its
    timer fires sooner."""
    await send_sms(hass, MOR, FAR)
    simulator.dlr_delay = 2
    await tick(hass, freezer, 2)
    reads = len(log_reads(simulator))
    await simulator.advance()  # both delivered, and reported at once
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(log_reads(simulator)) == reads + 1
    # The test plugin fires every timer due within 0.5 s of the clock: the window's fires now.
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(log_reads(simulator)) == reads + 1
    await tick(hass, freezer, 0.5)
    assert len(log_reads(simulator)) == reads + 2
    assert statuses(hass) == ("delivered", "delivered")


async def test_a_poll_of_200_pending_texts_costs_at_most_2_reads(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """200 pending texts, with 900 newer records of another system on top of them: each poll
    reads the whole log, newest first, two pages of 1,000; every text gets its status."""
    no_spend_limits(hass, init_integration)
    simulator.credits = 2000
    receivers = numbers(200)
    simulator.dlr_delay = 15
    for group in range(4):
        await send_sms(hass, *receivers[group * 50 : group * 50 + 50])
    await send_from_elsewhere(simulator, 900)
    reads = len(log_reads(simulator))

    await tick(hass, freezer, 10)  # the first poll: all still pending
    assert log_reads(simulator)[reads:] == [
        {"limit": 1000, "offset": 0},
        {"limit": 1000, "offset": 1000},
    ]
    messages = init_integration.runtime_data.tracker.messages
    assert len(messages) == 200
    assert {m.status_name for m in messages} == {"pending"}

    await tick(hass, freezer, 10)
    await simulator.advance()  # all delivered on SMS.dk's side
    reads = len(log_reads(simulator))
    await tick(hass, freezer, 10)  # the second poll, 20 s after the first
    assert len(log_reads(simulator)) - reads <= 2
    messages = init_integration.runtime_data.tracker.messages
    assert {m.status_name for m in messages} == {"delivered"}
    assert not init_integration.runtime_data.tracker.polling


@pytest.mark.usefixtures("init_integration")
async def test_a_text_beyond_the_shared_read_is_read_by_itself(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pending text the pages allowed do not reach is read by its batch; one the pages reached
    back past, but that the log does not show, is not read again."""
    monkeypatch.setattr(tracker, "SHARED_PAGE", 5)
    monkeypatch.setattr(tracker, "SHARED_PAGES", 2)
    simulator.dlr_delay = 1
    mor = (await send_sms(hass, MOR))["batch_id"]
    await tick(hass, freezer, 60)
    await send_from_elsewhere(simulator, 12)
    await tick(hass, freezer, 600)  # Mor's text has no final status yet (polls read it)
    hidden = (await send_sms(hass, FAR, message="Ikke i loggen"))["batch_id"]
    # SMS.dk's log does not show Far's text (yet): only a read by its batch would tell.
    simulator.messages = [m for m in simulator.messages if m.batch_id != hidden]
    simulator.set_outcome(MOR, 8)  # buffered
    await simulator.advance()
    reads = len(log_reads(simulator))

    await tick(hass, freezer, 10)  # the poll after Far's text
    assert log_reads(simulator)[reads:] == [
        {"limit": 5, "offset": 0},
        {"limit": 5, "offset": 5},
        {"limit": 100, "offset": 0, "batchId": mor},
    ]
    assert statuses(hass) == ("buffered", "pending")


@pytest.mark.usefixtures("init_integration")
async def test_a_log_that_does_not_name_batches_is_read_batch_by_batch(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Records without a batch cannot be told apart in the whole log: each pending batch is then
    read by itself, as before."""
    mor = (await send_sms(hass, MOR))["batch_id"]
    far = (await send_sms(hass, FAR))["batch_id"]
    await tick(hass, freezer, 5)
    await simulator.advance()
    simulator.faults.log_without_batch_id = True
    reads = len(log_reads(simulator))
    await tick(hass, freezer, 6)
    assert log_reads(simulator)[reads:] == [
        {"limit": 1000, "offset": 0},
        {"limit": 100, "offset": 0, "batchId": mor},
        {"limit": 100, "offset": 0, "batchId": far},
    ]
    assert statuses(hass) == ("delivered", "delivered")


@pytest.mark.parametrize("fault", ["page_status", "cooldown"])
@pytest.mark.usefixtures("init_integration")
async def test_a_failed_shared_read_is_polled_again(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    """A 503 or SMS.dk's cool-down on the shared read: logged at debug (no number, no text),
    nothing changes, and the next poll reads again."""
    caplog.set_level(logging.DEBUG, logger="custom_components.sms_dk")
    await send_sms(hass, MOR, FAR, message="Vandalarm")
    await tick(hass, freezer, 5)
    await simulator.advance()
    setattr(simulator.faults, fault, 503 if fault == "page_status" else 30)
    simulator.faults.only_paths = {LISTLOG}
    reads = len(log_reads(simulator))
    await tick(hass, freezer, 6)  # the poll, 10 s after the text
    assert log_reads(simulator)[reads:] == [{"limit": 1000, "offset": 0}]
    assert hass.states.get(MOR_STATUS).state == "pending"
    failed = [r for r in caplog.records if "Could not read the delivery log" in r.getMessage()]
    assert [r.levelno for r in failed] == [logging.DEBUG]
    ours = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith("custom_components.sms_dk")
    )
    assert "22113344" not in ours
    assert "Vandalarm" not in ours

    setattr(simulator.faults, fault, None)
    await tick(hass, freezer, 20)
    assert statuses(hass) == ("delivered", "delivered")


async def test_lost_answers_looked_up_together_share_one_read(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A text to Mor and Far whose two answers were lost: both are looked up in the log at once,
    in one read (they were two), and found there; neither is sent again."""
    simulator.faults.lose_answers = 2
    await send_sms(hass, MOR, FAR, message="Indbrud")
    reads = len(log_reads(simulator))
    for _ in range(3):
        await tick(hass, freezer, 10)
    assert log_reads(simulator)[reads : reads + 1] == [{"limit": 200, "offset": 0}]
    # (Polls of the texts once found read pages of 1,000, or by batch.)
    lookups = [body for body in log_reads(simulator)[reads:] if body["limit"] == 200]
    assert len(lookups) == 1
    assert [m.message for m in simulator.messages] == ["Indbrud", "Indbrud"]
    followed = init_integration.runtime_data.tracker.messages
    assert {m.receiver for m in followed} == {MOR, FAR}


# ------------------------------------------------------------------------ the reader itself


@pytest.fixture
async def reader(simulator: SmsDkSimulator) -> Any:
    """A LogReader on the simulator, and the log it reads: 30 texts, held until told."""
    async with aiohttp.ClientSession() as session:
        client = SmsDkClient(session, DEMO_TOKEN, base_url=simulator.url)
        for n in range(30):
            await client.send(receiver="4530000000", sender="SMSDKDemo", message=f"Tekst {n}")
        simulator.faults.hold = asyncio.Event()
        simulator.faults.only_paths = {LISTLOG}
        yield LogReader(client)


async def started(simulator: SmsDkSimulator, count: int) -> None:
    """Wait until the simulator received *count* listlog requests."""
    async with asyncio.timeout(5):
        while len(log_reads(simulator)) < count:
            await asyncio.sleep(0.01)


async def test_reads_within_a_read_under_way_join_it(
    simulator: SmsDkSimulator, reader: LogReader
) -> None:
    """Newest records asked for while a larger read is under way come from it: one request, the
    same records as separate reads give; a batch's read, or a range outside it, is its own."""
    whole = asyncio.ensure_future(reader.async_read(limit=20))
    await started(simulator, 1)
    newest = asyncio.ensure_future(reader.async_read(limit=5))
    second = asyncio.ensure_future(reader.async_read(limit=5, offset=5))
    beyond = asyncio.ensure_future(reader.async_read(limit=5, offset=18))
    batch = asyncio.ensure_future(reader.async_read(limit=5, batch_id="b"))
    await started(simulator, 3)
    assert simulator.faults.hold is not None
    simulator.faults.hold.set()
    pages = await asyncio.gather(whole, newest, second, beyond, batch)
    assert log_reads(simulator) == [
        {"limit": 20, "offset": 0},
        {"limit": 5, "offset": 18},
        {"limit": 5, "offset": 0, "batchId": "b"},
    ]
    alone = [await reader.async_read(limit=5, offset=offset) for offset in (0, 5)]
    assert [pages[1].entries, pages[2].entries] == [alone[0].entries, alone[1].entries]
    assert [e.message for e in pages[1].entries] == [f"Tekst {n}" for n in range(29, 24, -1)]
    assert (pages[1].offset, pages[1].limit, pages[1].total) == (0, 5, 30)


async def test_a_read_that_started_too_soon_is_not_joined(
    simulator: SmsDkSimulator, reader: LogReader
) -> None:
    """Who needs the log as it is from some time on (a report, a lost answer) reads anew when
    the read under way started before then."""
    first = asyncio.ensure_future(reader.async_read(limit=10))
    await started(simulator, 1)
    fresh = asyncio.ensure_future(reader.async_read(limit=10, started_from=dt_util.utcnow()))
    await started(simulator, 2)
    assert simulator.faults.hold is not None
    simulator.faults.hold.set()
    await asyncio.gather(first, fresh)
    assert len(log_reads(simulator)) == 2


async def test_an_error_reaches_everyone_who_joined(
    simulator: SmsDkSimulator, reader: LogReader
) -> None:
    """A failed read fails for those who joined it too, with SMS.dk's error, asked once."""
    simulator.faults.cooldown = 60
    first = asyncio.ensure_future(reader.async_read(limit=10))
    await started(simulator, 1)
    joined = asyncio.ensure_future(reader.async_read(limit=10))
    await asyncio.sleep(0)
    assert simulator.faults.hold is not None
    simulator.faults.hold.set()
    results = await asyncio.gather(first, joined, return_exceptions=True)
    assert all(isinstance(r, SmsDkError) and r.code == 1050 for r in results)
    assert len(log_reads(simulator)) == 1


async def test_cancelled_askers(simulator: SmsDkSimulator, reader: LogReader) -> None:
    """One who joined and gives up does not cut the read short; if the one who made the read is
    cancelled, those who joined read for themselves."""
    first = asyncio.ensure_future(reader.async_read(limit=10))
    await started(simulator, 1)
    quitter = asyncio.ensure_future(reader.async_read(limit=10))
    stayer = asyncio.ensure_future(reader.async_read(limit=10))
    await asyncio.sleep(0)
    quitter.cancel()
    first.cancel()
    await started(simulator, 2)  # the one left reads again
    assert simulator.faults.hold is not None
    simulator.faults.hold.set()
    page = await stayer
    assert len(page.entries) == 10
    assert quitter.cancelled()
    assert first.cancelled()
    assert len(log_reads(simulator)) == 2


@pytest.mark.usefixtures("init_integration")
async def test_a_report_repeated_while_its_batch_is_read_is_answered_by_that_read(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    reachable: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    """SMS.dk reports a text twice, the second time while the first report's read of the log
    is still under way: that one read answers both (no second read after the window)."""
    batch_id = (await send_sms(hass, MOR))["batch_id"]
    report = URL(simulator.sends[-1].json["dlrUrl"]).update_query(batchId=batch_id)
    simulator.faults.hold = asyncio.Event()
    simulator.faults.only_paths = {LISTLOG}
    reads = len(log_reads(simulator))
    for _ in range(2):
        answer = await reachable.get(report.path_qs)
        assert answer.status == 200
        for _ in range(20):
            await asyncio.sleep(0)
        assert len(log_reads(simulator)) == reads + 1  # the first report's read, held
    simulator.faults.hold.set()
    await hass.async_block_till_done(wait_background_tasks=True)
    await tick(hass, freezer, 0.6)  # past the window: nothing more to read
    assert len(log_reads(simulator)) == reads + 1
    simulator.faults.hold = None
    await tick(hass, freezer, 2.0)  # the simulator delivers (dlr_delay) and reports it
    await simulator.advance()
    await tick(hass, freezer, 0.6)
    assert hass.states.get(MOR_STATUS).state == "delivered"
