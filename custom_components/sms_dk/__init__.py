"""The SMS.dk integration: send text messages through the Danish SMS gateway SMS.dk."""

from __future__ import annotations

from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .const import CONF_API_TOKEN, DOMAIN
from .coordinator import SmsDkConfigEntry, SmsDkCreditsCoordinator, SmsDkRuntimeData
from .smsdk import SmsDkClient

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
PLATFORMS: list[str] = []


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the integration (its actions are registered here in a later step)."""
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SmsDkConfigEntry) -> bool:
    """Set up an SMS.dk account: the first credit read checks the token and the connection."""
    client = SmsDkClient(
        async_get_clientsession(hass), entry.data[CONF_API_TOKEN], base_url=entry.data[CONF_URL]
    )
    coordinator = SmsDkCreditsCoordinator(hass, entry, client)
    # Raises ConfigEntryAuthFailed (re-authentication) or ConfigEntryNotReady (retried later).
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = SmsDkRuntimeData(client=client, coordinator=coordinator)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SmsDkConfigEntry) -> bool:
    """Unload an SMS.dk account."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
