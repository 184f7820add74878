"""Notify entities (one per recipient) and the classic notify.<name> action."""

from __future__ import annotations

from datetime import timedelta
import re

from homeassistant.components.notify import (
    ATTR_MESSAGE,
    ATTR_TITLE,
    DOMAIN as NOTIFY_DOMAIN,
    SERVICE_SEND_MESSAGE,
)
from homeassistant.components.notify.legacy import NOTIFY_SERVICES
from homeassistant.const import ATTR_ENTITY_ID, CONF_API_TOKEN, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.sms_dk.const import DOMAIN
from custom_components.sms_dk.notify import async_get_service
from tests.conftest import FAR, MOR
from tests.helpers import snapshot_one_platform
from tests.simulator import DEMO_TOKEN, SmsDkSimulator

MOR_ENTITY = "notify.mor_sms"
FAR_ENTITY = "notify.far_sms"


async def test_all_entities(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """A notify entity for each saved recipient, as set up: names, features and states."""
    await snapshot_one_platform(hass, config_entry, Platform.NOTIFY, entity_registry, snapshot)


async def test_entities_per_recipient(
    hass: HomeAssistant, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """Each saved recipient has a notify entity on the account's device."""
    for entity_id, subentry_id in ((MOR_ENTITY, "mor"), (FAR_ENTITY, "far")):
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state == STATE_UNKNOWN
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        assert entry.unique_id == f"{init_integration.entry_id}_{subentry_id}"
        assert entry.config_subentry_id == subentry_id
    assert hass.states.get(MOR_ENTITY).attributes["friendly_name"] == "Mor SMS"


@pytest.mark.usefixtures("init_integration", "freezer")
async def test_send_message_to_recipient(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """notify.send_message sends one text, title joined, and records the time."""
    now = dt_util.utcnow()
    await hass.services.async_call(
        NOTIFY_DOMAIN,
        SERVICE_SEND_MESSAGE,
        {ATTR_ENTITY_ID: MOR_ENTITY, ATTR_MESSAGE: "Døren er åben", ATTR_TITLE: "Alarm"},
        blocking=True,
    )
    body = simulator.sends[0].json
    # With no reference of the caller's, the text carries its own, to be found after a lost answer.
    assert re.fullmatch(r"ha-[0-9a-f]{16}", body.pop("userReference"))
    assert [body] == [
        {
            "receiver": int(MOR),
            "senderName": "SMSDKDemo",
            "message": "Alarm\nDøren er åben",
            "format": "gsm",
            "encoding": "utf8",
        }
    ]
    assert len(simulator.sends) == 1
    assert hass.states.get(MOR_ENTITY).state == now.isoformat()
    assert hass.states.get(FAR_ENTITY).state == STATE_UNKNOWN


@pytest.mark.usefixtures("init_integration")
async def test_send_message_rejected(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """A receiver SMS.dk rejects is an error naming it, and no time is recorded."""
    simulator.invalid_receivers.add(MOR)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            NOTIFY_DOMAIN,
            SERVICE_SEND_MESSAGE,
            {ATTR_ENTITY_ID: MOR_ENTITY, ATTR_MESSAGE: "Hej"},
            blocking=True,
        )
    assert str(err.value) == (
        "SMS.dk sent the text to 0 of 1 recipients. Rejected: "
        f"{MOR}: Phone number is not valid. (1045)"
    )
    assert hass.states.get(MOR_ENTITY).state == STATE_UNKNOWN


@pytest.mark.usefixtures("init_integration")
async def test_send_message_during_an_outage_is_kept(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """An outage does not fail the action (an automation goes on): the text is kept."""
    simulator.faults.page_status = 503
    await hass.services.async_call(
        NOTIFY_DOMAIN,
        SERVICE_SEND_MESSAGE,
        {ATTR_ENTITY_ID: MOR_ENTITY, ATTR_MESSAGE: "Hej"},
        blocking=True,
    )
    assert hass.states.get("sensor.sms_dk_queued_texts").state == "1"
    assert simulator.messages == []


@pytest.mark.usefixtures("init_integration")
async def test_classic_notify_with_targets(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """notify.sms_dk sends to the target numbers, with the data options."""
    scheduled = dt_util.now() + timedelta(hours=2)
    await hass.services.async_call(
        NOTIFY_DOMAIN,
        "sms_dk",
        {
            ATTR_MESSAGE: "Fryseren er for varm: -12 °C",
            "target": ["+45 22 11 33 44", "004540506070"],
            "data": {
                "sender": "HomeAlarm",
                "format": "unicode",
                "scheduled": scheduled.isoformat(),
                "reference": "freezer",
                "replace_characters": "on",
            },
        },
        blocking=True,
    )
    bodies = [r.json for r in simulator.sends]
    assert [b["receiver"] for b in bodies] == [int(MOR), int(FAR)]
    for body in bodies:
        assert body["senderName"] == "HomeAlarm"
        assert body["format"] == "unicode"
        assert body["userReference"] == "freezer"
        assert dt_util.parse_datetime(body["scheduled"]) == scheduled.replace(microsecond=0)


@pytest.mark.usefixtures("init_integration")
async def test_classic_notify_without_target_sends_to_everyone(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """With no target, every saved recipient gets the text."""
    await hass.services.async_call(
        NOTIFY_DOMAIN, "sms_dk", {ATTR_MESSAGE: "Strømafbrydelse"}, blocking=True
    )
    assert sorted(r.json["receiver"] for r in simulator.sends) == sorted([int(MOR), int(FAR)])


@pytest.mark.usefixtures("init_integration")
async def test_classic_notify_bad_data(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """Bad data is refused before any request, with its own message."""
    cases = [
        ({"format": "latin1"}, '"latin1" is not an encoding: use auto, gsm or unicode'),
        ({"scheduled": "tomorrow-ish"}, '"tomorrow-ish" is not a date and time'),
        (
            {"flash": True, "sheduled": "x"},
            (
                "Unknown data option: flash, sheduled. Allowed: format, ignore_limit, reference, "
                "replace_characters, scheduled, sender"
            ),
        ),
        ({"replace_characters": "maybe"}, '"maybe" is not yes or no (option replace_characters)'),
    ]
    for data, message in cases:
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                NOTIFY_DOMAIN,
                "sms_dk",
                {ATTR_MESSAGE: "Hej", "target": [MOR], "data": data},
                blocking=True,
            )
        assert str(err.value) == message
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            NOTIFY_DOMAIN, "sms_dk", {ATTR_MESSAGE: "Hej", "target": ["12"]}, blocking=True
        )
    assert str(err.value) == '"12" is not a valid phone number'
    assert simulator.sends == []


@pytest.mark.usefixtures("init_integration")
async def test_classic_notify_partial_failure(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """The accepted receivers get the text; the error names the rejected one."""
    simulator.invalid_receivers.add(FAR)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            NOTIFY_DOMAIN,
            "sms_dk",
            {ATTR_MESSAGE: "Hej", "target": [MOR, FAR]},
            blocking=True,
        )
    assert str(err.value) == (
        "SMS.dk sent the text to 1 of 2 recipients. Rejected: "
        f"{FAR}: Phone number is not valid. (1045)"
    )
    assert len(simulator.messages) == 1


async def test_classic_notify_follows_the_entry(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """A second account gets its own action; unloading removes an entry's action."""
    second = MockConfigEntry(
        domain=DOMAIN,
        title="SMS.dk",
        data={CONF_API_TOKEN: DEMO_TOKEN + "x", "url": simulator.url},
    )
    simulator.token = DEMO_TOKEN
    second.add_to_hass(hass)
    # The simulator has one token; let the second entry use it too.
    hass.config_entries.async_update_entry(
        second, data={CONF_API_TOKEN: DEMO_TOKEN, "url": simulator.url}
    )
    await hass.config_entries.async_setup(second.entry_id)
    await hass.async_block_till_done()
    assert hass.services.has_service(NOTIFY_DOMAIN, "sms_dk")
    assert hass.services.has_service(NOTIFY_DOMAIN, "sms_dk_2")

    assert await hass.config_entries.async_unload(second.entry_id)
    await hass.async_block_till_done()
    assert not hass.services.has_service(NOTIFY_DOMAIN, "sms_dk_2")
    assert hass.services.has_service(NOTIFY_DOMAIN, "sms_dk")

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.services.has_service(NOTIFY_DOMAIN, "sms_dk")
    await hass.services.async_call(
        NOTIFY_DOMAIN, "sms_dk", {ATTR_MESSAGE: "Hej", "target": [MOR]}, blocking=True
    )
    assert len(simulator.sends) == 1


async def test_classic_notify_with_nobody_to_send_to(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """No target and no saved recipient is a clear error."""
    for subentry_id in list(init_integration.subentries):
        hass.config_entries.async_remove_subentry(init_integration, subentry_id)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            NOTIFY_DOMAIN, "sms_dk", {ATTR_MESSAGE: "Hej"}, blocking=True
        )
    assert str(err.value) == "No recipient: give a phone number or save a recipient first"


@pytest.mark.usefixtures("init_integration")
async def test_classic_notify_is_not_set_up_from_yaml(hass: HomeAssistant) -> None:
    """The classic action comes from the UI entry only; a YAML platform or a stale entry id
    creates nothing."""
    assert await async_get_service(hass, {}, None) is None
    assert await async_get_service(hass, {}, {"entry_id": "gone"}) is None


async def test_unload_before_the_classic_action_exists(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """An entry unloaded right after set-up leaves no classic action behind."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert not hass.services.has_service(NOTIFY_DOMAIN, "sms_dk")


async def test_classic_action_registered_after_unload_is_not(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """If the notify integration registers the action only after the entry unloaded (its set-up
    runs in a task of its own), nothing is registered."""
    service = hass.data[NOTIFY_SERVICES][DOMAIN][0]
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()  # the action goes once the unload is over
    assert not hass.services.has_service(NOTIFY_DOMAIN, "sms_dk")
    await service.async_register_services()
    assert not hass.services.has_service(NOTIFY_DOMAIN, "sms_dk")


async def test_classic_action_names_are_kept(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """Each account keeps its action name, whatever the order entries load in, and a rename."""
    second = MockConfigEntry(
        domain=DOMAIN, title="SMS.dk", data={CONF_API_TOKEN: DEMO_TOKEN, "url": simulator.url}
    )
    second.add_to_hass(hass)
    await hass.config_entries.async_setup(second.entry_id)
    await hass.async_block_till_done()
    assert (init_integration.data["notify_name"], second.data["notify_name"]) == (
        "sms_dk",
        "sms_dk_2",
    )
    for entry in (init_integration, second):
        assert await hass.config_entries.async_unload(entry.entry_id)
    hass.config_entries.async_update_entry(init_integration, title="Hjemme")
    for entry in (second, init_integration):  # the other way round
        assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.services.has_service(NOTIFY_DOMAIN, "sms_dk")
    assert hass.services.has_service(NOTIFY_DOMAIN, "sms_dk_2")
    assert init_integration.data["notify_name"] == "sms_dk"
