"""Devices and the base entity: a service device per account, and one per saved recipient."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
    ConfigSubentry,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .compat import via_device
from .const import CONF_PHONE, DOMAIN
from .coordinator import SmsDkConfigEntry
from .models import saved_recipients, signal


def redact_number(number: str) -> str:
    """Show only the last four digits of a phone number (where every user may see it)."""
    return f"****{number[-4:]}"


def service_device_info(entry: SmsDkConfigEntry) -> DeviceInfo:
    """The device that stands for the SMS.dk account of *entry*."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        entry_type=DeviceEntryType.SERVICE,
        manufacturer="SMS.dk",
        model="SMS gateway",
        name=entry.title,
        configuration_url="https://sms.dk",
    )


def recipient_device_info(entry: SmsDkConfigEntry, subentry: ConfigSubentry) -> DeviceInfo:
    """The device of a saved recipient (a device belongs to one subentry), under the account's."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry.entry_id}_{subentry.subentry_id}")},
        entry_type=DeviceEntryType.SERVICE,
        manufacturer="SMS.dk",
        model="Recipient",
        name=subentry.title,
        **via_device(entry.runtime_data.account_device_id, (DOMAIN, entry.entry_id)),
    )


class SmsDkEntity(Entity):
    """An entity of an SMS.dk account, on the account's device or a recipient's.

    Every entity of the integration is one (the credits sensor with Home Assistant's
    CoordinatorEntity beside it). Its description's key makes its unique id, after the
    recipient's subentry id for a recipient's entity. State changes are pushed on the entry's
    dispatcher signals (models.signal), never polled.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self,
        entry: SmsDkConfigEntry,
        description: EntityDescription,
        subentry: ConfigSubentry | None = None,
    ) -> None:
        """Describe the entity and attach it to its device (the recipient's, with *subentry*)."""
        self.entity_description = description
        self._entry_id = entry.entry_id
        # The recipient's number, for a recipient's entity.
        self.number: str | None = subentry.data[CONF_PHONE] if subentry else None
        if subentry:
            self._attr_unique_id = f"{entry.entry_id}_{subentry.subentry_id}_{description.key}"
            self._attr_device_info = recipient_device_info(entry, subentry)
        else:
            self._attr_unique_id = f"{entry.entry_id}_{description.key}"
            self._attr_device_info = service_device_info(entry)

    @callback
    def async_follow(self, topic: str, key: str | None = None) -> None:
        """Write the state whenever the entry's *topic* changes (for *key* only, if given)."""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal(self._entry_id, topic, key), self.async_write_ha_state
            )
        )


@callback
def async_add_recipient_entities(
    hass: HomeAssistant,
    entry: SmsDkConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    create: Callable[[ConfigSubentry], Entity],
) -> None:
    """Add an entity per recipient, now and whenever a recipient is added (no reload needed).

    A removed recipient's entities go with its subentry: Home Assistant clears the registry.
    """
    added: set[str] = set()

    @callback
    def add_new_recipients() -> None:
        for subentry in saved_recipients(entry):
            if subentry.subentry_id in added:
                continue
            added.add(subentry.subentry_id)
            async_add_entities([create(subentry)], config_subentry_id=subentry.subentry_id)

    @callback
    def entry_changed(change: ConfigEntryChange, changed: ConfigEntry) -> None:
        if change is ConfigEntryChange.UPDATED and changed.entry_id == entry.entry_id:
            add_new_recipients()

    add_new_recipients()
    entry.async_on_unload(
        async_dispatcher_connect(hass, SIGNAL_CONFIG_ENTRY_CHANGED, entry_changed)
    )
