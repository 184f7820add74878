"""Devices and the base entity: a service device per account, and one per saved recipient."""

from __future__ import annotations

from homeassistant.config_entries import ConfigSubentry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity

from .const import DOMAIN
from .coordinator import SmsDkConfigEntry


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
        via_device_id=entry.runtime_data.account_device_id,
    )


class SmsDkEntity(Entity):
    """An entity of an SMS.dk account, on the account's device or a recipient's."""

    _attr_has_entity_name = True

    def __init__(
        self, entry: SmsDkConfigEntry, key: str, subentry: ConfigSubentry | None = None
    ) -> None:
        """Attach the entity to its device; *key* makes its unique id."""
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_device_info = (
            recipient_device_info(entry, subentry) if subentry else service_device_info(entry)
        )
