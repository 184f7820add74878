"""The outbox: every text goes through it, and one that meets an outage is kept and sent later.

A text is sent at once when SMS.dk answered the last try and no kept text is ahead; else it is
kept, stored, and sent in order when SMS.dk answers again, which the outbox finds out on its own
schedule (schedule.py). What each try's error means is the retry policy's (policy.py). Texts
given up or refused later raise a repair (notices.py); a lost answer is looked up in the log
before a text goes again (lookup.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER, SCHEDULE_MIN_AHEAD
from ..models import TOPIC_OUTBOX, Prepared, TryResult, signal
from ..policy import classify
from ..smsdk import SmsDkAuthenticationError, SmsDkError
from ..storage import OUTBOX, entry_store
from .kept import KeptText, NotSent, reason
from .notices import give_up, tell_kept, tell_sent
from .schedule import KEEP_FOR, SETTLE, Link, Recovery, earliest, waits_for_its_time

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

# One try of a text: its receivers in *unverified* (their answer was lost then) are looked up first.
type TryText = Callable[[Prepared, Mapping[str, datetime]], Awaitable[TryResult]]


class Outbox:
    """Sends the texts of one account, and keeps those SMS.dk cannot take now."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        try_text: TryText,
        probe: Callable[[], Awaitable[object]],
    ) -> None:
        """Send with *try_text*; *probe* is the cheap request that tells whether SMS.dk answers."""
        self._hass = hass
        self._entry = entry
        self._try_text = try_text
        self._probe = probe
        self._store: Store[list[dict[str, Any]]] = entry_store(hass, entry.entry_id, OUTBOX)
        self.not_sent = NotSent(hass, entry.entry_id)
        self._items: list[KeptText] = []
        self._signal = signal(entry.entry_id, TOPIC_OUTBOX)
        # One try at a time (a text sent at once, or the kept ones), so that the order holds.
        self._lock = asyncio.Lock()
        self._cancel_timer: CALLBACK_TYPE | None = None
        self._timer_job = HassJob(self._async_wake, "sms_dk outbox", cancel_on_shutdown=True)
        # What the last try learned of SMS.dk (diagnostics read it).
        self.recovery = Recovery()
        # A wake-up or a try of the kept texts under way: it sets the next timer when it ends.
        self._busy = False
        # Texts kept without a try since the last one began: they are due at once.
        self._fresh = False
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

    async def async_load(self) -> None:
        """Restore the stored texts, and ask at once whether SMS.dk answers."""
        await self.not_sent.async_load()
        for data in await self._store.async_load() or []:
            if item := KeptText.from_dict(data):
                self._items.append(item)
        if self._items:
            self.recovery.unknown(dt_util.utcnow())
            self._set_timer(0)

    async def async_shutdown(self) -> None:
        """Stop and write the texts down (the entry unloads or reloads).

        A try under way is let finish first (cut short, it could not tell which receivers SMS.dk
        took, and the next start would send them again).
        """
        self._closed = True
        self._cancel()
        async with self._lock:
            await self._store.async_save(self._stored())

    async def async_submit(self, prepared: Prepared) -> TryResult | None:
        """Send *prepared* now, or keep it (None) when SMS.dk is away or kept texts are ahead.

        Receivers an outage kept from SMS.dk during the try are kept too; the result says which
        (its verdict is temporary).
        """
        if self._closed:
            raise HomeAssistantError(translation_domain=DOMAIN, translation_key="unloading")
        if not self._must_wait():
            # Shielded: a cancelled caller must not cut a try short (what did SMS.dk take?).
            try_now = self._entry.async_create_task(
                self._hass, self._async_try_now(prepared), "sms_dk send"
            )
            if (tried := await asyncio.shield(try_now)) is not None:
                return tried
        await self._async_keep(prepared, None, {})
        return None

    async def _async_try_now(self, prepared: Prepared) -> TryResult | None:
        """Send *prepared* unless it must wait after all; keep what an outage kept back."""
        async with self._lock:
            if self._must_wait():
                return None
            tried = await self._try_text(prepared, {})
            if tried.verdict.temporary and (err := tried.error) is not None:
                self.recovery.went_wrong(tried.verdict, err, dt_util.utcnow())
                kept = replace(prepared, receivers=tried.unsent)
                await self._async_keep(kept, err, tried.unverified)
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

    async def _async_keep(
        self, prepared: Prepared, err: SmsDkError | None, unverified: Mapping[str, datetime]
    ) -> None:
        """Keep *prepared* for later, as *err* kept it from SMS.dk (None: it was not tried)."""
        item = KeptText(
            id=uuid4().hex,
            prepared=prepared,
            queued=dt_util.utcnow(),
            attempts=1 if err else 0,
            error=reason(err) if err else self._items[0].error,
            unverified=dict(unverified),
        )
        self._items.append(item)
        self._fresh = self._fresh or err is None
        tell_kept(self._hass, self._entry, item, tried=err is not None, ahead=len(self._items) - 1)
        await self._store.async_save(self._stored())
        async_dispatcher_send(self._hass, self._signal)
        if self._cancel_timer is None and not self._busy:
            self._reschedule(None)

    def _stored(self) -> list[dict[str, Any]]:
        return [item.as_dict() for item in self._items]

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
            # A text kept without a try is due at once; else the try said when.
            due_in=0.0 if self._fresh or hint is None else hint,
        )
        LOGGER.debug("Kept texts: next try in %.0f s (SMS.dk %s)", delay, self.recovery.link.value)
        self._set_timer(delay)

    async def _async_wake(self, _now: datetime) -> None:
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
                self._fresh = False
                hint = await self._async_try_kept()
                await self._store.async_save(self._stored())
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
            tried = await self._try_text(prepared, item.unverified)
            tell_sent(self._hass, self._entry, item, tried)
            if (err := tried.error) is None:
                self._items.remove(item)
                self.recovery.went_right()
                continue
            if tried.verdict.keeps:
                # SMS.dk is still away, or needs the user (a new token, more credits): keep
                # what is left, and stop here so that the order is kept.
                if isinstance(err, SmsDkAuthenticationError):
                    self._entry.async_start_reauth(self._hass)
                self._items[self._items.index(item)] = replace(
                    item,
                    prepared=replace(item.prepared, receivers=tried.unsent),
                    attempts=item.attempts + 1,
                    error=reason(err),
                    unverified=tried.unverified,
                )
                self.recovery.went_wrong(tried.verdict, err, dt_util.utcnow())
                return None
            # Refused for good (the sender name is no longer approved, say).
            self._items.remove(item)
            give_up(
                self._hass,
                self._entry,
                self.not_sent,
                replace(item, prepared=replace(prepared, receivers=tried.unsent)),
                status="failed",
                why=reason(err),
            )
        self.recovery.went_right()
        return hint
