"""Change listeners for the integration's own state holders (delivery tracker, outbox)."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import CALLBACK_TYPE, callback


class Listeners:
    """Callbacks to call when something changes: the entities that show it."""

    def __init__(self) -> None:
        """Start with none."""
        self._callbacks: list[CALLBACK_TYPE] = []

    @callback
    def add(self, update: CALLBACK_TYPE) -> Callable[[], None]:
        """Call *update* on every change; return the function that stops it."""
        self._callbacks.append(update)
        return lambda: self._callbacks.remove(update)

    @callback
    def notify(self) -> None:
        """Tell every listener that something changed."""
        for update in list(self._callbacks):
            update()
