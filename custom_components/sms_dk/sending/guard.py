"""The spend guard: at most so many texts an hour and a day, so a loop cannot empty the account.

Every recipient of a text counts when the text is handed to SMS.dk (or to the outbox), before it
costs anything. A text that would go over a limit is not sent: the action fails with a message
naming the limit, a repair issue explains how to raise it, and the event ``sms_dk_spend_limit``
tells automations. ``ignore_limit`` lets a true emergency through (and still counts). The counts
of the last day are stored, so a restart does not reset them.
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
from ..storage import SPEND, entry_store

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

EVENT_SPEND_LIMIT: Final = f"{DOMAIN}_spend_limit"
SAVE_DELAY: Final = 1
HOUR: Final = timedelta(hours=1)
DAY: Final = timedelta(days=1)
MINUTE: Final = timedelta(minutes=1)


def spend_limit_issue_id(entry_id: str) -> str:
    """The id of the spend-limit repair issue of an entry."""
    return f"spend_limit_{entry_id}"


class SpendGuard:
    """Counts the texts of the last day and refuses those over the entry's limits."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Guard *entry* with the limits of its options."""
        self._hass = hass
        self._entry = entry
        self._store: Store[list[list[Any]]] = entry_store(hass, entry.entry_id, SPEND)
        # (minute, recipients sent in it), oldest first: at most a day's 1,440 minutes are kept,
        # however many texts go out (a record per text would grow with every one).
        self._sent: deque[tuple[datetime, int]] = deque()

    async def async_load(self) -> None:
        """Read the counts of the last day."""
        for row in await self._store.async_load() or []:
            try:
                self._sent.append((datetime.fromisoformat(row[0]), int(row[1])))
            except IndexError, TypeError, ValueError:
                continue
        self._forget_old(dt_util.utcnow())

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
            sent = self.count_since(now - window)
            if limit and sent + recipients > limit and not ignore_limit:
                self._refuse(name, limit, sent, recipients)
        if ignore_limit:
            LOGGER.info("A text to %d recipient(s) ignores the spend limits", recipients)
        minute = now.replace(second=0, microsecond=0)
        if self._sent and self._sent[-1][0] == minute:
            self._sent[-1] = (minute, self._sent[-1][1] + recipients)
        else:
            self._sent.append((minute, recipients))
        self._save()
        ir.async_delete_issue(self._hass, DOMAIN, spend_limit_issue_id(self._entry.entry_id))

    def refund(self, recipients: int) -> None:
        """Give back *recipients* counted a moment ago that SMS.dk refused or that were given up."""
        if recipients <= 0:
            return
        while recipients and self._sent:
            minute, count = self._sent.pop()
            taken = min(count, recipients)
            recipients -= taken
            if count > taken:
                self._sent.append((minute, count - taken))
        self._save()

    def _save(self) -> None:
        self._store.async_delay_save(
            lambda: [[when.isoformat(), count] for when, count in self._sent], SAVE_DELAY
        )

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
