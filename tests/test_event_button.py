"""Event entities for every step of a text, and the "Send test text" button."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from tests.conftest import FAR, MOR
from tests.helpers import send_sms, snapshot_one_platform, tick
from tests.simulator import SmsDkSimulator

ACCOUNT_EVENT = "event.sms_dk_delivery"
MOR_EVENT = "event.mor_delivery"
FAR_EVENT = "event.far_delivery"
MOR_BUTTON = "button.mor_send_test_text"


@pytest.mark.parametrize("platform", [Platform.BUTTON, Platform.EVENT])
async def test_all_entities(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """The buttons and the event entities of the account and each recipient, as set up: names,
    event types and states."""
    await snapshot_one_platform(hass, config_entry, platform, entity_registry, snapshot)


def fired(hass: HomeAssistant, entity_id: str) -> tuple[str, dict[str, Any]]:
    """The event type an event entity fired last, and its attributes."""
    state = hass.states.get(entity_id)
    assert state is not None
    attributes = dict(state.attributes)
    return attributes.pop("event_type"), attributes


@pytest.mark.usefixtures("init_integration")
async def test_event_entities_exist(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """One for the account, one per recipient, with every step as an event type."""
    for entity_id in (ACCOUNT_EVENT, MOR_EVENT, FAR_EVENT):
        state = hass.states.get(entity_id)
        assert state is not None, entity_id
        assert state.attributes["event_types"] == [
            "queued",
            "sent",
            "delivered",
            "rejected",
            "expired",
            "buffered",
            "failed",
        ]
    assert entity_registry.async_get(MOR_EVENT).translation_key == "delivery"


@pytest.mark.parametrize(("outcome", "step"), [(1, "delivered"), (2, "rejected"), (8, "buffered")])
@pytest.mark.usefixtures("init_integration")
async def test_steps_through_polling(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
    outcome: int,
    step: str,
) -> None:
    """Sent, then what the delivery log says, on the recipient's entity and the account's."""
    simulator.set_outcome(MOR, outcome)
    response = await send_sms(hass, MOR, reference="alarm")
    event_type, attributes = fired(hass, MOR_EVENT)
    assert event_type == "sent"
    assert attributes["batch_id"] == response["batch_id"]
    assert (attributes["receiver"], attributes["reference"], attributes["parts"]) == (
        MOR,
        "alarm",
        1,
    )
    await tick(hass, freezer, 5)
    await simulator.advance()
    await tick(hass, freezer, 10)
    assert fired(hass, MOR_EVENT)[0] == step
    event_type, attributes = fired(hass, ACCOUNT_EVENT)
    assert event_type == step
    assert attributes["receiver"] == f"****{MOR[-4:]}"  # the account's shows only the end
    assert hass.states.get(FAR_EVENT).state == "unknown"  # never fired for another recipient


async def test_step_through_a_delivery_report(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A delivery report on the webhook fires the step at once."""
    await async_process_ha_core_config(hass, {"external_url": "https://example.duckdns.org"})
    simulator.dlr_delay = 0
    await send_sms(hass, FAR)
    await simulator.advance()  # no report could reach the test's Home Assistant over HTTP
    record = simulator.messages[0]
    client = await hass_client_no_auth()
    webhook_id = init_integration.data["webhook_id"]
    response = await client.get(f"/api/webhook/{webhook_id}?batchId={record.batch_id}")
    assert response.status == 200
    await hass.async_block_till_done(wait_background_tasks=True)
    assert fired(hass, FAR_EVENT)[0] == "delivered"


@pytest.mark.usefixtures("init_integration")
async def test_queued_and_failed(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Kept by the outbox: queued; refused for good later: failed, with the reason."""
    simulator.faults.page_status = 503
    await send_sms(hass, MOR)
    assert fired(hass, MOR_EVENT)[0] == "queued"
    simulator.faults.page_status = None
    simulator.sender_names.remove("SMSDKDemo")
    await tick(hass, freezer, 10)
    event_type, attributes = fired(hass, MOR_EVENT)
    assert event_type == "failed"
    assert "not a approved sender name" in attributes["reason"]


@pytest.mark.usefixtures("init_integration")
async def test_rejected_at_once(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """A receiver SMS.dk refuses when the text is sent: rejected, with SMS.dk's reason."""
    simulator.invalid_receivers.add(FAR)
    await send_sms(hass, MOR, FAR)
    event_type, attributes = fired(hass, FAR_EVENT)
    assert event_type == "rejected"
    assert attributes["reason"] == "Phone number is not valid. (1045)"
    assert fired(hass, MOR_EVENT)[0] == "sent"


@pytest.mark.usefixtures("init_integration")
async def test_test_button_sends_one_text_to_its_recipient(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """The button sends one short, translated text to that recipient and nobody else; it shows
    like any other text."""
    await hass.services.async_call("button", "press", {ATTR_ENTITY_ID: MOR_BUTTON}, blocking=True)
    assert [(r.json["receiver"], r.json["message"]) for r in simulator.sends] == [
        (int(MOR), "Test from Home Assistant: SMS.dk can reach Mor.")
    ]
    assert fired(hass, MOR_EVENT)[0] == "sent"
    assert hass.states.get("sensor.mor_delivery_status").state == "pending"


async def test_test_button_in_danish(
    hass: HomeAssistant, simulator: SmsDkSimulator, config_entry: MockConfigEntry
) -> None:
    """The test text speaks Home Assistant's language."""
    await hass.config.async_update(language="da")
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    button = er.async_get(hass).async_get_entity_id(
        "button", "sms_dk", f"{config_entry.entry_id}_mor_send_test"
    )
    assert button == "button.mor_send_test_sms"  # named in Danish: "Send test-sms"
    await hass.services.async_call("button", "press", {ATTR_ENTITY_ID: button}, blocking=True)
    assert simulator.sends[0].json["message"] == "Test fra Home Assistant: SMS.dk kan nå Mor."


@pytest.mark.usefixtures("init_integration")
async def test_test_button_refused(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """A refused recipient makes the press fail with SMS.dk's reason."""
    simulator.invalid_receivers.add(MOR)
    with pytest.raises(HomeAssistantError, match="Phone number is not valid"):
        await hass.services.async_call(
            "button", "press", {ATTR_ENTITY_ID: MOR_BUTTON}, blocking=True
        )


@pytest.mark.usefixtures("init_integration")
async def test_an_undocumented_status_fires_nothing(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A dlrStatus SMS.dk never documented is no step: the entity stays at "sent"."""
    simulator.set_outcome(MOR, 16)
    await send_sms(hass, MOR)
    await tick(hass, freezer, 5)
    await simulator.advance()
    await tick(hass, freezer, 10)
    assert hass.states.get("sensor.mor_delivery_status").attributes["dlr_status"] == 16
    assert fired(hass, MOR_EVENT)[0] == "sent"
