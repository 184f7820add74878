"""Delivery status of recent texts: tracked per message, kept current by polling and reports.

Every accepted message is tracked from the moment it is sent. While any message of the last hours
has no final status, the delivery log is read for its batch, with a growing interval, and polling
stops when none is pending. A delivery report (SMS.dk calling the webhook) only prompts an
immediate read of the log: the status shown always comes from the API, so a forged or replayed
report changes nothing. Each change fires ``sms_dk_delivery_status``. Tracked messages are stored,
so pending ones are followed again after a restart.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER
from ..models import LAST, STEP_SENT, STEPS, TOPIC_MESSAGE, TOPIC_STEP, TextStep, signal
from ..smsdk import DeliveryStatus, LogEntry, SmsDkClient, SmsDkError
from ..storage import DELIVERIES, entry_store

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

EVENT_DELIVERY_STATUS: Final = f"{DOMAIN}_delivery_status"

# Follow a message for this long after it was (to be) sent; after that its status is left as is.
FOLLOW_FOR: Final = timedelta(hours=6)
# Poll intervals: soon after a send, then less and less often.
POLL_DELAYS: Final = (10, 20, 40, 80, 160, 300, 600)
# How many messages are remembered (for the sensors, diagnostics and reports): a burst to many
# recipients is followed whole.
KEEP_MESSAGES: Final = 200
LOG_PAGE: Final = 100
SAVE_DELAY: Final = 5


@dataclass(frozen=True, slots=True)
class TrackedMessage:
    """One text to one receiver, and what SMS.dk last said of it."""

    batch_id: str
    receiver: str
    status: DeliveryStatus
    raw_status: int | None
    sent: datetime
    parts: int | None
    credits: float | None
    reference: str | None

    @property
    def status_name(self) -> str:
        """The status as the sensors and events name it."""
        return self.status.name.lower()

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (storage and diagnostics)."""
        data = asdict(self)
        data["status"] = self.status_name
        data["sent"] = self.sent.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrackedMessage | None:
        """Read a stored message; None if it is not one."""
        try:
            return cls(
                batch_id=str(data["batch_id"]),
                receiver=str(data["receiver"]),
                status=DeliveryStatus[str(data["status"]).upper()],
                raw_status=data.get("raw_status"),
                sent=datetime.fromisoformat(data["sent"]),
                parts=data.get("parts"),
                credits=data.get("credits"),
                reference=data.get("reference"),
            )
        except KeyError, TypeError, ValueError:
            return None


