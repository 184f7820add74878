"""The outbox: every text goes through it, and one that meets an outage is kept and sent later.

Write-ahead: a text is in the entry's journal (storage.py), on disk, before its first request
leaves, and marked there as possibly sent (its receivers "unverified", from that instant) until
SMS.dk answered for it. A hard kill at any instant therefore leaves every text on disk: on the
next start it is sent, or, where its try had begun, first looked up in SMS.dk's delivery log
(lookup.py), exactly as after a lost answer. Exactly once, at any instant.

A text is sent at once when SMS.dk answered the last try and no kept text is ahead; else it is
kept and sent in order when SMS.dk answers again, which the outbox finds out on its own schedule
(schedule.py). What each try's error means is the retry policy's (policy.py). Texts given up or
refused later raise a repair (notices.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final
from uuid import uuid4

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER, SCHEDULE_MIN_AHEAD
from ..errors import EntryUnloadingError
from ..models import TOPIC_OUTBOX, Prepared, TryResult, signal
from ..policy import classify
from ..smsdk import SmsDkAuthenticationError, SmsDkError
from ..storage import OUTBOX, EntryJournal, Record, entry_store
from .kept import KeptText, NotSent, reason
from .notices import give_up, tell_kept, tell_sent, tell_unreadable
from .schedule import KEEP_FOR, SETTLE, Link, Recovery, earliest, waits_for_its_time

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

# One try of a text: its receivers in *unverified* (their answer was lost then) are looked up first.
type TryText = Callable[[Prepared, Mapping[str, datetime]], Awaitable[TryResult]]

# The journal records of the outbox: {"k": "text", "put": <a KeptText>} or {"k": "text", "del": id}.
KIND: Final = "text"


class Outbox:
    """Sends the texts of one account, and keeps those SMS.dk cannot take now."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        journal: EntryJournal,
        try_text: TryText,
        probe: Callable[[], Awaitable[object]],
    ) -> None:
        """Write ahead to *journal* and send with *try_text*.

        *probe* is the cheap request that tells whether SMS.dk answers again.
        """
        self._hass = hass
        self._entry = entry
        self._journal = journal
        journal.add_snapshot(self._snapshot)
        self._try_text = try_text
        self._probe = probe
        self.not_sent = NotSent(hass, entry.entry_id)
        # The waiting texts, in order.
        self._items: list[KeptText] = []
        # Every text on disk as the journal has it (waiting, or being tried: then its receivers
        # are unverified from the instant the try began), by id, in the order they came.
        self._on_disk: dict[str, KeptText] = {}
        self._signal = signal(entry.entry_id, TOPIC_OUTBOX)
        # One try at a time (a text sent at once, or the kept ones), so that the order holds.
        self._lock = asyncio.Lock()
        self._cancel_timer: CALLBACK_TYPE | None = None
        self._timer_job = HassJob(self._start_wake, "sms_dk outbox", cancel_on_shutdown=True)
        # What the last try learned of SMS.dk (diagnostics read it).
        self.recovery = Recovery()
        # A wake-up or a try of the kept texts under way: it sets the next timer when it ends.
        self._busy = False
        # Set at unload: an old outbox must neither try nor write any more.
        self._closed = False

    @property
    def items(self) -> list[KeptText]:
        """The waiting texts, oldest first."""
        return list(self._items)

    @property
    def waiting(self) -> int:
        """How many receivers wait for a text."""
        return sum(len(item.prepared.receivers) for item in self._items)

    @property
    def retrying(self) -> bool:
        """Whether a next try is scheduled."""
        return self._cancel_timer is not None

    async def async_load(self, records: list[Record]) -> None:
        """Restore the texts the journal holds (and the store of releases before it).

        A text whose try had begun when Home Assistant stopped (a hard kill, a power cut) comes
        back with its receivers unverified: the delivery log is asked before it goes again. The
        first try is at once; SMS.dk is assumed away until it answers.
        """
        unreadable = await self.not_sent.async_load() + self._journal.unreadable
        for record in records:
            if record.get("k") != KIND:
                continue
            if isinstance(put := record.get("put"), dict):
                if (item := KeptText.from_dict(put)) is None:
                    unreadable += 1
                else:
                    self._on_disk[item.id] = item
            elif (text_id := record.get("del")) is not None:
                self._on_disk.pop(str(text_id), None)
            else:
                unreadable += 1
        unreadable += await self._async_migrate_store()
        self._items = list(self._on_disk.values())
        if unreadable:
            tell_unreadable(self._hass, self._entry, unreadable)
        if self._items:
            self.recovery.unknown(dt_util.utcnow())
            self._set_timer(0)

    async def _async_migrate_store(self) -> int:
        """Take over the texts an older release kept in its store; return the unreadable count."""
        store: Store[list[dict[str, Any]]] = entry_store(self._hass, self._entry.entry_id, OUTBOX)
        if (stored := await store.async_load()) is None:
            return 0
        unreadable = 0
        for data in stored if isinstance(stored, list) else [stored]:
            item = KeptText.from_dict(data) if isinstance(data, dict) else None
            if item is None:
                unreadable += 1
            elif item.id not in self._on_disk:
                self._record(item)
        await self._journal.async_flush()
        await store.async_remove()
        return unreadable

    async def async_shutdown(self) -> None:
        """Stop (the entry unloads); the journal keeps every text that is not done.

        A try under way is let finish first (cut short, it could not tell which receivers SMS.dk
        took, and the next start would have to look them up).
        """
        self._closed = True
        self._cancel()
        async with self._lock:
            await self._journal.async_flush()
            await self.not_sent.async_save()

    def _snapshot(self) -> list[Record]:
        """The outbox's records for a rewrite of the journal: every text on disk."""
        return [{"k": KIND, "put": item.as_dict()} for item in self._on_disk.values()]

    @callback
    def _record(self, item: KeptText) -> None:
        """Write *item*'s state to the journal (on disk with the next flush)."""
        self._on_disk[item.id] = item
        self._journal.append({"k": KIND, "put": item.as_dict()})

    @callback
    def _forget(self, item: KeptText) -> None:
        """Take *item* off the journal: SMS.dk answered for every receiver, or it was given up."""
        if self._on_disk.pop(item.id, None) is not None:
            self._journal.append({"k": KIND, "del": item.id})

    async def _async_begin(self, item: KeptText) -> KeptText:
        """On disk before the request leaves: its receivers may have the text from now on.

        Returns the text as the journal now has it. Kept in memory too until SMS.dk answered,
        it makes a try cut short (Home Assistant stopping) be looked up in the log, not sent
        blindly again.
        """
        now = dt_util.utcnow()
        begun = replace(
            item,
            unverified={r: item.unverified.get(r, now) for r in item.prepared.receivers},
        )
        self._record(begun)
        await self._journal.async_flush()
        return begun

    async def async_submit(self, prepared: Prepared) -> TryResult | None:
        """Send *prepared* now, or keep it (None) when SMS.dk is away or kept texts are ahead.

        Either way the text is on disk before this returns, and before any request for it.
        Receivers an outage kept from SMS.dk during the try are kept too; the result says which
        (its verdict is temporary).
        """
        if self._closed:
            raise EntryUnloadingError(translation_domain=DOMAIN, translation_key="unloading")
        item = KeptText(
            id=uuid4().hex,
            prepared=prepared,
            queued=dt_util.utcnow(),
            attempts=0,
            error=self._items[0].error if self._items else "",
        )
        if self._must_wait():
            self._record(item)
            await self._journal.async_flush()
            self._keep(item, tried=False)
            return None
        # Shielded: a cancelled caller must not cut a try short (what did SMS.dk take?).
        try_now = self._entry.async_create_task(
            self._hass, self._async_try_now(item), "sms_dk send"
        )
        return await asyncio.shield(try_now)

    async def _async_try_now(self, item: KeptText) -> TryResult | None:
        """Send *item* unless it must wait after all; keep what an outage kept back."""
        if self._lock.locked():
            # Another try goes first: the text waits on disk, not only in memory.
            self._record(item)
            await self._journal.async_flush()
        async with self._lock:
            if self._closed or self._must_wait():
                # On disk already, or now: the next start (or the next try) sends it.
                if item.id not in self._on_disk:
                    self._record(item)
                    await self._journal.async_flush()
                self._keep(item, tried=False)
                return None
            begun = await self._async_begin(item)
            try:
                tried = await self._try_text(item.prepared, {})
            except BaseException:
                self._items.append(begun)  # cut short: SMS.dk may have it; looked up first
                raise
            if tried.verdict.temporary and (err := tried.error) is not None:
                self.recovery.went_wrong(tried.verdict, err, dt_util.utcnow())
                kept = replace(
                    item,
                    prepared=replace(item.prepared, receivers=tried.unsent),
                    attempts=1,
                    error=reason(err),
                    unverified=dict(tried.unverified),
                )
                self._record(kept)
                await self._journal.async_flush()
                self._keep(kept, tried=True)
            else:
                self._forget(item)
                # Nothing waits for this on disk: it goes with the next text's write, or a
                # second from now (a kill before that costs a look in the log, not a text).
                self._journal.flush_later()
            return tried

    @callback
    def async_retry_soon(self) -> None:
        """SMS.dk answers again (its balance could be read): try the kept texts now."""
        # Not in a cool-down: the balance answering says nothing of when SMS.dk sends again.
        if self._items and self.recovery.link in (Link.DOWN, Link.NEEDS_USER) and not self._busy:
            self._set_timer(0)

    def _must_wait(self) -> bool:
        """Whether a new text must queue: SMS.dk is away, or a kept text that is due is ahead."""
        if not self._items:
            return False
        now = dt_util.utcnow()
        return self.recovery.link is not Link.UP or any(
            not waits_for_its_time(item, now) for item in self._items
        )

    @callback
    def _keep(self, item: KeptText, *, tried: bool) -> None:
        """Queue *item* (on disk already) for later: after a try that met an outage, or untried."""
        self._items.append(item)
        tell_kept(self._hass, self._entry, item, tried=tried, ahead=len(self._items) - 1)
        async_dispatcher_send(self._hass, self._signal)
        if self._cancel_timer is None and not self._busy:
            self._reschedule(None)

    @callback
    def _cancel(self) -> None:
        if self._cancel_timer:
            self._cancel_timer()
            self._cancel_timer = None

    @callback
    def _set_timer(self, delay: float) -> None:
        self._cancel()
        if not self._closed:
            self._cancel_timer = async_call_later(self._hass, delay, self._timer_job)

    @callback
    def _reschedule(self, hint: float | None) -> None:
        """Set the next wake-up from what is known of SMS.dk; *hint*: when a kept text is due."""
        self._cancel()
        if not self._items:
            return
        delay = self.recovery.delay(
            dt_util.utcnow(),
            # Due at once, unless the last try said when (a text kept while a try runs is tried
            # in that same run: it joins the end of the queue the run walks).
            due_in=0.0 if hint is None else hint,
        )
        LOGGER.debug("Kept texts: next try in %.0f s (SMS.dk %s)", delay, self.recovery.link.value)
        self._set_timer(delay)

    @callback
    def _start_wake(self, _now: datetime) -> None:
        """The timer: a wake-up in the background.

        Not a task Home Assistant's start waits for: a start with many kept texts must not wait
        until SMS.dk took them all. Not the entry's either, which an unload would cancel in the
        middle of a try: the unload waits for the try instead (async_shutdown).
        """
        self._hass.async_create_background_task(self._async_wake(), "sms_dk outbox")

    async def _async_wake(self) -> None:
        """The timer: ask SMS.dk whether it answers (after an outage), then try the kept texts."""
        self._cancel_timer = None
        self._busy = True
        hint: float | None = None
        try:
            if self.recovery.link is Link.DOWN:
                self._drop_expired()
                try:
                    await self._probe()
                except SmsDkError as err:
                    if (verdict := classify(err)).temporary:
                        self.recovery.went_wrong(verdict, err, dt_util.utcnow())
                        return
                    # A refused token, say: the try below meets it and says so.
                else:
                    self.recovery.went_right()
            async with self._lock:
                if self._closed:  # the entry unloaded (an unload waits for the lock)
                    return
                hint = await self._async_try_kept()
                await self._journal.async_flush()
            async_dispatcher_send(self._hass, self._signal)
        finally:
            self._busy = False
            if not self._closed:
                self._reschedule(hint)

    @callback
    def _drop_expired(self) -> None:
        now = dt_util.utcnow()
        expired = [item for item in self._items if now - item.queued > KEEP_FOR]
        for item in expired:
            self._items.remove(item)
            self._forget(item)
            give_up(self._hass, self._entry, self.not_sent, item, status="expired", why=item.error)
        if expired:
            async_dispatcher_send(self._hass, self._signal)

    async def _async_try_kept(self) -> float | None:
        """Send what is due, in order; return in how many seconds a waiting text is due."""
        hint: float | None = None
        self._drop_expired()
        index = 0
        # By index: texts kept while this runs join the end and are tried too.
        while index < len(self._items):
            item = self._items[index]
            now = dt_util.utcnow()
            prepared = item.prepared
            if (when := prepared.scheduled) is not None and when - now < SCHEDULE_MIN_AHEAD:
                if when > now:
                    # Too close to schedule now: wait for its time and send it then.
                    hint = earliest(hint, (when - now).total_seconds())
                    index += 1
                    continue
                prepared = replace(prepared, scheduled=None)
            if item.unverified:
                settle = (min(item.unverified.values()) + SETTLE - now).total_seconds()
                if settle > 0:
                    return earliest(hint, settle)  # the texts behind it wait too: order
            unverified = item.unverified
            item = self._items[index] = await self._async_begin(item)
            tried = await self._try_text(prepared, unverified)
            tell_sent(self._hass, self._entry, item, tried)
            if tried.refusal is not None:
                # Refused for good (the sender name is no longer approved, say).
                give_up(
                    self._hass,
                    self._entry,
                    self.not_sent,
                    replace(item, prepared=replace(prepared, receivers=tried.refused)),
                    status="failed",
                    why=reason(tried.refusal),
                )
            if (err := tried.error) is None:
                self._items.remove(item)
                self._forget(item)
                self.recovery.went_right()
                continue
            # SMS.dk is still away, or needs the user (a new token, more credits): keep what
            # is left, and stop here so that the order is kept.
            if isinstance(err, SmsDkAuthenticationError):
                self._entry.async_start_reauth(self._hass)
            kept = replace(
                item,
                prepared=replace(item.prepared, receivers=tried.unsent),
                attempts=item.attempts + 1,
                error=reason(err),
                unverified=tried.unverified,
            )
            self._items[self._items.index(item)] = kept
            self._record(kept)
            self.recovery.went_wrong(tried.verdict, err, dt_util.utcnow())
            return None
        self.recovery.went_right()
        return hint
