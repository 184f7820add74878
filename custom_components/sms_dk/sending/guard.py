"""The spend guard: at most so many texts an hour and a day, so a loop cannot empty the account.

Every recipient of a text counts when the text is handed to SMS.dk (or to the outbox), before it
costs anything. A text that would go over a limit is not sent: the action fails with a message
naming the limit, a repair issue explains how to raise it, and the event ``sms_dk_spend_limit``
tells automations. ``ignore_limit`` lets a true emergency through (and still counts).

The counts of the last day are in the entry's journal (storage.py): each count is written with
the text it lets through, before that text's first request, so that neither a reload, a restart
nor a hard kill forgets a text the guard let through.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, NoReturn

from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..const import (
    CONF_MAX_PER_DAY,
    CONF_MAX_PER_HOUR,
    DEFAULT_MAX_PER_DAY,
    DEFAULT_MAX_PER_HOUR,
    DOMAIN,
    LOGGER,
)
from ..errors import invalid
from ..storage import SPEND, EntryJournal, Record, entry_store

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

EVENT_SPEND_LIMIT: Final = f"{DOMAIN}_spend_limit"
# The guard's journal records.
KIND: Final = "count"
HOUR: Final = timedelta(hours=1)
DAY: Final = timedelta(days=1)
MINUTE: Final = timedelta(minutes=1)


def spend_limit_issue_id(entry_id: str) -> str:
    """The id of the spend-limit repair issue of an entry."""
    return f"spend_limit_{entry_id}"


class SpendGuard:
    """Counts the texts of the last day and refuses those over the entry's limits."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, journal: EntryJournal) -> None:
        """Guard *entry* with the limits of its options; count in *journal*."""
        self._hass = hass
        self._entry = entry
        self._journal = journal
        journal.add_snapshot(self._snapshot)
        # (minute, recipients sent in it), oldest first: at most a day's 1,440 minutes are kept,
        # however many texts go out (a record per text would grow with every one).
        self._sent: deque[tuple[datetime, int]] = deque()

    async def async_load(self, records: list[Record]) -> None:
        """Restore the counts of the last day from the journal (and the store of older releases).

        The journal holds a record per count and per refund: {"k": "count", "at": minute, "n": n}.
        """
        minutes: dict[datetime, int] = {}

        migrated: list[tuple[datetime, int]] = []

        def add(at: Any, count: Any) -> tuple[datetime, int] | None:
            try:
                minute, n = datetime.fromisoformat(at), int(count)
            except TypeError, ValueError:
                return None  # not a count: nothing to add
            minutes[minute] = minutes.get(minute, 0) + n
            return minute, n

        for record in records:
            if record.get("k") == KIND:
                add(record.get("at"), record.get("n"))
        store: Store[list[list[Any]]] = entry_store(self._hass, self._entry.entry_id, SPEND)
        if (stored := await store.async_load()) is not None:
            # Before the journal: rows of [minute, count] in their own store. Taken over once.
            migrated.extend(
                count
                for row in stored
                if isinstance(row, list) and len(row) == 2 and (count := add(*row))
            )
            for minute, n in migrated:
                self._count(minute, n)
            await self._journal.async_flush()
            await store.async_remove()
        self._sent.extend((minute, n) for minute, n in sorted(minutes.items()) if n > 0)
        self._forget_old(dt_util.utcnow())

    def _snapshot(self) -> list[Record]:
        """The guard's records for a rewrite of the journal: a record per minute of the day."""
        self._forget_old(dt_util.utcnow())
        return [{"k": KIND, "at": minute.isoformat(), "n": n} for minute, n in self._sent]

    def _count(self, minute: datetime, recipients: int) -> None:
        """Write a count (or, negative, a refund) to the journal: on disk before the text goes."""
        self._journal.append({"k": KIND, "at": minute.isoformat(), "n": recipients})

    def _forget_old(self, now: datetime) -> None:
        while self._sent and now - self._sent[0][0] > DAY + MINUTE:
            self._sent.popleft()

    def count_since(self, since: datetime) -> int:
        """How many recipients were sent texts since *since* (within the last day).

        A minute counts until all of it is older than *since*: a text is forgotten up to a
        minute late, never early.
        """
        return sum(count for minute, count in self._sent if minute + MINUTE > since)

    def check(self, recipients: int, *, ignore_limit: bool) -> None:
        """Count *recipients*, or refuse them if that would go over a limit.

        The refusal is a ServiceValidationError: the user can act on it (raise the limit, or
        send with ignore_limit), and Home Assistant shows it as such rather than as a failure.
        """
        now = dt_util.utcnow()
        self._forget_old(now)
        for key, default, window, name in (
            (CONF_MAX_PER_HOUR, DEFAULT_MAX_PER_HOUR, HOUR, "hour"),
            (CONF_MAX_PER_DAY, DEFAULT_MAX_PER_DAY, DAY, "day"),
        ):
            limit = int(self._entry.options.get(key, default))
            if not limit or ignore_limit:
                continue
            sent = self.count_since(now - window)
            if sent + recipients > limit:
                self._refuse(name, limit, sent, recipients)
        if ignore_limit:
            LOGGER.info("A text to %d recipient(s) ignores the spend limits", recipients)
        minute = now.replace(second=0, microsecond=0)
        if self._sent and self._sent[-1][0] == minute:
            self._sent[-1] = (minute, self._sent[-1][1] + recipients)
        else:
            self._sent.append((minute, recipients))
        self._count(minute, recipients)
        ir.async_delete_issue(self._hass, DOMAIN, spend_limit_issue_id(self._entry.entry_id))

    def refund(self, recipients: int) -> None:
        """Give back *recipients* counted a moment ago that SMS.dk refused or that were given up."""
        if recipients <= 0:
            return
        while recipients and self._sent:
            minute, count = self._sent.pop()
            taken = min(count, recipients)
            recipients -= taken
            self._count(minute, -taken)
            if count > taken:
                self._sent.append((minute, count - taken))

    def _refuse(self, window: str, limit: int, sent: int, recipients: int) -> NoReturn:
        placeholders = {
            "title": self._entry.title,
            "limit": str(limit),
            "sent": str(sent),
            "recipients": str(recipients),
        }
        self._hass.bus.async_fire(
            EVENT_SPEND_LIMIT,
            {
                "entry_id": self._entry.entry_id,
                "limit": f"per_{window}",
                "max": limit,
                "sent": sent,
                "recipients": recipients,
            },
        )
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            spend_limit_issue_id(self._entry.entry_id),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="spend_limit",
            translation_placeholders=placeholders,
        )
        # Not logged: the caller shows the error, and the repair issue and the event tell the rest.
        if window == "hour":
            raise invalid("spend_limit_hour", **placeholders)
        raise invalid("spend_limit_day", **placeholders)
