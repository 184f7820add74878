"""The outbox: texts that meet an outage are kept, sent later, and survive a restart."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.sms_dk.const import DOMAIN
from tests.conftest import FAR, MOR
from tests.helpers import kept_on_disk, send_sms, tick
from tests.simulator import SmsDkSimulator

EVENT_OUTBOX = "sms_dk_outbox"  # the event automations listen for
QUEUED = "sensor.sms_dk_queued_texts"
TEXT = "Fryseren er for varm"


def texts_to(simulator: SmsDkSimulator, number: str) -> list[str]:
    return [m.message for m in simulator.messages if str(m.receiver) == number]


@pytest.mark.usefixtures("init_integration")
async def test_outage_keeps_the_text_and_sends_it_later(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The action succeeds with the text queued; it goes out when SMS.dk answers again."""
    events = async_capture_events(hass, EVENT_OUTBOX)
    assert hass.states.get(QUEUED).state == "0"
    simulator.faults.drop_connection = True
    response = await send_sms(hass, MOR, reference="freezer", message=TEXT)
    assert (response["accepted"], response["rejected"], response["queued"]) == ([], [], [MOR])
    assert hass.states.get(QUEUED).state == "1"
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("custom_components")]
    assert any("it is kept and sent when SMS.dk answers again" in line for line in ours)
    assert not any(MOR in line or "Fryseren" in line for line in ours)

    await tick(hass, freezer, 30)  # still down: kept, tried again later
    assert hass.states.get(QUEUED).state == "1"
    simulator.faults.drop_connection = False
    await tick(hass, freezer, 60)
    assert texts_to(simulator, MOR) == ["Fryseren er for varm"]
    assert simulator.sends[-1].json["userReference"] == "freezer"
    assert hass.states.get(QUEUED).state == "0"
    assert hass.states.get("sensor.sms_dk_last_delivery_status").state == "pending"
    assert [(e.data["status"], e.data["receivers"]) for e in events] == [
        ("queued", [MOR]),
        ("sent", [MOR]),
    ]
    assert events[1].data["rejected"] == []
    assert events[0].data["reference"] == "freezer"


