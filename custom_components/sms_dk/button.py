"""A "Send test text" button per recipient: one short, translated text to that recipient only."""

from __future__ import annotations

from typing import override

from homeassistant.components.button import ButtonEntity
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.translation import async_get_translations

from .const import CONF_PHONE, DOMAIN
from .data import SmsDkConfigEntry
from .entity import SmsDkEntity, async_add_recipient_entities
from .models import SendRequest

# Each press awaits its own send; the outbox keeps the order.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsDkConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a test button for every recipient, now and whenever one is added."""
    async_add_recipient_entities(
        hass, entry, async_add_entities, lambda subentry: SmsDkTestButton(entry, subentry)
    )


class SmsDkTestButton(SmsDkEntity, ButtonEntity):
    """Sends a test text to one recipient; it shows like any other text (status, events)."""

    _attr_translation_key = "send_test"
    # Checking that texts arrive is configuration work, not a dashboard control.
    _attr_entity_category = EntityCategory.CONFIG

    def __init__(self, entry: SmsDkConfigEntry, subentry: ConfigSubentry) -> None:
        """Send to the number of *subentry*."""
        super().__init__(entry, f"{subentry.subentry_id}_send_test", subentry)
        self._entry = entry
        self._number: str = subentry.data[CONF_PHONE]
        self._name = subentry.title

    @override
    async def async_press(self) -> None:
        """Send the test text (in Home Assistant's language); refusals raise, as for any text."""
        message = await _async_translated(self.hass, translation_key="test_text", name=self._name)
        outcome = await self._entry.runtime_data.sender.async_send(
            SendRequest(receivers=(self._number,), message=message)
        )
        outcome.raise_for_rejections()


async def _async_translated(hass: HomeAssistant, *, translation_key: str, name: str) -> str:
    """A text kept with the translated messages, in the language Home Assistant speaks."""
    strings = await async_get_translations(hass, hass.config.language, "exceptions", {DOMAIN})
    return strings[f"component.{DOMAIN}.exceptions.{translation_key}.message"].format(name=name)
