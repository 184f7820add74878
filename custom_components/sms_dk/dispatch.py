"""Delivery of a prepared text, receiver by receiver, and exactly once when an answer is lost.

A request whose answer is lost (a timeout, a connection cut after it went out) may or may not have
reached SMS.dk. Before such a receiver is sent the text again, the delivery log is asked whether
the text is there; a record found counts as accepted. A text is recognised in the log by its
receiver and its userReference: the caller's reference, or, when the caller gave none, one the
integration makes of the text's unique send id (``ha-…``). With a caller's reference, which may
repeat, the record must also carry the same text, be no older than the lost request (less a margin
for clocks), and belong to a batch not already accounted for.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from .const import LOGGER
from .models import Accepted, Delivery, DeliveryStep, Prepared, Rejected, delivery_signal
from .reports import async_report_url
from .smsdk import (
    LogEntry,
    SmsDkClient,
    SmsDkConnectionError,
    SmsDkError,
    SmsDkRejectedError,
    SmsDkServerError,
    SmsDkValidationError,
)

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

    from .delivery import DeliveryTracker

# How far back (and ahead) of the lost request a record may be stamped: SMS.dk's clock and ours.
CLOCK_MARGIN: Final = timedelta(minutes=5)
# The log is read newest first, this many records a page, at most this many pages.
LOG_SEARCH_PAGE: Final = 200
LOG_SEARCH_PAGES: Final = 5
# If the log cannot be read for this long after a lost answer, the text is sent again without
# knowing: for an alarm a duplicate is better than a loss.
BLIND_AFTER: Final = timedelta(minutes=10)
STEP_REJECTED: Final = "rejected"
GATEWAY_STATUSES: Final = frozenset({502, 504})
# Batches accepted lately (kept in memory) are not mistaken for a lost text's record.
KNOWN_BATCHES: Final = 1000


class Dispatcher:
    """Sends prepared texts for one entry and follows what SMS.dk accepted."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: SmsDkClient,
        tracker: DeliveryTracker,
        on_accepted: Callable[[], object],
    ) -> None:
        """Send with *client*; *tracker* follows accepted messages, *on_accepted* is told."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._tracker = tracker
        self._on_accepted = on_accepted
        self._known: OrderedDict[tuple[str, str], None] = OrderedDict()

    async def async_deliver(
        self, prepared: Prepared, unverified: Mapping[str, datetime] | None = None
    ) -> Delivery:
        """Send *prepared* to its receivers in turn; stop at the first error that is not theirs.

        Receivers in *unverified* (their last answer was lost, at the time given) are looked up in
        the delivery log first, and sent the text only if it is not there.
        """
        unverified = unverified or {}
        # Delivery reports go to Home Assistant's webhook when the internet can reach it.
        dlr_url = async_report_url(self._hass, self._entry)
        delivery = Delivery()
        for index, receiver in enumerate(prepared.receivers):
            if (lost_at := unverified.get(receiver)) is not None:
                try:
                    found = await self._async_find_sent(prepared, receiver, lost_at)
                except SmsDkError as err:
                    if dt_util.utcnow() - lost_at < BLIND_AFTER:
                        self._stop(delivery, prepared, index, err, unverified)
                        break
                    LOGGER.warning(
                        "The delivery log could not be read for %s; a text whose answer was lost"
                        " is sent again without knowing whether it arrived (%s)",
                        BLIND_AFTER,
                        err.message,
                    )
                    found = None
                if found is not None:
                    LOGGER.info("A text whose answer was lost had arrived: not sent again")
                    delivery.parts = delivery.parts or found.parts
                    delivery.credits += found.credit_cost or 0.0
                    self._accept(delivery, prepared, receiver, found.batch_id, found.credit_cost)
                    continue
            attempted = dt_util.utcnow()
            try:
                result = await self._client.send(
                    receiver=receiver,
                    sender=prepared.sender,
                    message=prepared.text,
                    message_format=prepared.format,
                    dlr_url=dlr_url,
                    reference=prepared.wire_reference,
                    scheduled=prepared.scheduled,
                )
            except SmsDkRejectedError as err:
                delivery.rejected.extend(
                    Rejected(r.receiver or receiver, r.code, r.message) for r in err.result.rejected
                )
                if not err.result.rejected:
                    delivery.rejected.append(Rejected(receiver, err.code, err.message))
                continue
            except SmsDkValidationError as err:
                if err.field != "receiver":
                    self._stop(delivery, prepared, index, err, unverified)
                    break
                delivery.rejected.append(Rejected(receiver, err.code, err.message))
                continue
            except SmsDkError as err:
                lost = (isinstance(err, SmsDkConnectionError) and err.may_have_arrived) or (
                    # A gateway that gave up waiting (502, 504) may have passed the text on.
                    isinstance(err, SmsDkServerError) and err.http_status in GATEWAY_STATUSES
                )
                self._stop(
                    delivery,
                    prepared,
                    index,
                    err,
                    {**unverified, receiver: attempted}
                    if lost
                    else {k: v for k, v in unverified.items() if k != receiver},
                )
                break
            delivery.credits += result.credits
            delivery.parts = delivery.parts or result.parts
            for item in result.accepted:
                self._accept(
                    delivery, prepared, item.receiver or receiver, result.batch_id, item.credit_cost
                )
            delivery.rejected.extend(
                Rejected(r.receiver, r.code, r.message) for r in result.rejected
            )
        for refused in delivery.rejected:
            async_dispatcher_send(
                self._hass,
                delivery_signal(self._entry.entry_id),
                DeliveryStep(
                    refused.receiver,
                    STEP_REJECTED,
                    reference=prepared.reference,
                    reason=f"{refused.message} ({refused.code})",
                ),
            )
        if delivery.accepted:
            self._on_accepted()
        return delivery

    @staticmethod
    def _stop(
        delivery: Delivery,
        prepared: Prepared,
        index: int,
        err: SmsDkError,
        unverified: Mapping[str, datetime],
    ) -> None:
        """Stop at receiver *index*: it and those after it are not sent."""
        delivery.error = err
        delivery.unsent = prepared.receivers[index:]
        delivery.unverified = {r: unverified[r] for r in delivery.unsent if r in unverified}

    def _accept(
        self,
        delivery: Delivery,
        prepared: Prepared,
        receiver: str,
        batch_id: str | None,
        cost: float | None,
    ) -> None:
        delivery.accepted.append(Accepted(receiver, batch_id, cost))
        if not batch_id:
            return
        self._known[(batch_id, receiver)] = None
        while len(self._known) > KNOWN_BATCHES:
            self._known.popitem(last=False)
        self._tracker.track(
            batch_id=batch_id,
            receiver=receiver,
            sent=prepared.scheduled or dt_util.utcnow(),
            parts=delivery.parts or prepared.parts,
            cost=cost,
            reference=prepared.reference,
        )

    async def _async_find_sent(
        self, prepared: Prepared, receiver: str, lost_at: datetime
    ) -> LogEntry | None:
        """The log record of *prepared* to *receiver*, if SMS.dk took it; raises SmsDkError."""
        since = lost_at - CLOCK_MARGIN
        for page in range(LOG_SEARCH_PAGES):
            log = await self._client.get_log(limit=LOG_SEARCH_PAGE, offset=page * LOG_SEARCH_PAGE)
            for entry in log.entries:
                if self._is_record_of(entry, prepared, receiver, since):
                    return entry
            # Newest first: once a page reaches back before the lost request, nothing older can
            # be it (a scheduled text is logged at its time, which is later still).
            oldest = min((e.time_sent for e in log.entries if e.time_sent), default=None)
            if len(log.entries) < LOG_SEARCH_PAGE or (oldest is not None and oldest < since):
                break
        return None

    def _is_record_of(
        self, entry: LogEntry, prepared: Prepared, receiver: str, since: datetime
    ) -> bool:
        if entry.receiver != receiver or entry.reference != prepared.wire_reference:
            return False
        if prepared.reference is None:
            return True  # our own reference: unique to this text
        if entry.batch_id and (
            (entry.batch_id, receiver) in self._known or self._tracker.knows(entry.batch_id)
        ):
            return False
        if entry.message is not None and entry.message != prepared.text:
            return False
        return entry.time_sent is None or entry.time_sent >= since
