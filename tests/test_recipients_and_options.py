"""The recipient subentry flow and the options flow, through Home Assistant."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_NAME, CONF_SENDER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_dk.const import (
    CONF_LOW_CREDITS,
    CONF_PHONE,
    CONF_REPLACE_CHARACTERS,
    DOMAIN,
    SUBENTRY_RECIPIENT,
)
from tests.conftest import FAR, MOR
from tests.helpers import get_device
from tests.simulator import SmsDkSimulator


async def start_recipient_flow(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_RECIPIENT), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return result["flow_id"]


@pytest.mark.parametrize("number", ["22 33 44 55", "+4522334455", "004522334455"])
async def test_add_recipient(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry, number: str
) -> None:
    """A new recipient gets its entity at once, with the number normalised."""
    flow_id = await start_recipient_flow(hass, init_integration)
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_NAME: " Bror ", CONF_PHONE: number}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Bror"
    assert result["data"] == {CONF_PHONE: "4522334455"}
    await hass.async_block_till_done()
    assert hass.states.get("notify.bror_sms") is not None
    runtime_data = init_integration.runtime_data
    assert init_integration.state is ConfigEntryState.LOADED
    await hass.async_block_till_done()
    assert init_integration.runtime_data is runtime_data  # no reload was needed
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.bror_sms", "message": "Hej bror"},
        blocking=True,
    )
    assert simulator.sends[-1].json["receiver"] == 4522334455


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        ({CONF_NAME: "X", CONF_PHONE: "123"}, {CONF_PHONE: "invalid_phone"}),
        ({CONF_NAME: "X", CONF_PHONE: "hello"}, {CONF_PHONE: "invalid_phone"}),
        ({CONF_NAME: "X", CONF_PHONE: "+45 22 11 33 44"}, {CONF_PHONE: "recipient_exists"}),
        ({CONF_NAME: "  ", CONF_PHONE: "22334455"}, {CONF_NAME: "empty_name"}),
    ],
)
async def test_add_recipient_errors(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    user_input: dict[str, str],
    errors: dict[str, str],
) -> None:
    """Bad numbers, duplicates and empty names are refused on the form."""
    flow_id = await start_recipient_flow(hass, init_integration)
    result = await hass.config_entries.subentries.async_configure(flow_id, user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert len(init_integration.subentries) == 2


async def test_reconfigure_recipient(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """A recipient's number and name change; sends go to the new number."""
    result = await init_integration.start_subentry_reconfigure_flow(hass, "mor")
    assert result["step_id"] == "reconfigure"
    schema = result["data_schema"].schema
    suggested = {str(key): key.description["suggested_value"] for key in schema}
    assert suggested == {CONF_NAME: "Mor", CONF_PHONE: f"+{MOR}"}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Mor", CONF_PHONE: FAR}
    )
    assert result["errors"] == {CONF_PHONE: "recipient_exists"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Mormor", CONF_PHONE: "+45 31 31 74 28"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert init_integration.subentries["mor"].data == {CONF_PHONE: "4531317428"}
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.mor_sms", "message": "Nyt nummer"},
        blocking=True,
    )
    assert simulator.sends[-1].json["receiver"] == 4531317428


async def test_remove_recipient(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Removing a recipient removes its entity and device."""
    assert hass.config_entries.async_remove_subentry(init_integration, "far")
    await hass.async_block_till_done()
    assert entity_registry.async_get("notify.far_sms") is None
    assert hass.states.get("notify.far_sms") is None
    assert (
        get_device(
            device_registry, (DOMAIN, f"{init_integration.entry_id}_far"), init_integration.entry_id
        )
        is None
    )
    assert hass.states.get("notify.mor_sms") is not None


async def test_devices(
    init_integration: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    """The account is a service device; each recipient's device hangs under it."""
    account = get_device(
        device_registry, (DOMAIN, init_integration.entry_id), init_integration.entry_id
    )
    assert account is not None
    assert (account.name, account.manufacturer, account.entry_type) == (
        "SMS.dk",
        "SMS.dk",
        dr.DeviceEntryType.SERVICE,
    )
    mor = get_device(
        device_registry, (DOMAIN, f"{init_integration.entry_id}_mor"), init_integration.entry_id
    )
    assert mor is not None
    assert mor.name == "Mor"
    assert mor.via_device_id == account.id


async def test_options_flow(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """The sender is chosen among the approved names read from SMS.dk."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {}
    assert result["description_placeholders"] == {"approved": "SMSDKDemo, HomeAlarm"}
    selector = result["data_schema"].schema[CONF_SENDER]
    assert selector.config["options"] == ["SMSDKDemo", "HomeAlarm"]
    # None was chosen: the form shows the name texts go out as, the first approved one.
    key = next(key for key in result["data_schema"].schema if key == CONF_SENDER)
    assert key.description == {"suggested_value": "SMSDKDemo"}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SENDER: "Nope", CONF_REPLACE_CHARACTERS: True, CONF_LOW_CREDITS: 20},
    )
    assert result["errors"] == {CONF_SENDER: "unapproved_sender"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SENDER: "AB", CONF_REPLACE_CHARACTERS: True, CONF_LOW_CREDITS: 20}
    )
    assert result["errors"] == {CONF_SENDER: "invalid_sender"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SENDER: "HomeAlarm", CONF_REPLACE_CHARACTERS: True, CONF_LOW_CREDITS: 50},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options == {
        CONF_SENDER: "HomeAlarm",
        CONF_REPLACE_CHARACTERS: True,
        CONF_LOW_CREDITS: 50,
        "max_per_hour": 100,  # the spend guard's defaults, kept as they were shown
        "max_per_day": 500,
    }

    await hass.services.async_call(
        DOMAIN, "send_sms", {"recipients": [MOR], "message": "21 °C"}, blocking=True
    )
    body = simulator.sends[-1].json
    assert (body["senderName"], body["message"], body["format"]) == ("HomeAlarm", "21 C", "gsm")


async def test_options_flow_without_sender_list(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """If SMS.dk cannot list the names, the form says so and a typed name is accepted; the
    name in use is still shown (remembered from when SMS.dk answered)."""
    simulator.faults.only_paths = {"/v1/sendername/list"}
    simulator.faults.bad_gateway = True
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["errors"] == {"base": "sender_names_unavailable"}
    key = next(key for key in result["data_schema"].schema if key == CONF_SENDER)
    assert key.description == {"suggested_value": "SMSDKDemo"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SENDER: "", CONF_REPLACE_CHARACTERS: False, CONF_LOW_CREDITS: 0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_REPLACE_CHARACTERS: False,
        CONF_LOW_CREDITS: 0,
        "max_per_hour": 100,
        "max_per_day": 500,
    }


async def test_options_of_an_entry_that_is_not_loaded(
    hass: HomeAssistant, simulator: SmsDkSimulator, config_entry: MockConfigEntry
) -> None:
    """The options open also when the entry failed to load (a revoked token, say)."""
    simulator.token = "rotated"
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "sender_names_unavailable"}
