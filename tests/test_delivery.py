"""Delivery status: sensors, polling, delivery reports through the webhook, events, storage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_WEBHOOK_ID, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, callback
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.sms_dk.const import DOMAIN
from tests.conftest import FAR, MOR
from tests.helpers import no_spend_limits, send_sms, tick
from tests.simulator import SmsDkSimulator

EVENT_DELIVERY_STATUS = "sms_dk_delivery_status"  # the event automations listen for
LAST = "sensor.sms_dk_last_delivery_status"
MOR_STATUS = "sensor.mor_delivery_status"
FAR_STATUS = "sensor.far_delivery_status"


@pytest.mark.usefixtures("init_integration")
async def test_no_text_yet(hass: HomeAssistant) -> None:
    """Before the first text the status is unknown, without attributes."""
    state = hass.states.get(LAST)
    assert state is not None
    assert state.state == STATE_UNKNOWN
    assert state.attributes["options"] == [
        "pending",
        "delivered",
        "rejected",
        "expired",
        "buffered",
    ]
    assert "batch_id" not in state.attributes
    assert hass.states.get(MOR_STATUS).state == STATE_UNKNOWN


@pytest.mark.parametrize(
    ("outcome", "status"),
    [(1, "delivered"), (2, "rejected"), (4, "expired"), (8, "buffered")],
)
async def test_status_through_polling(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    outcome: int,
    status: str,
) -> None:
    """A sent text is pending, then polling reads its final status; events tell each change."""
    events = async_capture_events(hass, EVENT_DELIVERY_STATUS)
    simulator.set_outcome(MOR, outcome)
    response = await send_sms(hass, MOR, reference="alarm-1")
    batch_id = response["batch_id"]

    state = hass.states.get(LAST)
    assert state.state == "pending"
    assert state.attributes["batch_id"] == batch_id
    assert state.attributes["receiver"] == "****3344"
    assert state.attributes["parts"] == 1
    assert state.attributes["credits"] == 1.0
    assert state.attributes["reference"] == "alarm-1"
    assert state.attributes["sent"].tzinfo is not None
    assert hass.states.get(MOR_STATUS).state == "pending"
    assert "receiver" not in hass.states.get(MOR_STATUS).attributes

    await tick(hass, freezer, 5)
    await simulator.advance()
    await tick(hass, freezer, 6)  # the first poll, 10 s after the send
    assert hass.states.get(LAST).state == status
    assert hass.states.get(MOR_STATUS).state == status
    assert hass.states.get(FAR_STATUS).state == STATE_UNKNOWN
    assert hass.states.get(LAST).attributes["dlr_status"] == outcome
    assert [e.data for e in events] == [
        {
            "entry_id": init_integration.entry_id,
            "batch_id": batch_id,
            "receiver": MOR,
            "status": status,
            "reference": "alarm-1",
        }
    ]


async def test_polling_backs_off_and_stops(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Polling reads only pending batches, less and less often, and stops when none is left."""
    simulator.dlr_delay = 100
    await send_sms(hass, MOR)
    tracker = init_integration.runtime_data.tracker
    assert tracker.polling
    polls = []
    for seconds in (10, 20, 40):
        before = len(simulator.log_reads)
        await tick(hass, freezer, seconds - 1)
        assert len(simulator.log_reads) == before  # not yet
        await tick(hass, freezer, 1)
        polls.append(len(simulator.log_reads) - before)
    assert polls == [1, 1, 1]
    assert hass.states.get(LAST).state == "pending"

    await simulator.advance()  # 70 s: not yet due
    await tick(hass, freezer, 40)
    await simulator.advance()  # 110 s: delivered
    await tick(hass, freezer, 40)
    assert hass.states.get(LAST).state == "delivered"
    assert not tracker.polling
    before = len(simulator.log_reads)
    await tick(hass, freezer, 3600)
    assert len(simulator.log_reads) == before


