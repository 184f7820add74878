"""Texts the outbox gave up, kept for their repair: it offers to send them again or to discard them.

A text given up (after a day, or refused by SMS.dk later) leaves the queue but not the house: its
repair issue is a fix flow, which needs the text itself. At most MAX_NOT_SENT are kept; the oldest
goes first, with its repair issue.
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store

from .const import DOMAIN
from .outbox_items import QueuedText
from .storage import NOT_SENT, entry_store

MAX_NOT_SENT: Final = 20
SAVE_DELAY: Final = 1


def not_sent_issue_id(entry_id: str, text_id: str) -> str:
    """The id of the repair issue of a text that was not sent."""
    return f"text_not_sent_{entry_id}_{text_id}"


class NotSent:
    """The texts of one entry that the outbox gave up, by id."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Keep them in the entry's own store."""
        self._hass = hass
        self._entry_id = entry_id
        self._store: Store[list[dict[str, Any]]] = entry_store(hass, entry_id, NOT_SENT)
        self._items: dict[str, QueuedText] = {}

    async def async_load(self) -> None:
        """Read the texts kept before a restart."""
        for data in await self._store.async_load() or []:
            if item := QueuedText.from_dict(data):
                self._items[item.id] = item

    def get(self, text_id: str) -> QueuedText | None:
        """The text with *text_id*, if it is still kept."""
        return self._items.get(text_id)

    @callback
    def keep(self, item: QueuedText) -> None:
        """Keep *item* for its repair; past the bound, the oldest goes, and its repair with it."""
        self._items[item.id] = item
        while len(self._items) > MAX_NOT_SENT:
            oldest = next(iter(self._items))
            del self._items[oldest]
            ir.async_delete_issue(self._hass, DOMAIN, not_sent_issue_id(self._entry_id, oldest))
        self._save()

    @callback
    def forget(self, text_id: str) -> None:
        """Drop a text: sent again, or discarded."""
        if self._items.pop(text_id, None) is not None:
            self._save()

    def _save(self) -> None:
        self._store.async_delay_save(
            lambda: [item.as_dict() for item in self._items.values()], SAVE_DELAY
        )
