"""Event entities: every step of a text, for automations built in the UI.

One "Delivery" event entity per recipient and one for the account. Each fires the steps of a text
(queued, sent, delivered, rejected, expired, buffered, failed), so that "when the alarm text to
Mor is rejected" is a state trigger on an entity, chosen in the automation editor, no YAML. The
bus events (sms_dk_delivery_status, sms_dk_outbox) stay as they are.
"""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SmsDkConfigEntry
from .entity import SmsDkEntity, async_add_recipient_entities, redact_number
from .models import STEPS, TOPIC_STEP, TextStep, signal

# Events are pushed by the send path; nothing to poll or to limit.
PARALLEL_UPDATES = 0

DELIVERY = EventEntityDescription(
    key="delivery_event",
    translation_key="delivery",
    event_types=list(STEPS),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsDkConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's delivery events, and one per recipient."""
    async_add_entities([SmsDkDeliveryEvent(entry)])
    async_add_recipient_entities(
        hass, entry, async_add_entities, lambda subentry: SmsDkDeliveryEvent(entry, subentry)
    )


class SmsDkDeliveryEvent(SmsDkEntity, EventEntity):
    """The steps of the texts of the account, or of those to one recipient."""

    def __init__(self, entry: SmsDkConfigEntry, subentry: ConfigSubentry | None = None) -> None:
        """Fire for every text, or (with *subentry*) for the texts to that recipient."""
        super().__init__(entry, DELIVERY, subentry)

    @override
    async def async_added_to_hass(self) -> None:
        """Listen to the entry's text steps."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, signal(self._entry_id, TOPIC_STEP), self._on_step)
        )

    @callback
    def _on_step(self, step: TextStep) -> None:
        if self.number is not None and step.receiver != self.number:
            return
        attributes: dict[str, Any] = {
            # The full number only where it is the recipient's own; the account's shows the end.
            "receiver": step.receiver if self.number else redact_number(step.receiver),
            "batch_id": step.batch_id,
            "reference": step.reference,
            "parts": step.parts,
        }
        if step.reason is not None:
            attributes["reason"] = step.reason
        self._trigger_event(step.step, attributes)
        self.async_write_ha_state()