@pytest.mark.usefixtures("init_integration")
async def test_gives_up_after_some_hours(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A status that never comes is not polled for ever: the log is read for up to 6 hours
    after the text (as the README says), and never after."""
    simulator.set_outcome(MOR, 8)  # buffered: not final
    await send_sms(hass, MOR)
    await tick(hass, freezer, 5)
    await simulator.advance()
    for _ in range(30):
        await tick(hass, freezer, 600)  # 5 hours
    before = len(simulator.log_reads)
    for _ in range(5):
        await tick(hass, freezer, 600)  # 5 hours 50 minutes
    assert len(simulator.log_reads) > before  # still read in the sixth hour
    for _ in range(2):
        await tick(hass, freezer, 600)  # past 6 hours
    before = len(simulator.log_reads)
    for _ in range(24):
        await tick(hass, freezer, 600)  # 4 hours more
    assert len(simulator.log_reads) == before
    assert hass.states.get(LAST).state == "buffered"


@pytest.mark.usefixtures("init_integration")
async def test_polling_survives_an_outage(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A failed log read is tried again at the next poll."""
    await send_sms(hass, MOR)
    await tick(hass, freezer, 5)
    await simulator.advance()
    simulator.faults.page_status = 503
    await tick(hass, freezer, 6)
    assert hass.states.get(LAST).state == "pending"
    simulator.faults.page_status = None
    await tick(hass, freezer, 20)
    assert hass.states.get(LAST).state == "delivered"


@pytest.mark.usefixtures("init_integration")
async def test_scheduled_text_is_followed_from_its_time(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A scheduled text is not polled before it is due."""
    from homeassistant.util import dt as dt_util

    when = dt_util.now().replace(microsecond=0) + timedelta(minutes=30)
    await send_sms(hass, MOR, scheduled=when.isoformat())
    before = len(simulator.log_reads)
    await tick(hass, freezer, 25 * 60)
    assert len(simulator.log_reads) == before
    await tick(hass, freezer, 5 * 60 + 5)
    await simulator.advance()
    await tick(hass, freezer, 60)
    assert hass.states.get(LAST).state == "delivered"


@pytest.mark.parametrize(
    ("outcome", "status"),
    [(1, "delivered"), (2, "rejected"), (4, "expired"), (8, "buffered")],
)
async def test_delivery_report_updates_at_once(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    reachable: Any,
    freezer: FrozenDateTimeFactory,
    outcome: int,
    status: str,
) -> None:
    """SMS.dk calls the webhook; the status is read from the log at once, with no poll."""
    events = async_capture_events(hass, EVENT_DELIVERY_STATUS)
    simulator.set_outcome(MOR, outcome)
    reads = len(simulator.log_reads)
    response = await send_sms(hass, MOR)
    webhook_id = init_integration.data[CONF_WEBHOOK_ID]
    dlr_url = simulator.sends[-1].json["dlrUrl"]
    assert dlr_url == f"{reachable.make_url('/')}api/webhook/{webhook_id}".replace("//api", "/api")

    freezer.tick(timedelta(seconds=3))
    await simulator.advance()  # SMS.dk sends the report (a real HTTP GET)
    await hass.async_block_till_done()
    assert simulator.dlr_calls[-1][1] == 200
    assert len(simulator.log_reads) == reads + 1  # one read, prompted by the report
    assert hass.states.get(LAST).state == status
    assert hass.states.get(MOR_STATUS).state == status
    assert [e.data["status"] for e in events] == [status]
    assert [e.data["batch_id"] for e in events] == [response["batch_id"]]


async def test_forged_reports_change_nothing(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    reachable: Any,
) -> None:
    """A forged call can only prompt a read of the log; odd calls are answered and ignored."""
    response = await send_sms(hass, MOR)
    url = f"/api/webhook/{init_integration.data[CONF_WEBHOOK_ID]}"
    reads = len(simulator.log_reads)

    for params in ({"batchId": "someone-elses"}, {}, {"foo": "bar", "dlrStatus": "1"}):
        answer = await reachable.get(url, params=params)
        assert answer.status == 200
    answer = await reachable.post(url, data=b"\x00garbage")
    assert answer.status == 200
    await hass.async_block_till_done()
    assert len(simulator.log_reads) == reads  # unknown batches are not even looked up

    answer = await reachable.get(
        url, params={"batchId": response["batch_id"], "dlrStatus": "1", "receiver": MOR}
    )
    assert answer.status == 200
    await hass.async_block_till_done()
    assert len(simulator.log_reads) == reads + 1
    assert hass.states.get(LAST).state == "pending"  # SMS.dk says pending, whatever the call said


@pytest.mark.usefixtures("init_integration")
async def test_no_external_url_means_no_dlr_url(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """Without an address SMS.dk can reach, texts go without dlrUrl (polling only)."""
    await send_sms(hass, MOR)
    assert "dlrUrl" not in simulator.sends[-1].json


async def test_pending_texts_survive_a_restart(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Tracked texts are stored; after a reload the pending one is followed again."""
    await send_sms(hass, MOR, FAR)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    stored = hass_storage[f"{DOMAIN}.{init_integration.entry_id}.deliveries"]["data"]
    assert [m["status"] for m in stored] == ["pending", "pending"]

    await tick(hass, freezer, 5)
    await simulator.advance()
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(LAST).state == "pending"
    await tick(hass, freezer, 11)
    assert hass.states.get(MOR_STATUS).state == "delivered"
    assert hass.states.get(FAR_STATUS).state == "delivered"


async def test_corrupt_storage_is_ignored(
    hass: HomeAssistant, config_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """An unreadable stored message is dropped, not fatal."""
    hass_storage[f"{DOMAIN}.{config_entry.entry_id}.deliveries"] = {
        "version": 1,
        "key": f"{DOMAIN}.{config_entry.entry_id}.deliveries",
        "data": [{"batch_id": "b"}, {"nonsense": True}],
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.runtime_data.tracker.messages == []


async def test_remembers_a_bounded_number(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """Only the most recent texts are remembered: 200, a burst to many recipients whole."""
    no_spend_limits(hass, init_integration)
    simulator.credits = 1000
    tracker = init_integration.runtime_data.tracker
    first = await send_sms(hass, MOR, FAR, message="Tekst 0")
    for number in range(1, 101):
        await send_sms(hass, MOR, FAR, message=f"Tekst {number}")
    assert len(tracker.messages) == 200
    gone = {a["batch_id"] for a in first["accepted"]}
    assert not any(tracker.knows(batch_id) for batch_id in gone)


async def test_text_without_batch_id_is_not_followed(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """Without a batch id there is nothing to look up: the text is sent, not followed."""
    simulator.faults.omit_batch_id = True
    response = await send_sms(hass, MOR)
    assert [a["receiver"] for a in response["accepted"]] == [MOR]
    assert response["batch_id"] is None
    assert init_integration.runtime_data.tracker.messages == []
    assert hass.states.get(LAST).state == STATE_UNKNOWN


async def test_log_entries_of_other_receivers_are_ignored(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Only the tracked receiver of a batch is updated from its log."""
    response = await send_sms(hass, MOR)
    tracker = init_integration.runtime_data.tracker
    tracker.track(
        batch_id=response["batch_id"],
        receiver=FAR,
        sent=hass.states.get(LAST).attributes["sent"],
        parts=1,
        cost=1.0,
        reference=None,
    )
    await tick(hass, freezer, 5)
    await simulator.advance()
    await tick(hass, freezer, 11)
    assert tracker.last_to(MOR).status_name == "delivered"
    assert tracker.last_to(FAR).status_name == "pending"


async def test_simultaneous_reports_read_once(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    reachable: Any,
) -> None:
    """Two reports for the same batch at once cause one read of the log."""
    import asyncio

    response = await send_sms(hass, MOR)
    url = f"/api/webhook/{init_integration.data[CONF_WEBHOOK_ID]}"
    reads = len(simulator.log_reads)
    simulator.faults.delay = 0.2
    simulator.faults.only_paths = {"/v1/sms/listlog"}
    answers = await asyncio.gather(
        *(reachable.get(url, params={"batchId": response["batch_id"]}) for _ in range(3))
    )
    assert [a.status for a in answers] == [200, 200, 200]
    await hass.async_block_till_done()
    assert len(simulator.log_reads) == reads + 1


@pytest.mark.usefixtures("init_integration")
async def test_last_is_the_last_sent_not_the_latest_scheduled(hass: HomeAssistant) -> None:
    """A text scheduled for later does not hide the text sent after it."""
    from homeassistant.util import dt as dt_util

    later = dt_util.now() + timedelta(hours=2)
    await send_sms(hass, MOR, scheduled=later.isoformat(), reference="later")
    await send_sms(hass, MOR, reference="now")
    assert hass.states.get(LAST).attributes["reference"] == "now"
    assert hass.states.get(MOR_STATUS).attributes["reference"] == "now"


async def test_unloaded_tracker_stops(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After unload nothing is polled, fired or written by the old tracker."""
    events = async_capture_events(hass, EVENT_DELIVERY_STATUS)
    await send_sms(hass, MOR)
    tracker = init_integration.runtime_data.tracker
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    reads = len(simulator.log_reads)
    await tick(hass, freezer, 5)
    await simulator.advance()
    await tick(hass, freezer, 3600)
    assert not tracker.polling
    assert len(simulator.log_reads) == reads
    assert events == []


async def test_a_text_updates_only_the_sensors_it_concerns(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """With 50 recipients, a text to one writes that recipient's sensor and the last-status
    sensor only (0.1 wrote all 51 for every change)."""
    from homeassistant.const import (
        CONF_API_TOKEN,
        CONF_URL,
        EVENT_STATE_CHANGED,
        EVENT_STATE_REPORTED,
    )

    from tests.conftest import recipient
    from tests.simulator import DEMO_TOKEN

    entry = MockConfigEntry(
        domain=DOMAIN,
        title="SMS.dk",
        data={CONF_API_TOKEN: DEMO_TOKEN, CONF_URL: simulator.url},
        subentries_data=[recipient(f"r{n}", f"Nr {n}", f"45401000{n:02d}") for n in range(50)],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    written: list[str] = []

    @callback
    def count(event: Any) -> None:
        if event.data["entity_id"].endswith("delivery_status"):
            written.append(event.data["entity_id"])

    @callback
    def ours(event_data: Any) -> bool:
        return str(event_data["entity_id"]).endswith("delivery_status")

    hass.bus.async_listen(EVENT_STATE_CHANGED, count)
    hass.bus.async_listen(EVENT_STATE_REPORTED, count, event_filter=ours)
    await send_sms(hass, "4540100007")
    await hass.async_block_till_done()
    assert sorted(set(written)) == ["sensor.nr_7_delivery_status", LAST]
    written.clear()
    await tick(hass, freezer, 5)
    await simulator.advance()  # delivered on SMS.dk's side
    await tick(hass, freezer, 10)  # polled: pending -> delivered
    assert hass.states.get("sensor.nr_7_delivery_status").state == "delivered"
    assert sorted(set(written)) == ["sensor.nr_7_delivery_status", LAST]
