"""Fixtures: a real Home Assistant, and the SMS.dk simulator on loopback."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.amber import AmberSnapshotExtension

# Imported first so that this project's custom_components package shadows the test plugin's own
# (see the project's notes on pytest-homeassistant-custom-component).
from custom_components.sms_dk.const import CONF_PHONE, DOMAIN, SUBENTRY_RECIPIENT
from tests.simulator import DEMO_TOKEN, SmsDkSimulator


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load this custom integration in every test."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Syrupy's own amber snapshots in tests/__snapshots__, on every Home Assistant release.

    The test plugin for the oldest release (scripts/test --matrix) hands out Home Assistant's
    extension instead, which keeps its files in tests/snapshots/; the newest hands out syrupy's.
    """
    return snapshot.use_extension(AmberSnapshotExtension)


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


MOR = "4522113344"
FAR = "4540506070"


def recipient(subentry_id: str, title: str, number: str) -> ConfigSubentryDataWithId:
    """A saved recipient, as the subentry flow stores it."""
    return ConfigSubentryDataWithId(
        subentry_id=subentry_id,
        subentry_type=SUBENTRY_RECIPIENT,
        title=title,
        unique_id=number,
        data={CONF_PHONE: number},
    )


@pytest.fixture
def config_entry(simulator: SmsDkSimulator) -> MockConfigEntry:
    """An SMS.dk entry pointing at the simulator, with two saved recipients."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="SMS.dk",
        data={CONF_API_TOKEN: DEMO_TOKEN, CONF_URL: simulator.url},
        entry_id="01SMSDKENTRY",
        subentries_data=[recipient("mor", "Mor", MOR), recipient("far", "Far", FAR)],
    )


@pytest.fixture
async def init_integration(hass: HomeAssistant, config_entry: MockConfigEntry) -> MockConfigEntry:
    """The entry, set up."""
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


@pytest.fixture
async def reachable(hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator) -> Any:
    """Home Assistant's HTTP server on loopback, set as its external URL (as if port-forwarded):
    SMS.dk (the simulator) reaches the webhook with its delivery reports."""
    client = await hass_client_no_auth()
    await async_process_ha_core_config(
        hass, {"external_url": str(client.make_url("/")).rstrip("/")}
    )
    return client


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """A configuration folder of the test's own: the entry's journal is a real file there.

    The journal (custom_components/sms_dk/storage.py) is written with fsync, beside Home
    Assistant's stores; each test starts with none.
    """
    return hass_tmp_config_dir
