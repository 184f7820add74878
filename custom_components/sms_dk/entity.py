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
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .compat import via_device
from .const import DOMAIN, SUBENTRY_RECIPIENT
from .data import SmsDkConfigEntry


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
    """An entity of an SMS.dk account, on the account's device or a recipient's."""

    _attr_has_entity_name = True
    # Pushed by the delivery tracker and the outbox, never polled.
    _attr_should_poll = False

    def __init__(
        self, entry: SmsDkConfigEntry, key: str, subentry: ConfigSubentry | None = None
    ) -> None:
        """Attach the entity to its device; *key* makes its unique id."""
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_device_info = (
            recipient_device_info(entry, subentry) if subentry else service_device_info(entry)
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
        for subentry_id, subentry in entry.subentries.items():
            if subentry.subentry_type != SUBENTRY_RECIPIENT or subentry_id in added:
                continue
            added.add(subentry_id)
            async_add_entities([create(subentry)], config_subentry_id=subentry_id)

    @callback
    def entry_changed(change: ConfigEntryChange, changed: ConfigEntry) -> None:
        if change is ConfigEntryChange.UPDATED and changed.entry_id == entry.entry_id:
            add_new_recipients()

    add_new_recipients()
    entry.async_on_unload(
        async_dispatcher_connect(hass, SIGNAL_CONFIG_ENTRY_CHANGED, entry_changed)
    )
