"""A "Send test text" button per recipient: one short, translated text to that recipient only."""

from __future__ import annotations

from typing import Final, override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.translation import async_get_translations

from .const import DOMAIN
from .coordinator import SmsDkConfigEntry
from .entity import SmsDkEntity, async_add_recipient_entities
from .sending import SendRequest

# Each press awaits its own send; the outbox keeps the order.
PARALLEL_UPDATES = 0

SEND_TEST = ButtonEntityDescription(
    key="send_test",
    translation_key="send_test",
    # Checking that texts arrive is configuration work, not a dashboard control.
    entity_category=EntityCategory.CONFIG,
)
# The test text is one of the integration's common strings (strings.json "common"): a text it
# sends, in the language Home Assistant speaks.
TEST_TEXT: Final = f"component.{DOMAIN}.common.test_text"


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

    def __init__(self, entry: SmsDkConfigEntry, subentry: ConfigSubentry) -> None:
        """Send to the number of *subentry*."""
        super().__init__(entry, SEND_TEST, subentry)
        self._entry = entry
        self._name = subentry.title

    @override
    async def async_press(self) -> None:
        """Send the test text (in Home Assistant's language); refusals raise, as for any text."""
        strings = await async_get_translations(
            self.hass, self.hass.config.language, "common", {DOMAIN}
        )
        outcome = await self._entry.runtime_data.sender.async_send(
            SendRequest(
                receivers=(str(self.number),), message=strings[TEST_TEXT].format(name=self._name)
            )
        )
        outcome.raise_for_rejections()
