"""What an entry keeps across restarts: one store per kind, all forgotten with the entry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN

STORAGE_VERSION: Final = 1
OUTBOX: Final = "outbox"
NOT_SENT: Final = "not_sent"
DELIVERIES: Final = "deliveries"
USAGE: Final = "usage"
SPEND: Final = "spend"
KINDS: Final = (OUTBOX, NOT_SENT, DELIVERIES, USAGE, SPEND)


def entry_store[T: (Mapping[str, Any] | Sequence[Any])](
    hass: HomeAssistant, entry_id: str, kind: str
) -> Store[T]:
    """The store of *kind* (one of KINDS) of the entry *entry_id*."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.{kind}")


async def async_remove_entry_stores(hass: HomeAssistant, entry_id: str) -> None:
    """Forget everything a removed entry stored."""
    for kind in KINDS:
        store: Store[dict[str, Any]] = entry_store(hass, entry_id, kind)
        await store.async_remove()
