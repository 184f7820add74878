"""Usage: texts sent and credits spent, for Home Assistant's statistics.

Counted from what SMS.dk accepted, once per accepted recipient: an outbox retry counts only the
recipients it got accepted, and a text found in the log after a lost answer is accepted once.
The totals only grow (``total_increasing`` sensors) and are stored, so a restart keeps them.
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store

from ..models import TOPIC_USAGE, TryResult, signal
from ..storage import USAGE, entry_store

SAVE_DELAY: Final = 5


class Usage:
    """The account's running totals."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Keep them in the entry's own store."""
        self._hass = hass
        self._store: Store[dict[str, Any]] = entry_store(hass, entry_id, USAGE)
        self._signal = signal(entry_id, TOPIC_USAGE)
        self.texts = 0
        self.credits = 0.0

    async def async_load(self) -> None:
        """Read the totals stored before a restart."""
        data = await self._store.async_load() or {}
        try:
            self.texts = int(data.get("texts", 0))
            self.credits = float(data.get("credits", 0.0))
        except TypeError, ValueError:
            self.texts, self.credits = 0, 0.0

    async def async_save(self) -> None:
        """Write the totals now (the entry unloads: the next set-up reads them)."""
        await self._store.async_save(self._stored())

    def _stored(self) -> dict[str, Any]:
        return {"texts": self.texts, "credits": self.credits}

    @callback
    def count(self, tried: TryResult) -> None:
        """Add what SMS.dk accepted in *tried*."""
        self.texts += len(tried.accepted)
        self.credits += tried.credits
        # A hard kill may lose the last few seconds of these; a reload or a stop loses nothing.
        self._store.async_delay_save(self._stored, SAVE_DELAY)
        async_dispatcher_send(self._hass, self._signal)
