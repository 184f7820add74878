"""The outbox: texts that met an outage are kept and sent when SMS.dk answers again.

A send that fails because SMS.dk cannot be reached, fails on its side or asks for a cool-down is
not lost: what was not sent goes here, is stored (so a restart keeps it), and is tried again with
a growing interval, or as soon as the credit balance can be read again. Texts are tried in the
order they were queued. After a day a text is given up, and a text SMS.dk refuses for good (an
unapproved sender, say) is dropped: both raise a repair issue, so nothing disappears silently.

A timeout may hide a text SMS.dk did send; trying again may then deliver it twice. For alarms a
duplicate is better than a loss.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final
from uuid import uuid4

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER, SCHEDULE_MIN_AHEAD
from .listeners import Listeners
from .sender import Prepared, is_temporary
from .smsdk import (
    MessageFormat,
    SmsDkAuthenticationError,
    SmsDkError,
    SmsDkInsufficientCreditsError,
    SmsDkRateLimitError,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .coordinator import SmsDkConfigEntry
    from .sender import Delivery

EVENT_OUTBOX: Final = f"{DOMAIN}_outbox"
# Give a text up after this long: a day-old alarm is no longer news.
KEEP_FOR: Final = timedelta(hours=24)
RETRY_DELAYS: Final = (30, 60, 120, 300, 600, 900)
STORAGE_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class QueuedText:
    """A text (or what is left of it) waiting for SMS.dk."""

    id: str
    prepared: Prepared
    queued: datetime
    attempts: int
    error: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (storage and diagnostics)."""
        prepared = asdict(self.prepared)
        prepared["format"] = self.prepared.format.value
        prepared["receivers"] = list(self.prepared.receivers)
        prepared["scheduled"] = (
            self.prepared.scheduled.isoformat() if self.prepared.scheduled else None
        )
        return {
            "id": self.id,
            "prepared": prepared,
            "queued": self.queued.isoformat(),
            "attempts": self.attempts,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QueuedText | None:
        """Read a stored text; None if it is not one."""
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
                ),
                queued=datetime.fromisoformat(data["queued"]),
                attempts=int(data["attempts"]),
                error=str(data.get("error", "")),
            )
        except AttributeError, KeyError, TypeError, ValueError:
            return None


def _reason(err: SmsDkError) -> str:
    """A short reason for logs, events and diagnostics (no token, no number, no text)."""
    return f"{type(err).__name__}: {err.message}"


def _store(hass: HomeAssistant, entry_id: str) -> Store[list[dict[str, Any]]]:
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.outbox")


async def async_remove_outbox(hass: HomeAssistant, entry_id: str) -> None:
    """Forget the stored texts of a removed entry."""
    await _store(hass, entry_id).async_remove()


