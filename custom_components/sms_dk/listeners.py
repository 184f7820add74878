"""Change listeners for the integration's own state holders (delivery tracker, outbox)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.core import CALLBACK_TYPE, callback


class Listeners:
    """Callbacks to call when something changes: the entities that show it.

    A listener may name a key (a recipient's number, say): it is then told only of changes to
    that key, so that one text to one recipient does not make every entity write its state.
    """

    def __init__(self) -> None:
        """Start with none."""
        self._callbacks: list[tuple[str | None, CALLBACK_TYPE]] = []

    @callback
    def add(self, update: CALLBACK_TYPE, key: str | None = None) -> Callable[[], None]:
        """Call *update* on changes (to *key* only, if given); return the function that stops it."""
        entry = (key, update)
        self._callbacks.append(entry)
        return lambda: self._callbacks.remove(entry)

    @callback
    def notify(self, keys: Iterable[str] | None = None) -> None:
        """Tell the listeners of *keys* (and those of no key) that something changed.

        With no *keys*, every listener is told.
        """
        wanted = None if keys is None else set(keys)
        for key, update in list(self._callbacks):
            if wanted is None or key is None or key in wanted:
                update()
