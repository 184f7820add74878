"""The logbook (Activity) lines of the integration's events, as the frontend reads them.

Each test records real events and reads them back with the frontend's own request
(``logbook/get_events``), so the lines are rendered by Home Assistant's logbook from what the
recorder stored, the way a user sees them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    mock_integration,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from tests.conftest import FAR, MOR
from tests.helpers import send_sms, tick
from tests.simulator import SmsDkSimulator

EVENT_DELIVERY_STATUS = "sms_dk_delivery_status"  # the event automations listen for
EVENT_OUTBOX = "sms_dk_outbox"  # the event automations listen for
ENTRY_ID = "01SMSDKENTRY"  # the conftest entry's
STRANGER = "4530405060"  # a valid Danish number that is no saved recipient


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    async_setup_recorder_instance: Any, enable_custom_integrations: None
) -> None:
    """Overrides conftest's: the recorder must be prepared before ``hass`` exists."""


@pytest.fixture
async def logbook(recorder_mock: Any, hass: HomeAssistant) -> None:
    """The logbook, on the recorder. The frontend it depends on is not installed in tests (it
    would only add the panel), so it stands in as an empty integration."""
    mock_integration(hass, MockModule("frontend"))
    assert await async_setup_component(hass, "logbook", {})


async def logbook_lines(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, since: Any
) -> list[tuple[str, str]]:
    """(name, message) of this integration's logbook lines since *since*, oldest first."""
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "logbook/get_events",
            "start_time": since.isoformat(),
            "end_time": (dt_util.utcnow() + timedelta(hours=1)).isoformat(),
        }
    )
    response = await client.receive_json()
    assert response["success"], response
    return [
        (line["name"], line["message"])
        for line in response["result"]
        if line.get("domain") == "sms_dk"
    ]


async def fire_all(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, events: list[tuple[str, Any]]
) -> None:
    """Fire *events* a second apart, so that the logbook lists them in this order."""
    for event_type, data in events:
        freezer.tick(timedelta(seconds=1))
        hass.bus.async_fire(event_type, data)


def delivery(receiver: Any, status: Any, **data: Any) -> tuple[str, dict[str, Any]]:
    return (
        EVENT_DELIVERY_STATUS,
        {
            "entry_id": ENTRY_ID,
            "batch_id": "b1",
            "receiver": receiver,
            "status": status,
            "reference": None,
            **data,
        },
    )


def outbox(status: Any, receivers: Any, **data: Any) -> tuple[str, dict[str, Any]]:
    return (
        EVENT_OUTBOX,
        {
            "entry_id": ENTRY_ID,
            "id": "q1",
            "status": status,
            "receivers": receivers,
            "reference": None,
            **data,
        },
    )


@pytest.mark.usefixtures("logbook", "init_integration")
async def test_delivery_lines(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, freezer: FrozenDateTimeFactory
) -> None:
    """Every delivery status reads as a short line, naming a saved recipient by its title and
    any other number only by its first four digits (every user can read the logbook)."""
    since = dt_util.utcnow()
    statuses = ["delivered", "rejected", "expired", "buffered", "pending", "unknown"]
    await fire_all(
        hass,
        freezer,
        [delivery(MOR, status) for status in statuses]
        + [delivery(STRANGER, status) for status in statuses],
    )
    lines = await logbook_lines(hass, hass_ws_client, since)
    assert lines == [
        ("SMS.dk", "SMS to Mor delivered"),
        ("SMS.dk", "SMS to Mor rejected"),
        ("SMS.dk", "SMS to Mor expired, not delivered"),
        ("SMS.dk", "SMS to Mor held by the phone network (phone off or out of reach)"),
        ("SMS.dk", "SMS to Mor waiting for a delivery report"),
        ("SMS.dk", "SMS to Mor: delivery status unknown"),
        ("SMS.dk", "SMS to 4530… delivered"),
        ("SMS.dk", "SMS to 4530… rejected"),
        ("SMS.dk", "SMS to 4530… expired, not delivered"),
        ("SMS.dk", "SMS to 4530… held by the phone network (phone off or out of reach)"),
        ("SMS.dk", "SMS to 4530… waiting for a delivery report"),
        ("SMS.dk", "SMS to 4530…: delivery status unknown"),
    ]
    assert not any(STRANGER in message for _, message in lines)


