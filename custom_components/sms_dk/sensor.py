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
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import SmsDkConfigEntry, SmsDkCreditsCoordinator
from .entity import SmsDkEntity, async_add_recipient_entities, redact_number
from .models import LAST, TOPIC_MESSAGE, TOPIC_OUTBOX, TOPIC_USAGE
from .outbox import Outbox
from .sending import Usage
from .smsdk import DeliveryStatus
from .tracking import DeliveryTracker, TrackedMessage

# Coordinator and tracker do the I/O; the entities only read.
PARALLEL_UPDATES = 0

STATUS_OPTIONS = [
    status.name.lower() for status in DeliveryStatus if status is not DeliveryStatus.UNKNOWN
]


def _whole(value: float) -> float | int:
    """Credits whole when they are ("250", as SMS.dk charges Danish texts), else as they are.

    A fixed display precision would either show "250.0" or round away a half credit that texts
    abroad can cost; the value as it is shows both right.
    """
    return int(value) if value.is_integer() else value


@dataclass(frozen=True, kw_only=True)
class UsageSensorDescription(SensorEntityDescription):
    """A usage total: how it is read from the account's usage."""

    value_fn: Callable[[Usage], float | int]


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
TEXTS_SENT = UsageSensorDescription(
    key="texts_sent",
    translation_key="texts_sent",
    state_class=SensorStateClass.TOTAL_INCREASING,
    value_fn=lambda usage: usage.texts,
)
CREDITS_SPENT = UsageSensorDescription(
    key="credits_spent",
    translation_key="credits_spent",
    state_class=SensorStateClass.TOTAL_INCREASING,
    # Sums of fractions drift (0.1 + 0.2): six decimals are finer than any price.
    value_fn=lambda usage: _whole(round(usage.credits, 6)),
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


class SmsDkCreditsSensor(SmsDkEntity, CoordinatorEntity[SmsDkCreditsCoordinator], SensorEntity):
    """The account's credit balance; unavailable while SMS.dk cannot be read."""

    def __init__(self, entry: SmsDkConfigEntry, coordinator: SmsDkCreditsCoordinator) -> None:
        """Show *coordinator*'s balance on the account's device."""
        SmsDkEntity.__init__(self, entry, CREDITS)
        CoordinatorEntity.__init__(self, coordinator)

    @property
    @override
    def native_value(self) -> float | int:
        """The balance, shown without decimals when it is whole ("250")."""
        return _whole(self.coordinator.data)


class SmsDkQueuedTextsSensor(SmsDkEntity, SensorEntity):
    """How many receivers wait for a text the outbox keeps (0 when all went out)."""

    def __init__(self, entry: SmsDkConfigEntry, outbox: Outbox) -> None:
        """Count *outbox*'s waiting receivers."""
        super().__init__(entry, QUEUED)
        self._outbox = outbox

    @override
    async def async_added_to_hass(self) -> None:
        """Update whenever the outbox changes."""
        await super().async_added_to_hass()
        self.async_follow(TOPIC_OUTBOX)

    @property
    @override
    def native_value(self) -> int:
        """The number of receivers still waiting."""
        return self._outbox.waiting


class SmsDkUsageSensor(SmsDkEntity, SensorEntity):
    """Texts sent, or credits spent, since the account was added."""

    entity_description: UsageSensorDescription

    def __init__(
        self, entry: SmsDkConfigEntry, usage: Usage, description: UsageSensorDescription
    ) -> None:
        """Show one of *usage*'s totals."""
        super().__init__(entry, description)
        self._usage = usage

    @override
    async def async_added_to_hass(self) -> None:
        """Update whenever SMS.dk accepts a text."""
        await super().async_added_to_hass()
        self.async_follow(TOPIC_USAGE)

    @property
    @override
    def native_value(self) -> float | int:
        """The total."""
        return self.entity_description.value_fn(self._usage)


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
        super().__init__(entry, description, subentry)
        self._tracker = tracker

    @property
    def _message(self) -> TrackedMessage | None:
        return self.entity_description.message_fn(self._tracker, self.number)

    @override
    async def async_added_to_hass(self) -> None:
        """Update when the tracker learns something of the message this sensor shows."""
        await super().async_added_to_hass()
        self.async_follow(TOPIC_MESSAGE, self.number or LAST)

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