class DeliveryTracker:
    """Follows the delivery status of one account's recent texts."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, client: SmsDkClient) -> None:
        """Follow the texts *client* sends for *entry*."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._store: Store[list[dict[str, Any]]] = entry_store(hass, entry.entry_id, DELIVERIES)
        self._messages: dict[tuple[str, str], TrackedMessage] = {}
        self._poll_step = 0
        self._cancel_poll: CALLBACK_TYPE | None = None
        self._poll_job = HassJob(self._start_poll, "sms_dk delivery poll", cancel_on_shutdown=True)
        self._refreshing: dict[str, asyncio.Task[None]] = {}
        # Set at unload: an old tracker must neither poll, fire events nor write any more.
        self._closed = False

    @property
    def messages(self) -> list[TrackedMessage]:
        """The remembered messages, oldest first."""
        return list(self._messages.values())

    @property
    def last(self) -> TrackedMessage | None:
        """The message sent last (by when it was sent to SMS.dk, not when it is scheduled)."""
        return next(reversed(self._messages.values()), None)

    def last_to(self, receiver: str) -> TrackedMessage | None:
        """The message sent last to *receiver*."""
        return next((m for m in reversed(self._messages.values()) if m.receiver == receiver), None)

    def knows(self, batch_id: str) -> bool:
        """Whether a remembered message belongs to *batch_id*."""
        return any(key[0] == batch_id for key in self._messages)

    @property
    def polling(self) -> bool:
        """Whether a poll is scheduled."""
        return self._cancel_poll is not None

    async def async_load(self) -> None:
        """Restore the stored messages and follow the pending ones again."""
        for data in await self._store.async_load() or []:
            if message := TrackedMessage.from_dict(data):
                self._messages[(message.batch_id, message.receiver)] = message
        self._schedule_poll(restart=True)

    async def async_shutdown(self) -> None:
        """Stop polling and write what is pending (the entry unloads or reloads).

        Reads of the log still under way are background tasks of the entry, which the unload
        cancels; the closed tracker ignores whatever they would bring.
        """
        self._closed = True
        if self._cancel_poll:
            self._cancel_poll()
            self._cancel_poll = None
        await self._store.async_save(self._stored())

    @callback
    def forget_batch(self, batch_id: str) -> None:
        """Stop following a batch (a cancelled scheduled text)."""
        gone = [key for key in self._messages if key[0] == batch_id]
        for key in gone:
            del self._messages[key]
        self._changed({receiver for _, receiver in gone} | {LAST})

    def _stored(self) -> list[dict[str, Any]]:
        return [m.as_dict() for m in self._messages.values()]

    @callback
    def track(
        self,
        *,
        batch_id: str,
        receiver: str,
        sent: datetime,
        parts: int | None,
        cost: float | None,
        reference: str | None,
    ) -> None:
        """Start following a message SMS.dk accepted (*cost* in credits)."""
        message = TrackedMessage(
            batch_id=batch_id,
            receiver=receiver,
            status=DeliveryStatus.PENDING,
            raw_status=None,
            sent=sent,
            parts=parts,
            credits=cost,
            reference=reference,
        )
        self._messages[(batch_id, receiver)] = message
        changed = {receiver, LAST}
        while len(self._messages) > KEEP_MESSAGES:
            oldest = next(iter(self._messages))
            changed.add(oldest[1])
            del self._messages[oldest]
        self._changed(changed)
        self._step(TextStep(receiver, STEP_SENT, batch_id, reference, parts))
        self._schedule_poll(restart=True)

    @callback
    def async_report(self, batch_id: str | None) -> bool:
        """A delivery report named *batch_id*: read its status from SMS.dk now, if it is ours."""
        if not batch_id or not any(key[0] == batch_id for key in self._messages):
            return False
        if batch_id not in self._refreshing:
            task = self._entry.async_create_background_task(
                self._hass, self._async_refresh_batch(batch_id), f"sms_dk report {batch_id}"
            )
            self._refreshing[batch_id] = task
            task.add_done_callback(lambda _: self._refreshing.pop(batch_id, None))
        return True

    def _pending_batches(self, now: datetime) -> list[str]:
        """Batches with a message due, still without a final status, and not too old."""
        return list(
            dict.fromkeys(
                m.batch_id
                for m in self._messages.values()
                if not m.status.is_final and m.sent <= now and now - m.sent <= FOLLOW_FOR
            )
        )

    def _waiting(self, now: datetime) -> list[TrackedMessage]:
        """Messages still to follow, due or scheduled for later."""
        return [
            m
            for m in self._messages.values()
            if not m.status.is_final and now - m.sent <= FOLLOW_FOR
        ]

    @callback
    def _schedule_poll(self, *, restart: bool = False) -> None:
        if self._closed:
            return
        if restart:
            self._poll_step = 0
        if self._cancel_poll:
            self._cancel_poll()
            self._cancel_poll = None
        now = dt_util.utcnow()
        waiting = self._waiting(now)
        if not waiting:
            return
        delay: float = POLL_DELAYS[min(self._poll_step, len(POLL_DELAYS) - 1)]
        if not self._pending_batches(now):
            # Only scheduled texts wait: look when the first one is due.
            delay = max(delay, (min(m.sent for m in waiting) - now).total_seconds())
        self._poll_step += 1
        self._cancel_poll = async_call_later(self._hass, delay, self._poll_job)

    @callback
    def _start_poll(self, _now: datetime) -> None:
        self._cancel_poll = None
        # A background task of the entry: an unload cancels a poll under way.
        self._entry.async_create_background_task(
            self._hass, self._async_poll(), "sms_dk delivery poll"
        )

    async def _async_poll(self) -> None:
        for batch_id in self._pending_batches(dt_util.utcnow()):
            await self._async_refresh_batch(batch_id)
        self._schedule_poll()

    async def _async_refresh_batch(self, batch_id: str) -> None:
        """Read the log of one batch and apply what it says."""
        try:
            page = await self._client.get_log(batch_id=batch_id, limit=LOG_PAGE)
        except SmsDkError as err:
            LOGGER.debug("Could not read the delivery log: %s", err)
            return
        # The log of the batch, by receiver; only the messages we follow are updated from it.
        logged = {e.receiver: e for e in page.entries if e.batch_id in (None, batch_id)}
        for key, current in list(self._messages.items()):
            if key[0] == batch_id and (entry := logged.get(current.receiver)):
                self._apply(key, current, entry)

    @callback
    def _apply(self, key: tuple[str, str], current: TrackedMessage, entry: LogEntry) -> None:
        updated = replace(
            current,
            status=entry.status,
            raw_status=entry.raw_status,
            sent=entry.time_sent or current.sent,
            parts=entry.parts if entry.parts is not None else current.parts,
            credits=entry.credit_cost if entry.credit_cost is not None else current.credits,
        )
        if updated == current:
            return
        self._messages[key] = updated
        changed = {updated.receiver}
        if self.last is updated:
            changed.add(LAST)
        if updated.status is not current.status:
            if updated.status_name in STEPS:
                self._step(
                    TextStep(
                        updated.receiver,
                        updated.status_name,
                        updated.batch_id,
                        updated.reference,
                        updated.parts,
                    )
                )
            self._hass.bus.async_fire(
                EVENT_DELIVERY_STATUS,
                {
                    "entry_id": self._entry.entry_id,
                    "batch_id": updated.batch_id,
                    "receiver": updated.receiver,
                    "status": updated.status_name,
                    "reference": updated.reference,
                },
            )
        self._changed(changed)

    @callback
    def _step(self, step: TextStep) -> None:
        """Tell the event entities (not after unload)."""
        if not self._closed:
            async_dispatcher_send(self._hass, signal(self._entry.entry_id, TOPIC_STEP), step)

    @callback
    def _changed(self, keys: set[str]) -> None:
        """Store the change, and tell the entities that show *keys* (receivers, or LAST)."""
        if self._closed:
            return
        self._store.async_delay_save(self._stored, SAVE_DELAY)
        for key in keys:
            async_dispatcher_send(self._hass, signal(self._entry.entry_id, TOPIC_MESSAGE, key))
