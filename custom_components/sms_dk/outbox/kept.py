"""What the outbox keeps, and how it is written down (so that a restart keeps it).

:class:`KeptText` is a text (or what is left of it) waiting for SMS.dk. :class:`NotSent` keeps the
texts the outbox gave up (after a day, or refused by SMS.dk later) for their repair issue, whose
fix flow offers to send them again or to discard them: it needs the text itself. At most
MAX_NOT_SENT are kept; the oldest goes first, with its repair issue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from uuid import uuid4

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store

from ..const import DOMAIN
from ..models import Prepared
from ..smsdk import MessageFormat, SmsDkError
from ..storage import NOT_SENT, entry_store

MAX_NOT_SENT: Final = 20
SAVE_DELAY: Final = 1


@dataclass(frozen=True, slots=True)
class KeptText:
    """A text (or what is left of it) waiting for SMS.dk.

    ``unverified`` maps receivers whose last request may have reached SMS.dk (its answer was
    lost) to when it was made: the delivery log is asked before they are sent the text again.
    """

    id: str
    prepared: Prepared
    queued: datetime
    attempts: int
    error: str
    unverified: dict[str, datetime] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (storage and diagnostics)."""
        # Field by field, not dataclasses.asdict (which copies recursively): this runs for every
        # text on the send path, and from_dict below reads these same keys.
        prepared = self.prepared
        return {
            "id": self.id,
            "prepared": {
                "receivers": list(prepared.receivers),
                "text": prepared.text,
                "format": prepared.format.value,
                "parts": prepared.parts,
                "sender": prepared.sender,
                "scheduled": prepared.scheduled.isoformat() if prepared.scheduled else None,
                "reference": prepared.reference,
                "send_id": prepared.send_id,
            },
            "queued": self.queued.isoformat(),
            "attempts": self.attempts,
            "error": self.error,
            "unverified": {r: when.isoformat() for r, when in self.unverified.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KeptText | None:
        """Read a stored text; None if it is not one (texts stored by 0.1 lack the new fields)."""
        try:
            prepared = data["prepared"]
            scheduled = prepared.get("scheduled")
            return cls(
                id=str(data["id"]),
                prepared=Prepared(
                    receivers=tuple(str(r) for r in prepared["receivers"]),
                    text=str(prepared["text"]),
                    format=MessageFormat(prepared["format"]),
                    parts=int(prepared["parts"]),
                    sender=str(prepared["sender"]),
                    scheduled=datetime.fromisoformat(scheduled) if scheduled else None,
                    reference=prepared.get("reference"),
                    send_id=str(prepared.get("send_id") or uuid4().hex[:16]),
                ),
                queued=datetime.fromisoformat(data["queued"]),
                attempts=int(data["attempts"]),
                error=str(data.get("error", "")),
                unverified={
                    str(r): datetime.fromisoformat(when)
                    for r, when in (data.get("unverified") or {}).items()
                },
            )
        except AttributeError, KeyError, TypeError, ValueError:
            return None


def reason(err: SmsDkError) -> str:
    """A short reason for logs, events and diagnostics (no token, no number, no text)."""
    return f"{type(err).__name__}: {err.message}"


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
        self._items: dict[str, KeptText] = {}

    async def async_load(self) -> int:
        """Read the texts kept before a restart; return how many could not be read."""
        unreadable = 0
        for data in await self._store.async_load() or []:
            if item := KeptText.from_dict(data) if isinstance(data, dict) else None:
                self._items[item.id] = item
            else:
                unreadable += 1
        return unreadable

    async def async_save(self) -> None:
        """Write the texts now (the entry unloads: the next set-up reads them)."""
        await self._store.async_save(self._stored())

    def get(self, text_id: str) -> KeptText | None:
        """The text with *text_id*, if it is still kept."""
        return self._items.get(text_id)

    @callback
    def keep(self, item: KeptText) -> None:
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

    def _stored(self) -> list[dict[str, Any]]:
        return [item.as_dict() for item in self._items.values()]

    def _save(self) -> None:
        self._store.async_delay_save(self._stored, SAVE_DELAY)