class Outbox:
    """Keeps the texts of one account that could not be sent yet, and sends them later."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmsDkConfigEntry,
        deliver: Callable[[Prepared], Awaitable[Delivery]],
    ) -> None:
        """Deliver queued texts with *deliver* (the sender's own delivery)."""
        self._hass = hass
        self._entry = entry
        self._deliver = deliver
        self._store = _store(hass, entry.entry_id)
        self._items: list[QueuedText] = []
        self.listeners = Listeners()
        self._lock = asyncio.Lock()
        self._cancel_retry: CALLBACK_TYPE | None = None
        self._retry_job = HassJob(self._async_retry, "sms_dk outbox", cancel_on_shutdown=True)
        # Whether the last try failed: then a new text waits behind the kept ones.
        self._blocked = False
        # Set at unload: an old outbox must neither retry nor write any more.
        self._closed = False

    @property
    def items(self) -> list[QueuedText]:
        """The waiting texts, oldest first."""
        return list(self._items)

    @property
    def waiting(self) -> int:
        """How many receivers wait for a text."""
        return sum(len(item.prepared.receivers) for item in self._items)

    @property
    def retrying(self) -> bool:
        """Whether a retry is scheduled."""
        return self._cancel_retry is not None

    @property
    def blocked(self) -> bool:
        """Whether kept texts wait because SMS.dk failed them (not just for their time)."""
        return self._blocked and bool(self._items)

    async def async_load(self) -> None:
        """Restore the stored texts and try them soon."""
        for data in await self._store.async_load() or []:
            if item := QueuedText.from_dict(data):
                self._items.append(item)
        if self._items:
            self._blocked = True
            self._schedule(RETRY_DELAYS[0])

    async def async_shutdown(self) -> None:
        """Stop retrying and write the texts down (the entry unloads or reloads).

        A retry under way is let finish first (cut short, it could not tell which receivers
        SMS.dk took, and the next start would send them again).
        """
        self._closed = True
        self._cancel()
        async with self._lock:
            await self._store.async_save(self._stored())

    async def async_add(self, prepared: Prepared, err: SmsDkError | None) -> None:
        """Keep *prepared* for later, as *err* kept it from SMS.dk.

        With no *err* the text was not tried: it waits its turn behind the texts kept before.
        """
        item = QueuedText(
            id=uuid4().hex,
            prepared=prepared,
            queued=dt_util.utcnow(),
            attempts=1 if err else 0,
            error=_reason(err) if err else self._items[0].error,
        )
        self._items.append(item)
        if err is not None:
            self._blocked = True
            LOGGER.warning(
                "SMS.dk could not take a text now (%s); it is kept and sent when SMS.dk answers"
                " again",
                item.error,
            )
        else:
            LOGGER.info("A text waits behind %d kept text(s)", len(self._items) - 1)
        self._fire(item, "queued", prepared.receivers)
        await self._store.async_save(self._stored())
        self.listeners.notify()
        if err is not None or not self.retrying:
            self._schedule(self._delay(err, max(item.attempts, 1)))

    @callback
    def async_retry_soon(self) -> None:
        """Try now (SMS.dk answers again): called when the credit balance could be read."""
        if self._items:
            self._schedule(0)

    def _stored(self) -> list[dict[str, Any]]:
        return [item.as_dict() for item in self._items]

    @staticmethod
    def _delay(err: SmsDkError | None, attempts: int) -> float:
        if isinstance(err, SmsDkRateLimitError) and err.retry_after is not None:
            return max(err.retry_after, 1.0)
        return RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]

    @callback
    def _cancel(self) -> None:
        if self._cancel_retry:
            self._cancel_retry()
            self._cancel_retry = None

    @callback
    def _schedule(self, delay: float) -> None:
        self._cancel()
        if self._closed:
            return
        self._cancel_retry = async_call_later(self._hass, delay, self._retry_job)

    async def _async_retry(self, _now: datetime) -> None:
        self._cancel_retry = None
        await self.async_send_now()

    async def async_send_now(self) -> None:
        """Try the kept texts now; a new text calls this first, so that the order is kept.

        If a try is already under way, this does not wait for it: the caller is an action, and
        a text of its own then simply waits its turn.
        """
        if not self._items or self._lock.locked() or self._closed:
            return
        self._cancel()
        async with self._lock:
            delay = await self._async_send_waiting()
            await self._store.async_save(self._stored())
        self.listeners.notify()
        if delay is None and self._items:
            delay = 0  # texts added while this try ran: their turn now
        if delay is not None:
            self._schedule(delay)

    async def _async_send_waiting(self) -> float | None:
        """Send what is due, in order; return when to try again (None: nothing waits)."""
        now = dt_util.utcnow()
        next_delay: float | None = None
        for item in list(self._items):
            if now - item.queued > KEEP_FOR:
                self._items.remove(item)
                self._give_up(item, "expired", item.error)
                continue
            prepared = item.prepared
            if (when := prepared.scheduled) is not None and when - now < SCHEDULE_MIN_AHEAD:
                if when > now:
                    # Too close to schedule now: wait for its time and send it then.
                    wait = (when - now).total_seconds()
                    next_delay = wait if next_delay is None else min(next_delay, wait)
                    continue
                prepared = replace(prepared, scheduled=None)
            delivery = await self._deliver(prepared)
            if delivery.accepted or delivery.rejected:
                LOGGER.info(
                    "Sent a kept text: %d accepted, %d rejected",
                    len(delivery.accepted),
                    len(delivery.rejected),
                )
                self._fire(
                    item,
                    "sent",
                    tuple(a.receiver for a in delivery.accepted),
                    rejected=[
                        {"receiver": r.receiver, "code": r.code, "message": r.message}
                        for r in delivery.rejected
                    ],
                )
            if (err := delivery.error) is None:
                self._items.remove(item)
                continue
            if is_temporary(err) or isinstance(
                err, SmsDkAuthenticationError | SmsDkInsufficientCreditsError
            ):
                # SMS.dk is still away, or needs the user (a new token, more credits): keep
                # what is left, and stop here so that the order is kept.
                if isinstance(err, SmsDkAuthenticationError):
                    self._entry.async_start_reauth(self._hass)
                updated = replace(
                    item,
                    prepared=replace(item.prepared, receivers=delivery.unsent),
                    attempts=item.attempts + 1,
                    error=_reason(err),
                )
                self._items[self._items.index(item)] = updated
                self._blocked = True
                delay = self._delay(err, updated.attempts)
                return delay if next_delay is None else min(next_delay, delay)
            # Refused for good (the sender name is no longer approved, say).
            self._items.remove(item)
            self._give_up(
                replace(item, prepared=replace(prepared, receivers=delivery.unsent)),
                "failed",
                _reason(err),
            )
        # Only now: while this try ran, new texts had to wait behind the kept ones.
        self._blocked = False
        return next_delay

    @callback
    def _give_up(self, item: QueuedText, status: str, reason: str) -> None:
        """Tell that *item* (no longer kept) was not sent: a log line, an event, a repair issue."""
        LOGGER.error(
            "A kept text to %d receiver(s) was not sent (%s): %s",
            len(item.prepared.receivers),
            status,
            reason,
        )
        self._fire(item, status, item.prepared.receivers, reason=reason)
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            f"text_not_sent_{self._entry.entry_id}_{item.id}",
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=f"text_{status}",
            translation_placeholders={
                "title": self._entry.title,
                "receivers": str(len(item.prepared.receivers)),
                "queued": dt_util.as_local(item.queued).strftime("%Y-%m-%d %H:%M"),
                "reason": reason,
            },
        )

    @callback
    def _fire(
        self, item: QueuedText, status: str, receivers: tuple[str, ...], **extra: Any
    ) -> None:
        self._hass.bus.async_fire(
            EVENT_OUTBOX,
            {
                "entry_id": self._entry.entry_id,
                "id": item.id,
                "status": status,
                "receivers": list(receivers),
                "reference": item.prepared.reference,
                **extra,
            },
        )
