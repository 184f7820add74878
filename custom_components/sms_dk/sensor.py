"""Sensors: the credit balance, and the delivery status of the last text (and per recipient)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import (
    ConfigSubentry,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONF_PHONE
from .coordinator import SmsDkCreditsCoordinator
from .data import SmsDkConfigEntry
from .delivery import LAST, DeliveryTracker
from .delivery_items import TrackedMessage
from .entity import (
    SmsDkEntity,
    async_add_recipient_entities,
    redact_number,
    service_device_info,
)
from .outbox import Outbox
from .smsdk import DeliveryStatus
from .usage import Usage

# Coordinator and tracker do the I/O; the entities only read.
PARALLEL_UPDATES = 0

STATUS_OPTIONS = [
    status.name.lower() for status in DeliveryStatus if status is not DeliveryStatus.UNKNOWN
]


@dataclass(frozen=True, kw_only=True)
class DeliveryStatusDescription(SensorEntityDescription):
    """A delivery status sensor: which message it shows, and whether it names the receiver."""

    message_fn: Callable[[DeliveryTracker, str | None], TrackedMessage | None]
    show_receiver: bool


# The unit, "credits", is translated (strings.json): no native unit is set.
CREDITS = SensorEntityDescription(
    key="credits",
    translation_key="credits",
    state_class=SensorStateClass.MEASUREMENT,
)
# How the outbox is doing is health information, not what a dashboard is for.
QUEUED = SensorEntityDescription(
    key="queued_texts",
    translation_key="queued_texts",
    state_class=SensorStateClass.MEASUREMENT,
    entity_category=EntityCategory.DIAGNOSTIC,
)
# Texts sent and credits spent: totals that only grow, for the statistics per day and month. Their
# units ("texts", "credits") are translated.
TEXTS_SENT = SensorEntityDescription(
    key="texts_sent",
    translation_key="texts_sent",
    state_class=SensorStateClass.TOTAL_INCREASING,
)
CREDITS_SPENT = SensorEntityDescription(
    key="credits_spent",
    translation_key="credits_spent",
    state_class=SensorStateClass.TOTAL_INCREASING,
)
LAST_DELIVERY = DeliveryStatusDescription(
    key="last_delivery_status",
    translation_key="last_delivery_status",
    device_class=SensorDeviceClass.ENUM,
    options=STATUS_OPTIONS,
    message_fn=lambda tracker, _: tracker.last,
    show_receiver=True,
)
RECIPIENT_DELIVERY = DeliveryStatusDescription(
    key="delivery_status",
    translation_key="delivery_status",
    device_class=SensorDeviceClass.ENUM,
    options=STATUS_OPTIONS,
    message_fn=lambda tracker, number: tracker.last_to(number or ""),
    show_receiver=False,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsDkConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's sensors, and a delivery status sensor per recipient."""
    data = entry.runtime_data
    async_add_entities(
        [
            SmsDkCreditsSensor(entry, data.coordinator),
            SmsDkQueuedTextsSensor(entry, data.outbox),
            SmsDkUsageSensor(entry, data.usage, TEXTS_SENT),
            SmsDkUsageSensor(entry, data.usage, CREDITS_SPENT),
            SmsDkDeliveryStatusSensor(entry, data.tracker, LAST_DELIVERY),
        ]
    )
    async_add_recipient_entities(
        hass,
        entry,
        async_add_entities,
        lambda subentry: SmsDkDeliveryStatusSensor(
            entry, data.tracker, RECIPIENT_DELIVERY, subentry
        ),
    )


