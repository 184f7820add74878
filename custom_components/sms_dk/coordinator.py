"""The data coordinator (the account's credit balance, polled), and what a loaded entry holds.

The runtime data and the typed entry alias live here, beside the coordinator that is typed with
the alias, as in core's integrations whose runtime data holds more than a coordinator: so neither
module imports the other. data.py builds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import CONF_LOW_CREDITS, CREDITS_UPDATE_INTERVAL, DEFAULT_LOW_CREDITS, DOMAIN, LOGGER
from .errors import translation_for
from .smsdk import SmsDkAuthenticationError, SmsDkClient, SmsDkError
from .storage import EntryJournal

if TYPE_CHECKING:
    from .outbox import Outbox
    from .sending import SmsSender, SpendGuard, Usage
    from .tracking import DeliveryTracker

type SmsDkConfigEntry = ConfigEntry[SmsDkRuntimeData]


@dataclass(slots=True)
class SmsDkRuntimeData:
    """What a loaded entry holds (data.py wires it)."""

    client: SmsDkClient
    coordinator: SmsDkCreditsCoordinator
    sender: SmsSender
    tracker: DeliveryTracker
    outbox: Outbox
    usage: Usage
    guard: SpendGuard
    journal: EntryJournal
    account_device_id: str

    async def async_shutdown(self) -> None:
        """Stop the engines and write everything down, once, after the platforms unloaded.

        The outbox first (it lets a try under way finish), then what the others hold; the
        journal last, rewritten to what is alive.
        """
        await self.outbox.async_shutdown()
        await self.tracker.async_shutdown()
        await self.usage.async_save()
        await self.journal.async_close()


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
            balance = await self.client.get_credits()
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
        self._check_low_credits(balance)
        return balance

    def async_set_balance(self, balance: float) -> None:
        """Take a balance read elsewhere (the outbox's check whether SMS.dk answers again)."""
        self._check_low_credits(balance)
        self.async_set_updated_data(balance)

    def _check_low_credits(self, balance: float) -> None:
        """Raise the low-credit repair issue below the threshold; clear it when topped up."""
        threshold = float(self.config_entry.options.get(CONF_LOW_CREDITS, DEFAULT_LOW_CREDITS))
        issue_id = low_credits_issue_id(self.config_entry.entry_id)
        if threshold > 0 and balance < threshold:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="low_credits",
                translation_placeholders={
                    "title": self.config_entry.title,
                    "credits": f"{balance:g}",
                    "threshold": f"{threshold:g}",
                },
            )
        else:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)


def low_credits_issue_id(entry_id: str) -> str:
    """The id of the low-credit repair issue of an entry."""
    return f"low_credits_{entry_id}"
