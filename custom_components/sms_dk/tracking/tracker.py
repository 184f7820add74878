"""Delivery status of recent texts: tracked per message, kept current by polling and reports.

Every accepted message is tracked from the moment it is sent. While any message of the last hours
has no final status, the delivery log is read, with a growing interval, and polling stops when
none is pending. A delivery report (SMS.dk calling the webhook) only prompts a read of the log:
the status shown always comes from the API, so a forged or replayed report changes nothing. Each
change fires ``sms_dk_delivery_status``. Tracked messages are stored, so pending ones are followed
again after a restart.

Every read of the log counts against SMS.dk's request limit, so the batches to look at are read
together: one batch is read by itself (``batchId``); several in one read of the whole log, newest
first, back to the oldest of their texts, with a read of its own only for a batch that read does
not reach. Reports that come close together are read together: the first at once, the others at
most REPORT_WINDOW later. The reads go through the entry's LogReader (reader.py), which the
outbox's look-ups of lost answers share.
"""

from __future__ import annotations

from collections.abc import Collection
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
from ..smsdk import DeliveryStatus, LogEntry, SmsDkError
from ..storage import DELIVERIES, entry_store
from .reader import CLOCK_MARGIN, LogReader

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
# One batch's log, read by itself.
LOG_PAGE: Final = 100
# Several batches: the whole log, newest first, this many records a page (the API's most), at most
# this many pages; a batch whose texts these do not reach is read by itself.
SHARED_PAGE: Final = 1000
SHARED_PAGES: Final = 2
# Delivery reports are read at most this often (seconds): the first at once, those that come
# within the window in one read at its end. A status follows its report within the window and one
# read; 50 reports in a second cost at most 3 reads.
REPORT_WINDOW: Final = 0.5
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

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, log: LogReader) -> None:
        """Follow the texts sent for *entry*, reading their status with *log*."""
        self._hass = hass
        self._entry = entry
        self._log = log
        self._store: Store[list[dict[str, Any]]] = entry_store(hass, entry.entry_id, DELIVERIES)
        self._messages: dict[tuple[str, str], TrackedMessage] = {}
        self._poll_step = 0
        self._cancel_poll: CALLBACK_TYPE | None = None
        self._poll_job = HassJob(self._start_poll, "sms_dk delivery poll", cancel_on_shutdown=True)
        # Reported batches waiting for the next read, and those whose read is under way.
        self._reported: set[str] = set()
        self._reading: set[str] = set()
        self._reported_at: datetime | None = None
        self._report_read_at: datetime | None = None
        self._cancel_report_read: CALLBACK_TYPE | None = None
        self._report_job = HassJob(
            self._read_reports, "sms_dk delivery reports", cancel_on_shutdown=True
        )
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
        for cancel in (self._cancel_poll, self._cancel_report_read):
            if cancel:
                cancel()
        self._cancel_poll = self._cancel_report_read = None
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
        self._schedule_poll(restart=True, due=sent <= dt_util.utcnow())

    @callback
    def async_report(self, batch_id: str | None) -> bool:
        """A delivery report named *batch_id*: read its status from SMS.dk soon, if it is ours.

        At once, unless reports were read less than REPORT_WINDOW ago: then at the window's end,
        with every other report that comes meanwhile. A report of a batch whose read is under way
        is answered by that read.
        """
        if not batch_id or not self.knows(batch_id):
            return False
        if batch_id in self._reading:
            return True
        self._reported.add(batch_id)
        self._reported_at = dt_util.utcnow()
        if self._cancel_report_read is None:
            self._read_reports()
        return True

    @callback
    def _read_reports(self, _now: datetime | None = None) -> None:
        """Read the reported batches now, or when REPORT_WINDOW has passed since the last read.

        The reads run in a background task of the entry (an unload cancels it).
        """
        now = dt_util.utcnow()
        if self._report_read_at is not None:
            left = REPORT_WINDOW - (now - self._report_read_at).total_seconds()
            if left > 0:
                # Also when the timer fired before the window's end by this clock (the test
                # plugin fires every timer due within 0.5 s of its frozen clock).
                self._cancel_report_read = async_call_later(self._hass, left, self._report_job)
                return
        self._cancel_report_read = None
        batches, self._reported = self._reported, set()
        self._report_read_at = now
        self._reading |= batches
        task = self._entry.async_create_background_task(
            self._hass,
            # Only a read that started once the last report came can tell what it reports.
            self._async_refresh(batches, started_from=self._reported_at),
            "sms_dk delivery reports",
        )
        task.add_done_callback(lambda _: self._reading.difference_update(batches))

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
    def _schedule_poll(self, *, restart: bool = False, due: bool = False) -> None:
        """Set the next poll; *due*: a message just sent is due now (no need to look for one).

        That look walks every followed message: skipped for a text sent at once, whose send
        path it would otherwise slow by the number of texts followed.
        """
        if self._closed:
            return
        if restart:
            self._poll_step = 0
        if self._cancel_poll:
            self._cancel_poll()
            self._cancel_poll = None
        delay: float = POLL_DELAYS[min(self._poll_step, len(POLL_DELAYS) - 1)]
        if not due:
            now = dt_util.utcnow()
            if not (waiting := self._waiting(now)):
                return
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
        await self._async_refresh(self._pending_batches(dt_util.utcnow()))
        self._schedule_poll()

    async def _async_refresh(
        self, batch_ids: Collection[str], *, started_from: datetime | None = None
    ) -> None:
        """Read the log of *batch_ids* and apply what it says (reads as the module says).

        *started_from*: a read under way is shared only if it started then or later.
        """
        # When each followed message of these batches was sent, by key (a set: up to 200 each).
        batches = set(batch_ids)
        wanted = {key: m.sent for key, m in self._messages.items() if key[0] in batches}
        logged: dict[tuple[str, str], LogEntry] = {}
        # The batches still followed (one may have been forgotten since it was reported).
        alone = list(dict.fromkeys(key[0] for key in wanted))
        try:
            if len(alone) > 1:
                alone = await self._async_read_together(wanted, logged, started_from)
            for batch_id in alone:
                page = await self._log.async_read(
                    batch_id=batch_id, limit=LOG_PAGE, started_from=started_from
                )
                # The log of the batch, by receiver; only the messages we follow are updated.
                logged.update(
                    {
                        (batch_id, e.receiver): e
                        for e in page.entries
                        if e.batch_id in (None, batch_id)
                    }
                )
        except SmsDkError as err:
            LOGGER.debug("Could not read the delivery log: %s", err)
        for key, current in list(self._messages.items()):
            if entry := logged.get(key):
                self._apply(key, current, entry)

    async def _async_read_together(
        self,
        wanted: dict[tuple[str, str], datetime],
        logged: dict[tuple[str, str], LogEntry],
        started_from: datetime | None,
    ) -> list[str]:
        """Read the whole log for the *wanted* messages into *logged*; raises SmsDkError.

        Returns the batches to read by themselves: those of messages not found that the read did
        not reach back to (a record may be stamped up to CLOCK_MARGIN before its text was sent).
        """
        reach: datetime | None = None  # the oldest record read
        named = True  # whether every record read names its batch

        def visit(entry: LogEntry) -> bool:
            nonlocal reach, named
            if entry.batch_id is None:
                named = False
            elif (key := (entry.batch_id, entry.receiver)) in wanted:
                logged.setdefault(key, entry)  # newest first: the first is the latest
            if entry.time_sent is not None and (reach is None or entry.time_sent < reach):
                reach = entry.time_sent
            return len(logged) == len(wanted)

        reached = await self._log.async_scan(
            visit,
            since=min(wanted.values()) - CLOCK_MARGIN,
            page=SHARED_PAGE,
            pages=SHARED_PAGES,
            started_from=started_from,
        )
        # A record without a batch cannot be told apart from another batch's: such a log is
        # read batch by batch for what it did not show.
        return list(
            dict.fromkeys(
                key[0]
                for key, sent in wanted.items()
                if key not in logged
                and not (named and (reached or (reach is not None and reach < sent - CLOCK_MARGIN)))
            )
        )

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
