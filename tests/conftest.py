"""Fixtures: a real Home Assistant, and the SMS.dk simulator on loopback."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

# Imported first so that this project's custom_components package shadows the test plugin's own
# (see the project's notes on pytest-homeassistant-custom-component).
from custom_components.sms_dk.const import CONF_API_TOKEN, DOMAIN
from tests.simulator import DEMO_TOKEN, SmsDkSimulator


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load this custom integration in every test."""


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncGenerator[SmsDkSimulator]:
    """The SMS.dk simulator, serving on a free loopback port for one test.

    Sockets are enabled for the test (Home Assistant's test plugin blocks them by default), but
    connections stay limited to 127.0.0.1.
    """
    sim = SmsDkSimulator()
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
def config_entry(simulator: SmsDkSimulator) -> MockConfigEntry:
    """An SMS.dk entry pointing at the simulator."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="SMS.dk",
        data={CONF_API_TOKEN: DEMO_TOKEN, CONF_URL: simulator.url},
        entry_id="01SMSDKENTRY",
    )


@pytest.fixture
async def init_integration(hass: HomeAssistant, config_entry: MockConfigEntry) -> MockConfigEntry:
    """The entry, set up."""
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry
