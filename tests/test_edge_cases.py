"""Edge cases a review found: each would lose, duplicate or mis-count a text."""

from __future__ import annotations

import asyncio
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.notify.legacy import NOTIFY_SERVICES
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sms_dk.const import CONF_MAX_PER_HOUR, DOMAIN
from tests.conftest import FAR, MOR
from tests.helpers import journal_records, send_sms, tick
from tests.simulator import SmsDkSimulator
from tests.test_repairs import choose, refused_later, start_fix

EVENT_DELIVERY_STATUS = "sms_dk_delivery_status"  # the event automations listen for


async def test_a_send_after_unload_is_refused_and_not_counted(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A text handed to an entry that is unloading (and not coming back) waits for the unload,
    then gets a clear error; it uses no budget."""
    hass.config_entries.async_update_entry(init_integration, options={CONF_MAX_PER_HOUR: 2})
    # The classic action as Home Assistant holds it: a call may reach it while the entry unloads.
    service = hass.data[NOTIFY_SERVICES][DOMAIN][0]
    simulator.faults.hold = asyncio.Event()
    simulator.faults.only_paths = {"/v1/sms/send"}
    first = hass.async_create_task(send_sms(hass, MOR, message="første"))
    for _ in range(10000):
        if simulator.sends:
            break
        await asyncio.sleep(0)
    # The unload waits for the text under way; meanwhile the entry takes no new text.
    unload = hass.async_create_task(hass.config_entries.async_unload(init_integration.entry_id))
    for _ in range(20):
        await asyncio.sleep(0)
    assert init_integration.state is ConfigEntryState.UNLOAD_IN_PROGRESS
    second = hass.async_create_task(service.async_send_message("anden", target=[FAR]))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not second.done()  # it waits: the entry may be coming back
    assert len(simulator.sends) == 1
    simulator.faults.hold.set()
    assert (await first)["accepted"]
    assert await unload
    with pytest.raises(HomeAssistantError) as err:
        await second
    assert err.value.translation_key == "service_config_entry_not_loaded"
    assert len(simulator.sends) == 1
    records = journal_records(hass, init_integration.entry_id)  # on disk: the unload wrote them
    assert sum(r["n"] for r in records if r["k"] == "count") == 1  # the text that went
    # Set up again: of the hour's limit of 2, the refused text used none.
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    await send_sms(hass, FAR, message="anden")
    with pytest.raises(HomeAssistantError, match="the limit is 2"):
        await send_sms(hass, FAR, message="tredje")
    assert [m.message for m in simulator.messages] == ["første", "anden"]


async def test_a_cool_down_is_not_cut_short_by_a_credit_read(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The balance answering during a cool-down does not make the outbox try early."""
    simulator.faults.cooldown = 60
    simulator.faults.only_paths = {"/v1/sms/send"}
    await send_sms(hass, MOR)
    simulator.faults.cooldown = None
    await tick(hass, freezer, 10)
    await init_integration.runtime_data.coordinator.async_refresh()  # the balance answers
    await tick(hass, freezer, 1)
    assert simulator.messages == []
    await tick(hass, freezer, 50)
    assert len(simulator.messages) == 1


@pytest.mark.usefixtures("init_integration")
async def test_an_absurd_retry_after_is_bounded(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A Retry-After of a trillion seconds keeps the text (no crash) and waits at most a day."""
    simulator.faults.page_status = 429
    simulator.faults.retry_after_header = "1000000000000"
    simulator.faults.only_paths = {"/v1/sms/send"}
    response = await send_sms(hass, MOR)
    assert response["queued"] == [MOR]
    simulator.faults.page_status = None
    for _ in range(24):
        await tick(hass, freezer, 3600)
    await tick(hass, freezer, 60)
    assert len(simulator.messages) == 1


@pytest.mark.usefixtures("init_integration")
async def test_an_empty_log_means_not_there(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """SMS.dk's "Nothing to return" (1033) for the log: the lost text is not there; sent once."""
    simulator.faults.drop_connection = True
    simulator.faults.only_paths = {"/v1/sms/send"}
    await send_sms(hass, MOR)
    simulator.faults.drop_connection = False
    simulator.faults.error_code = 1033
    simulator.faults.only_paths = {"/v1/sms/listlog"}
    await tick(hass, freezer, 10)
    await tick(hass, freezer, 10)
    assert len(simulator.messages) == 1


@pytest.mark.usefixtures("init_integration")
async def test_an_odd_log_error_makes_the_text_wait_not_fail(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A log read that fails with a code retrying could mend is no reason to give the text up:
    it waits and asks again, and goes once the log can be read."""
    simulator.faults.lose_answers = 1
    await send_sms(hass, MOR)
    simulator.faults.error_code = 1040
    simulator.faults.only_paths = {"/v1/sms/listlog"}
    await tick(hass, freezer, 10)
    await tick(hass, freezer, 10)
    assert hass.states.get("sensor.sms_dk_queued_texts").state == "1"
    assert not [i for i in issue_registry.issues.values() if i.domain == DOMAIN]
    simulator.faults.error_code = None
    await tick(hass, freezer, 10)
    assert len(simulator.messages) == 1
    assert hass.states.get("sensor.sms_dk_queued_texts").state == "0"


async def test_refused_recipients_give_their_count_back(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """A recipient SMS.dk refuses, or a text that fails as a whole, uses none of the limit."""
    hass.config_entries.async_update_entry(init_integration, options={CONF_MAX_PER_HOUR: 2})
    simulator.invalid_receivers.add(FAR)
    await send_sms(hass, MOR, FAR)  # FAR refused: one counts
    simulator.credits = 0
    with pytest.raises(HomeAssistantError, match="enough credits"):
        await send_sms(hass, MOR)  # no credits: nothing counts
    simulator.credits = 10
    await send_sms(hass, MOR)  # the second of two
    assert len(simulator.messages) == 2


async def test_send_again_with_partial_success_keeps_the_rest(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Sent again, one recipient gets it and SMS.dk refuses the other (no credits left): the one
    not reached stays, with its repair, for another try."""
    issue = await refused_later(hass, simulator, freezer)
    simulator.sender_names.insert(0, "SMSDKDemo")
    simulator.credits = 1
    client = await hass_client()
    flow = await start_fix(hass, client, issue)
    result: dict[str, Any] = await choose(client, flow["flow_id"], "send_again")
    assert (result["type"], result["reason"]) == ("abort", "send_failed")
    assert len(simulator.messages) == 1
    kept = init_integration.runtime_data.outbox.not_sent.get(issue.data["text_id"])
    assert kept is not None
    assert kept.prepared.receivers == tuple({MOR, FAR} - {str(simulator.messages[0].receiver)})


async def test_an_old_tracker_ignores_late_news(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """After an unload, news reaching the old tracker (a try that ended late) changes nothing:
    no event, no state, no poll, no write."""
    from homeassistant.util import dt as dt_util
    from pytest_homeassistant_custom_component.common import async_capture_events

    tracker = init_integration.runtime_data.tracker
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    events = async_capture_events(hass, EVENT_DELIVERY_STATUS)
    tracker.track(
        batch_id="late",
        receiver=MOR,
        sent=dt_util.utcnow(),
        parts=1,
        cost=1.0,
        reference=None,
    )
    await hass.async_block_till_done()
    assert not tracker.polling
    assert events == []
    assert hass.states.get("event.mor_delivery").state == "unavailable"


@pytest.mark.usefixtures("init_integration")
async def test_the_back_off_for_the_user_starts_at_30_s_after_an_outage(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Tries during an outage do not count towards the back-off for a refused token or no
    credits: that one starts at 30 s, as the README says."""
    simulator.faults.page_status = 503
    simulator.faults.only_paths = {"/v1/sms/send"}
    await send_sms(hass, MOR)
    for _ in range(6):
        await tick(hass, freezer, 10)  # six tries during the outage
    simulator.faults.page_status = None
    simulator.credits = 0
    await tick(hass, freezer, 10)  # no credits now: the first try that needs the user
    tries = len(simulator.sends)
    simulator.credits = 10
    await tick(hass, freezer, 31)
    assert len(simulator.sends) == tries + 1
    assert len(simulator.messages) == 1