@pytest.mark.usefixtures("init_integration")
async def test_outage_in_the_middle_keeps_only_the_rest(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Receivers that got the text are not sent it twice."""
    simulator.faults.fail_sends_after = 1
    response = await send_sms(hass, MOR, FAR, message=TEXT)
    assert [a["receiver"] for a in response["accepted"]] == [MOR]
    assert response["queued"] == [FAR]
    simulator.faults.fail_sends_after = None
    await tick(hass, freezer, 31)
    assert len(texts_to(simulator, MOR)) == 1
    assert len(texts_to(simulator, FAR)) == 1


@pytest.mark.usefixtures("init_integration")
async def test_notify_action_during_an_outage(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """The classic action does not fail on an outage either: the text is kept."""
    simulator.faults.page_status = 503
    await hass.services.async_call(
        "notify", "sms_dk", {"message": "Strømmen er gået", "target": [MOR]}, blocking=True
    )
    simulator.faults.page_status = None
    await tick(hass, freezer, 31)
    assert texts_to(simulator, MOR) == ["Strømmen er gået"]


async def test_kept_texts_survive_a_restart(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """The outbox is stored; after a restart its texts are sent, with everything they were
    sent with (sender, reference, format, schedule, text)."""
    simulator.faults.drop_connection = True
    far = dt_util.utcnow().replace(microsecond=0) + timedelta(hours=2)
    await send_sms(hass, MOR, message=TEXT)
    await send_sms(
        hass,
        FAR,
        message="Varmepumpen 🔥 stoppede",
        sender="HomeAlarm",
        reference="pumpe-7",
        scheduled=far.isoformat(),
    )
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    stored = kept_on_disk(hass, init_integration.entry_id)
    assert [item["prepared"]["receivers"] for item in stored] == [[MOR], [FAR]]

    simulator.faults.drop_connection = False
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(QUEUED).state == "2"
    await tick(hass, freezer, 31)
    assert texts_to(simulator, MOR) == ["Fryseren er for varm"]
    assert hass.states.get(QUEUED).state == "0"
    (pump,) = (m for m in simulator.messages if m.receiver == int(FAR.lstrip("+")))
    assert (pump.message, pump.sender, pump.user_reference) == (
        "Varmepumpen 🔥 stoppede",
        "HomeAlarm",
        "pumpe-7",
    )
    assert (pump.format, pump.scheduled) == (1, far)


async def test_back_online_sends_at_once(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """When the credit balance can be read again, kept texts go without waiting."""
    simulator.faults.drop_connection = True
    await send_sms(hass, MOR, message=TEXT)
    for _ in range(4):  # 20 minutes of outage: checked every 10 s, then every minute
        await tick(hass, freezer, 300)
    simulator.faults.drop_connection = False
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    await tick(hass, freezer, 0.1)
    assert texts_to(simulator, MOR) == ["Fryseren er for varm"]


@pytest.mark.usefixtures("init_integration")
async def test_cool_down_is_respected(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A cool-down is waited out before the next try."""
    simulator.faults.cooldown = 42
    simulator.faults.only_paths = {"/v1/sms/send"}
    response = await send_sms(hass, MOR, message=TEXT)
    assert response["queued"] == [MOR]
    simulator.faults.cooldown = None
    await tick(hass, freezer, 40)
    assert texts_to(simulator, MOR) == []
    await tick(hass, freezer, 3)
    assert texts_to(simulator, MOR) == ["Fryseren er for varm"]


@pytest.mark.usefixtures("init_integration")
async def test_order_is_kept(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Kept texts go out in the order they were sent."""
    simulator.faults.page_status = 503
    await send_sms(hass, MOR, message="første")
    await send_sms(hass, MOR, message="anden")
    simulator.faults.page_status = None
    await tick(hass, freezer, 61)  # the second send tried the first again: next try in 60 s
    assert texts_to(simulator, MOR) == ["første", "anden"]


async def test_a_new_text_after_an_outage_waits_behind_the_kept_one(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A text sent after SMS.dk failed is kept behind the kept one without a try of its own;
    both go, in order, at the outbox's next check (10 s), whether or not more texts come."""
    simulator.faults.page_status = 503
    await send_sms(hass, MOR, message="første")
    simulator.faults.page_status = None
    response = await send_sms(hass, MOR, message="anden")
    assert response["queued"] == [MOR]
    assert len(simulator.sends) == 1
    await tick(hass, freezer, 10)
    assert texts_to(simulator, MOR) == ["første", "anden"]
    assert hass.states.get(QUEUED).state == "0"
    assert not init_integration.runtime_data.outbox.retrying


async def test_a_new_text_waits_behind_kept_ones(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """While SMS.dk is still away, a new text is queued behind the kept one at once, without a
    request; both go out in order when SMS.dk answers."""
    simulator.faults.page_status = 503
    simulator.faults.only_paths = {"/v1/sms/send"}
    await send_sms(hass, MOR, message="første")
    attempts = len(simulator.sends)
    response = await send_sms(hass, FAR, message="anden")
    assert response["queued"] == [FAR]
    assert len(simulator.sends) == attempts  # no try: it waits for the outbox's next check
    assert hass.states.get(QUEUED).state == "2"
    items = init_integration.runtime_data.outbox.items
    assert [(i.attempts, i.error) for i in items] == [
        (1, "SmsDkServerError: SMS.dk is unavailable for now (HTTP 503)"),
        (0, "SmsDkServerError: SMS.dk is unavailable for now (HTTP 503)"),
    ]
    simulator.faults.page_status = None
    await tick(hass, freezer, 10)
    assert [m.message for m in simulator.messages] == ["første", "anden"]


@pytest.mark.usefixtures("init_integration")
async def test_given_up_after_a_day(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A text that cannot go out in a day is given up, and a repair issue says so."""
    events = async_capture_events(hass, EVENT_OUTBOX)
    simulator.faults.drop_connection = True
    await send_sms(hass, MOR, message=TEXT)
    for _ in range(100):
        await tick(hass, freezer, 900)
    assert hass.states.get(QUEUED).state == "0"
    assert [e.data["status"] for e in events][-1] == "expired"
    issues = [i for i in issue_registry.issues.values() if i.domain == DOMAIN]
    assert [i.translation_key for i in issues] == ["text_expired"]
    assert issues[0].severity is ir.IssueSeverity.ERROR
    assert issues[0].translation_placeholders["receivers"] == "1"
    assert "SmsDkConnectionError" in issues[0].translation_placeholders["reason"]


@pytest.mark.usefixtures("init_integration")
async def test_refused_later_is_dropped_and_told(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A kept text SMS.dk refuses for good (sender no longer approved) is dropped, with a repair."""
    caplog.set_level(logging.ERROR)
    events = async_capture_events(hass, EVENT_OUTBOX)
    simulator.faults.page_status = 503
    await send_sms(hass, MOR, message=TEXT)
    simulator.faults.page_status = None
    simulator.sender_names.remove("SMSDKDemo")
    await tick(hass, freezer, 31)
    assert hass.states.get(QUEUED).state == "0"
    assert events[-1].data["status"] == "failed"
    assert "1017" not in events[-1].data["reason"]
    assert "not a approved sender name" in events[-1].data["reason"]
    issues = [i for i in issue_registry.issues.values() if i.domain == DOMAIN]
    assert [i.translation_key for i in issues] == ["text_failed"]
    assert "was not sent (failed)" in caplog.text


@pytest.mark.parametrize(
    ("setup", "reauth"),
    [({"token": "rotated"}, True), ({"credits": 0}, False)],
)
async def test_needs_the_user_is_kept(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    setup: dict[str, Any],
    reauth: bool,
) -> None:
    """A refused token or no credits on retry keeps the text (the user can fix it)."""
    simulator.faults.page_status = 503
    await send_sms(hass, MOR, message=TEXT)
    simulator.faults.page_status = None
    for key, value in setup.items():
        setattr(simulator, key, value)
    await tick(hass, freezer, 31)
    assert hass.states.get(QUEUED).state == "1"
    item = init_integration.runtime_data.outbox.items[0]
    assert item.attempts == 2
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert ([f["context"]["source"] for f in flows] == [SOURCE_REAUTH]) is reauth


@pytest.mark.usefixtures("init_integration")
async def test_scheduled_text_keeps_its_time(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Sent later, a scheduled text is still scheduled; too close to schedule, it waits for its
    time and is sent then."""
    simulator.faults.drop_connection = True
    far = dt_util.utcnow().replace(microsecond=0) + timedelta(minutes=30)
    near = dt_util.utcnow().replace(microsecond=0) + timedelta(minutes=10, seconds=10)
    await send_sms(hass, MOR, message="senere", scheduled=far.isoformat())
    await send_sms(hass, FAR, message="snart", scheduled=near.isoformat())
    simulator.faults.drop_connection = False
    await tick(hass, freezer, 61)  # the second send tried the first again: next try in 60 s
    sent = {m.message: m for m in simulator.messages}
    assert sent["senere"].scheduled == far
    assert "snart" not in sent
    await tick(hass, freezer, 10 * 60 - 61 + 11)
    sent = {m.message: m for m in simulator.messages}
    assert sent["snart"].scheduled is None
    assert simulator.sends[-1].json["message"] == "snart"
    assert "scheduled" not in simulator.sends[-1].json


async def test_corrupt_outbox_storage_is_ignored(
    hass: HomeAssistant, config_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """An unreadable stored text is dropped, not fatal."""
    key = f"{DOMAIN}.{config_entry.entry_id}.outbox"
    hass_storage[key] = {"version": 1, "key": key, "data": [{"id": "x"}, {"prepared": 1}]}
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.runtime_data.outbox.items == []


@pytest.mark.parametrize("back", [True, False])
async def test_reload_during_a_retry_sends_once(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    back: bool,
) -> None:
    """A reload while a kept text is being sent lets that try finish: the text goes once,
    whether that try succeeds or fails (then the new entry sends it, the old one no more)."""
    simulator.faults.page_status = 503
    await send_sms(hass, MOR, message=TEXT)
    simulator.faults.page_status = None if back else 503
    simulator.faults.hold = asyncio.Event()
    simulator.faults.only_paths = {"/v1/sms/send"}
    freezer.tick(timedelta(seconds=31))
    async_fire_time_changed(hass)  # the retry starts, and waits for SMS.dk's answer
    while len(simulator.sends) < 2:  # the first, failed send, then the retry under way
        await asyncio.sleep(0)
    reload = hass.async_create_task(hass.config_entries.async_reload(init_integration.entry_id))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not reload.done()  # the unload waits for the try under way
    simulator.faults.hold.set()
    assert await reload
    await hass.async_block_till_done(wait_background_tasks=True)
    if back:
        assert len(simulator.sends) == 2  # the new entry did not send it again
    simulator.faults.page_status = None
    simulator.faults.hold = None
    await tick(hass, freezer, 3600)
    assert texts_to(simulator, MOR) == [TEXT]
    assert len(simulator.sends) == (2 if back else 3)
    assert hass.states.get(QUEUED).state == "0"


@pytest.mark.usefixtures("init_integration")
async def test_concurrent_texts_during_an_outage_do_not_wait_in_line(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """While SMS.dk is away, concurrent texts queue at once, without a request."""
    simulator.faults.page_status = 503
    simulator.faults.only_paths = {"/v1/sms/send"}
    await send_sms(hass, MOR, message="første")
    attempts = len(simulator.sends)
    simulator.faults.delay = 0.2
    responses = await asyncio.gather(*(send_sms(hass, FAR, message=f"nr. {n}") for n in range(3)))
    assert [r["queued"] for r in responses] == [[FAR]] * 3
    assert len(simulator.sends) == attempts  # no request: SMS.dk failed the last try


@pytest.mark.usefixtures("init_integration")
async def test_a_text_waiting_for_its_time_blocks_nothing(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A kept scheduled text waiting for its time does not hold new texts back."""
    simulator.faults.drop_connection = True
    near = dt_util.utcnow().replace(microsecond=0) + timedelta(minutes=10, seconds=20)
    await send_sms(hass, FAR, message="snart", scheduled=near.isoformat())
    simulator.faults.drop_connection = False
    await tick(hass, freezer, 31)  # due, but too close to schedule: it waits for its time
    assert hass.states.get(QUEUED).state == "1"
    response = await send_sms(hass, MOR, message="nu")
    assert [a["receiver"] for a in response["accepted"]] == [MOR]
    assert texts_to(simulator, MOR) == ["nu"]


async def test_texts_kept_by_an_older_release_are_taken_over_and_sent(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """A text an older release kept in its own store (before the journal) is sent once after the
    upgrade and that store is gone; one it cannot read raises the repair, not a silent loss."""
    key = f"{DOMAIN}.{config_entry.entry_id}.outbox"
    kept_by_0_1 = {  # no send_id, no unverified: 0.1 did not write them
        "id": "0a1b2c",
        "prepared": {
            "receivers": [MOR],
            "text": "Fryseren er varm",
            "format": "gsm",
            "parts": 1,
            "sender": "SMSDKDemo",
            "scheduled": None,
            "reference": None,
        },
        "queued": dt_util.utcnow().isoformat(),
        "attempts": 2,
        "error": "SmsDkServerError: SMS.dk is unavailable for now (HTTP 503)",
    }
    hass_storage[key] = {"version": 1, "key": key, "data": [kept_by_0_1, {"prepared": 1}]}
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [(str(m.receiver), m.message) for m in simulator.messages] == [(MOR, "Fryseren er varm")]
    assert key not in hass_storage
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"unreadable_texts_{config_entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders == {"title": "SMS.dk", "count": "1"}
    # Taken over once: a restart sends nothing more.
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(simulator.messages) == 1