@pytest.mark.usefixtures("logbook", "init_integration")
async def test_outbox_lines(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, freezer: FrozenDateTimeFactory
) -> None:
    """A text kept while SMS.dk is away: queued, then sent, given up or refused; one receiver
    by name, several by their count, and the reason of a text that was not sent."""
    since = dt_util.utcnow()
    why = "SmsDkConnectionError: Cannot connect to SMS.dk"
    await fire_all(
        hass,
        freezer,
        [
            outbox("queued", [MOR]),
            outbox("queued", [MOR, FAR, STRANGER]),
            outbox("sent", [FAR], rejected=[]),
            outbox("sent", [MOR, FAR], rejected=[]),
            outbox(
                "sent",
                [MOR],
                rejected=[{"receiver": STRANGER, "code": 1045, "message": "Not valid."}],
            ),
            outbox("sent", [], rejected=[{"receiver": FAR, "code": 1045, "message": "x"}]),
            outbox("expired", [STRANGER], reason=why),
            outbox("expired", [MOR, FAR], reason=why),
            outbox("failed", [FAR], reason="SmsDkRejectedError: Sender name not approved"),
            outbox("failed", [MOR, FAR], reason="SmsDkRejectedError: Sender name not approved"),
        ],
    )
    assert await logbook_lines(hass, hass_ws_client, since) == [
        ("SMS.dk", "SMS to Mor queued (SMS.dk cannot be reached)"),
        ("SMS.dk", "SMS to 3 recipients queued (SMS.dk cannot be reached)"),
        ("SMS.dk", "Queued SMS to Far sent"),
        ("SMS.dk", "Queued SMS to 2 recipients sent"),
        ("SMS.dk", "Queued SMS to Mor sent; rejected for 4530…"),
        ("SMS.dk", "Queued SMS rejected for Far"),
        ("SMS.dk", f"SMS to 4530… not sent (given up): {why}"),
        ("SMS.dk", f"SMS to 2 recipients not sent (given up): {why}"),
        ("SMS.dk", "SMS to Far not sent (refused): SmsDkRejectedError: Sender name not approved"),
        (
            "SMS.dk",
            "SMS to 2 recipients not sent (refused): SmsDkRejectedError: Sender name not approved",
        ),
    ]


@pytest.mark.usefixtures("logbook", "init_integration")
async def test_malformed_events_still_read_sensibly(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, freezer: FrozenDateTimeFactory
) -> None:
    """Events of a removed entry, or with missing or odd fields (older releases, other senders
    of the event), still give a line each; none is dropped and nothing fails."""
    since = dt_util.utcnow()
    await fire_all(
        hass,
        freezer,
        [
            (EVENT_DELIVERY_STATUS, {}),
            (EVENT_OUTBOX, {}),
            delivery(MOR, "delivered", entry_id="gone"),  # no entry: no recipient names
            delivery(MOR, "delivered", entry_id=["not", "an", "id"]),
            delivery(int(FAR), "delivered"),  # a number as an int
            delivery("+45 22 11 33 44", "rejected"),  # as a person would write it
            delivery(None, "delivered"),
            delivery("no digits", "delivered"),
            delivery(MOR, "exploded"),
            delivery(MOR, 1),
            outbox("queued", "4522113344"),  # one receiver, not in a list
            outbox("queued", None),
            outbox("queued", {"a": 1}),
            outbox("sent", [MOR], rejected="nonsense"),
            outbox("sent", [MOR], rejected=[{"code": 1}]),
            outbox("expired", [MOR]),  # no reason
            outbox("failed", [MOR], reason="  too\n  long " + "x" * 300),
            outbox("teleported", [MOR]),
            outbox(None, [FAR]),
        ],
    )
    assert await logbook_lines(hass, hass_ws_client, since) == [
        ("SMS.dk", "SMS: delivery status unknown"),
        ("SMS.dk", "Queued SMS: status unknown"),
        ("SMS.dk", "SMS to 4522… delivered"),
        ("SMS.dk", "SMS to 4522… delivered"),
        ("SMS.dk", "SMS to Far delivered"),
        ("SMS.dk", "SMS to Mor rejected"),
        ("SMS.dk", "SMS delivered"),
        ("SMS.dk", "SMS to an unknown number delivered"),
        ("SMS.dk", "SMS to Mor: delivery status exploded"),
        ("SMS.dk", "SMS to Mor: delivery status unknown"),
        ("SMS.dk", "SMS to Mor queued (SMS.dk cannot be reached)"),
        ("SMS.dk", "SMS queued (SMS.dk cannot be reached)"),
        ("SMS.dk", "SMS queued (SMS.dk cannot be reached)"),
        ("SMS.dk", "Queued SMS to Mor sent"),
        ("SMS.dk", "Queued SMS to Mor sent; rejected for an unknown number"),
        ("SMS.dk", "SMS to Mor not sent (given up)"),
        ("SMS.dk", "SMS to Mor not sent (refused): " + ("too long " + "x" * 300)[:199] + "…"),
        ("SMS.dk", "Queued SMS to Mor: teleported"),
        ("SMS.dk", "Queued SMS to Far: status unknown"),
    ]


@pytest.mark.usefixtures("logbook")
async def test_lines_of_a_real_text(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A text to a saved recipient and to another number, delivered: two lines under the
    entry's current title (a renamed account shows its new name)."""
    hass.config_entries.async_update_entry(init_integration, title="Sommerhus")
    since = dt_util.utcnow()
    simulator.set_outcome(STRANGER, 2)
    await send_sms(hass, MOR, STRANGER)
    await tick(hass, freezer, 5)
    await simulator.advance()
    await tick(hass, freezer, 6)  # the first poll reads both statuses
    assert sorted(await logbook_lines(hass, hass_ws_client, since)) == [
        ("Sommerhus", "SMS to 4530… rejected"),
        ("Sommerhus", "SMS to Mor delivered"),
    ]
