"""The data coordinator: the account's credit balance, polled; and what a loaded entry holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import CREDITS_UPDATE_INTERVAL, DOMAIN, LOGGER
from .errors import translation_for
from .smsdk import SmsDkAuthenticationError, SmsDkClient, SmsDkError

if TYPE_CHECKING:
    from .notify import SmsDkNotificationService
    from .sender import SmsSender

type SmsDkConfigEntry = ConfigEntry[SmsDkRuntimeData]


@dataclass(slots=True)
class SmsDkRuntimeData:
    """What a loaded entry holds."""

    client: SmsDkClient
    coordinator: SmsDkCreditsCoordinator
    sender: SmsSender
    account_device_id: str
    legacy_notify: SmsDkNotificationService | None = None


class SmsDkCreditsCoordinator(DataUpdateCoordinator[float]):
    """Polls the credit balance (a modest interval: it changes only when texts are sent)."""

    config_entry: SmsDkConfigEntry

    def __init__(self, hass: HomeAssistant, entry: SmsDkConfigEntry, client: SmsDkClient) -> None:
        """Poll *client* for *entry*."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=CREDITS_UPDATE_INTERVAL,
        )
        self.client = client

    async def _async_update_data(self) -> float:
        try:
            return await self.client.get_credits()
        except SmsDkAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except SmsDkError as err:
            key, placeholders = translation_for(err)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=key,
                translation_placeholders=placeholders,
            ) from err