class SmsDkCreditsSensor(CoordinatorEntity[SmsDkCreditsCoordinator], SensorEntity):
    """The account's credit balance; unavailable while SMS.dk cannot be read."""

    _attr_has_entity_name = True
    entity_description = CREDITS

    def __init__(self, entry: SmsDkConfigEntry, coordinator: SmsDkCreditsCoordinator) -> None:
        """Show *coordinator*'s balance on the account's device."""
        super().__init__(coordinator)
        self._attr_unique_id = f"{entry.entry_id}_{CREDITS.key}"
        self._attr_device_info = service_device_info(entry)

    @property
    @override
    def native_value(self) -> float | int:
        """The balance: whole, as SMS.dk charges Danish texts, shown without decimals ("250").

        A fixed display precision would either show "250.0" or round away a half credit that
        texts abroad can cost; the value as it is shows both right.
        """
        balance = self.coordinator.data
        return int(balance) if balance.is_integer() else balance


class SmsDkQueuedTextsSensor(SmsDkEntity, SensorEntity):
    """How many receivers wait for a text the outbox keeps (0 when all went out)."""

    entity_description = QUEUED

    def __init__(self, entry: SmsDkConfigEntry, outbox: Outbox) -> None:
        """Count *outbox*'s waiting receivers."""
        super().__init__(entry, QUEUED.key)
        self._outbox = outbox

    @override
    async def async_added_to_hass(self) -> None:
        """Update whenever the outbox changes."""
        await super().async_added_to_hass()
        self.async_on_remove(self._outbox.listeners.add(self.async_write_ha_state))

    @property
    @override
    def native_value(self) -> int:
        """The number of receivers still waiting."""
        return self._outbox.waiting


class SmsDkUsageSensor(SmsDkEntity, SensorEntity):
    """Texts sent, or credits spent, since the account was added."""

    def __init__(
        self, entry: SmsDkConfigEntry, usage: Usage, description: SensorEntityDescription
    ) -> None:
        """Show one of *usage*'s totals."""
        super().__init__(entry, description.key)
        self.entity_description = description
        self._usage = usage

    @override
    async def async_added_to_hass(self) -> None:
        """Update whenever SMS.dk accepts a text."""
        await super().async_added_to_hass()
        self.async_on_remove(self._usage.listeners.add(self.async_write_ha_state))

    @property
    @override
    def native_value(self) -> float | int:
        """The total (credits whole when they are, as for the balance)."""
        if self.entity_description.key == TEXTS_SENT.key:
            return self._usage.texts
        spent = round(self._usage.credits, 6)  # sums of fractions drift: 0.1 + 0.2
        return int(spent) if spent.is_integer() else spent


class SmsDkDeliveryStatusSensor(SmsDkEntity, SensorEntity):
    """The delivery status of the last text (to anyone, or to one recipient)."""

    entity_description: DeliveryStatusDescription

    def __init__(
        self,
        entry: SmsDkConfigEntry,
        tracker: DeliveryTracker,
        description: DeliveryStatusDescription,
        subentry: ConfigSubentry | None = None,
    ) -> None:
        """Follow *tracker*; for a recipient's sensor, the texts to *subentry*'s number."""
        key = f"{subentry.subentry_id}_{description.key}" if subentry else description.key
        super().__init__(entry, key, subentry)
        self.entity_description = description
        self._tracker = tracker
        self._number: str | None = subentry.data[CONF_PHONE] if subentry else None

    @property
    def _message(self) -> TrackedMessage | None:
        return self.entity_description.message_fn(self._tracker, self._number)

    @override
    async def async_added_to_hass(self) -> None:
        """Update when the tracker learns something of the message this sensor shows."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self._tracker.listeners.add(self.async_write_ha_state, self._number or LAST)
        )

    @property
    @override
    def native_value(self) -> str | None:
        """The status; unknown before the first text, or for a status SMS.dk never documented."""
        message = self._message
        if message is None or message.status is DeliveryStatus.UNKNOWN:
            return None
        return message.status_name

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """What the message was: batch, (redacted) receiver, parts, credits, time, reference."""
        if (message := self._message) is None:
            return None
        attributes: dict[str, Any] = {
            "batch_id": message.batch_id,
            "parts": message.parts,
            "credits": message.credits,
            "sent": message.sent,
            "reference": message.reference,
            "dlr_status": message.raw_status,
        }
        if self.entity_description.show_receiver:
            attributes["receiver"] = redact_number(message.receiver)
        return attributes
