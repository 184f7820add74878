"""Setting up and unloading an entry against the simulator."""

from __future__ import annotations

import asyncio
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_dk.const import CONF_DEFAULT_SENDER, DOMAIN
from custom_components.sms_dk.smsdk import (
    SmsDkApiError,
    SmsDkAuthenticationError,
    SmsDkClient,
    SmsDkError,
    SmsDkInsufficientCreditsError,
    SmsDkMalformedResponseError,
    SmsDkNotFoundError,
    SmsDkRateLimitError,
    SmsDkServerError,
)
from tests.conftest import MOR
from tests.helpers import send_sms, tick, ticking
from tests.simulator import DEMO_TOKEN, Faults, SmsDkSimulator


async def test_setup_and_unload(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """The entry loads after reading the credits, and unloads."""
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data.coordinator.data == simulator.credits
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED


async def test_setup_with_revoked_token_starts_reauth(
    hass: HomeAssistant, simulator: SmsDkSimulator, config_entry: MockConfigEntry
) -> None:
    """An authentication error at set-up asks the user for a new token."""
    simulator.token = "rotated"
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == config_entry.entry_id


async def test_setup_during_an_outage_keeps_texts(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Starting while SMS.dk is down still loads the entry (after a power cut Home Assistant is
    often up before the internet): texts are kept, credits unavailable, and all recovers."""
    # A first, normal start remembers the default sender name.
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.data[CONF_DEFAULT_SENDER] == "SMSDKDemo"
    assert await hass.config_entries.async_unload(config_entry.entry_id)

    simulator.faults.drop_connection = True
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert "SMS.dk cannot be reached now" in caplog.text
    assert hass.states.get("sensor.sms_dk_credits").state == STATE_UNAVAILABLE
    assert config_entry.runtime_data.sender.sender_names is None

    response = await send_sms(hass, MOR, message="Strømmen er tilbage")
    assert response["queued"] == [MOR]

    simulator.faults.drop_connection = False
    await tick(hass, freezer, 31 * 60)  # the next credit read succeeds: everything recovers
    assert float(hass.states.get("sensor.sms_dk_credits").state) == 99.0
    assert [m.message for m in simulator.messages] == ["Strømmen er tilbage"]
    assert simulator.sends[-1].json["senderName"] == "SMSDKDemo"
    assert config_entry.runtime_data.sender.sender_names == ("SMSDKDemo", "HomeAlarm")


@pytest.mark.parametrize(
    ("fault", "value"),
    [
        ("delay", 60.0),  # no answer: longer than the 15 s timeout
        ("drop_connection", True),
        ("page_status", 503),
        ("cooldown", 30),
        ("malformed_json", True),  # an answer that is not SMS.dk's
    ],
)
async def test_an_outage_does_not_stop_the_set_up(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: str,
    value: object,
) -> None:
    """No answer, no connection, a 5xx page, a cool-down or an answer that is not SMS.dk's:
    the entry loads (rather than retrying later), says so once, and the credits sensor is
    unavailable. (That texts are kept then: test_setup_during_an_outage_keeps_texts.)"""
    setattr(simulator.faults, fault, value)
    config_entry.add_to_hass(hass)
    assert await ticking(hass, freezer, hass.config_entries.async_setup(config_entry.entry_id), 1)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert caplog.text.count("SMS.dk cannot be reached now") == 1
    assert hass.states.get("sensor.sms_dk_credits").state == STATE_UNAVAILABLE
    if fault == "delay":
        await ticking(hass, freezer, asyncio.sleep(60), 1)  # the late answer, to nobody


@pytest.mark.parametrize(
    ("fault", "value", "message"),
    [
        ("server_error", True, "SMS.dk has a problem on its side (HTTP 500). Try again later"),
        ("bad_gateway", True, "SMS.dk has a problem on its side (HTTP 502). Try again later"),
        (
            "html_404",
            True,
            (
                "SMS.dk answered something unexpected (HTTP 404). Check the API address or try "
                "again later"
            ),
        ),
        (
            "drop_connection",
            True,
            "Could not reach SMS.dk. Check the network connection of Home Assistant",
        ),
        ("delay", 60.0, "SMS.dk did not answer in time"),  # longer than the 15 s timeout
        ("cooldown", 42, "SMS.dk asks to wait 42 seconds before the next request (cool-down)"),
    ],
)
async def test_credit_refresh_failures_are_explained(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    fault: str,
    value: object,
    message: str,
) -> None:
    """A failed credit refresh keeps a translated, specific reason, and recovers."""
    coordinator = init_integration.runtime_data.coordinator
    setattr(simulator.faults, fault, value)
    # The frozen clock moves on while the refresh waits: an unanswered read times out.
    await ticking(hass, freezer, coordinator.async_refresh(), step=1)
    assert not coordinator.last_update_success
    assert str(coordinator.last_exception) == message
    assert DEMO_TOKEN not in str(coordinator.last_exception)

    setattr(simulator.faults, fault, getattr(Faults(), fault))
    if fault == "delay":
        await ticking(hass, freezer, asyncio.sleep(60), step=1)  # the late answer, to nobody
    await coordinator.async_refresh()
    assert coordinator.last_update_success


async def test_token_revoked_while_running_starts_reauth(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """A token revoked after set-up asks the user for a new one at the next refresh."""
    simulator.token = "rotated"
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


@pytest.mark.parametrize(
    ("error", "key", "placeholders"),
    [
        (
            SmsDkNotFoundError("Nothing to return", code=1033),
            "api_error",
            {"code": "1033", "message": "Nothing to return"},
        ),
        (SmsDkApiError("Teapot"), "api_error", {"code": "?", "message": "Teapot"}),
        (SmsDkRateLimitError("There is a cool down. remaining:"), "cool_down_unknown", {}),
        (SmsDkAuthenticationError("Invalid token.", code=1054), "auth_failed", {}),
        (SmsDkInsufficientCreditsError("x", code=1030), "insufficient_credits", {}),
        (SmsDkMalformedResponseError("x"), "malformed_response", {"http_status": "?"}),
        (SmsDkServerError("x"), "server_error", {"http_status": "?"}),
    ],
)
async def test_each_client_error_is_explained(
    init_integration: MockConfigEntry, error: SmsDkError, key: str, placeholders: dict[str, str]
) -> None:
    """Each error of the client reaches the user as a message of its own (translated), with
    SMS.dk's code and words where it gave them."""
    coordinator = init_integration.runtime_data.coordinator
    with patch.object(SmsDkClient, "get_credits", side_effect=error):
        await coordinator.async_refresh()
    err = coordinator.last_exception
    assert isinstance(err, HomeAssistantError)
    assert (err.translation_key, err.translation_placeholders or {}) == (key, placeholders)
    assert str(err) not in ("", key)  # the translated text
