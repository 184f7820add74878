"""Delivery of a prepared text: one request per receiver, a few at a time, exactly once.

Receivers are sent in order, at most FAN_OUT at once: a text to 20 recipients takes about five
round trips, not twenty. An error that is not the receiver's own (an outage, a cool-down, a refused
token or sender) stops the rest at once: receivers not yet started are left unsent, in order,
for the outbox. A receiver whose answer was lost is looked up in the delivery log before it is
sent the text again (lost_answers.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Final

from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from .const import LOGGER
from .lost_answers import BLIND_AFTER, LostAnswers
from .models import (
    STEP_REJECTED,
    Accepted,
    Delivery,
    DeliveryStep,
    Prepared,
    Rejected,
    delivery_signal,
    is_temporary,
)
from .reports import async_report_url
from .smsdk import (
    LogEntry,
    SendResult,
    SmsDkAuthenticationError,
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

# Requests to SMS.dk at once for one text: fast fan-out, without hammering the API.
FAN_OUT: Final = 4
GATEWAY_STATUSES: Final = frozenset({502, 504})
# SMS.dk's "Nothing to return": an empty log (a new account) has no record of the text.
CODE_NOTHING_TO_RETURN: Final = 1033


@dataclass(slots=True)
class _Outcome:
    """What became of one receiver."""

    result: SendResult | None = None
    found: LogEntry | None = None
    rejected: list[Rejected] = field(default_factory=list)
    error: SmsDkError | None = None
    lost_at: datetime | None = None


class Dispatcher:
    """Sends prepared texts for one entry and follows what SMS.dk accepted."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: SmsDkClient,
        tracker: DeliveryTracker,
        on_accepted: Callable[[Delivery], object],
    ) -> None:
        """Send with *client*; *tracker* follows accepted messages, *on_accepted* is told."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._tracker = tracker
        self._on_accepted = on_accepted
        self.lost_answers = LostAnswers(client, tracker.knows)

    async def async_deliver(
        self, prepared: Prepared, unverified: Mapping[str, datetime] | None = None
    ) -> Delivery:
        """Send *prepared* to its receivers; stop starting more at an error that is not theirs.

        Receivers in *unverified* (their last answer was lost, at the time given) are looked up in
        the delivery log first, and sent the text only if it is not there.
        """
        unverified = unverified or {}
        # Delivery reports go to Home Assistant's webhook when the internet can reach it.
        dlr_url = async_report_url(self._hass, self._entry)
        outcomes: list[_Outcome | None] = [None] * len(prepared.receivers)
        gate = asyncio.Semaphore(FAN_OUT)
        stopped = False

        async def run(index: int, receiver: str) -> None:
            nonlocal stopped
            # The gate lets receivers start in their order.
            async with gate:
                if stopped:
                    return  # never started: unsent
                outcome = await self._async_one(
                    prepared, receiver, unverified.get(receiver), dlr_url
                )
                outcomes[index] = outcome
                stopped = stopped or outcome.error is not None

        await asyncio.gather(*(run(i, r) for i, r in enumerate(prepared.receivers)))
        delivery = self._collect(prepared, outcomes, unverified)
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
            self._on_accepted(delivery)
        return delivery

    async def _async_one(
        self, prepared: Prepared, receiver: str, lost_at: datetime | None, dlr_url: str | None
    ) -> _Outcome:
        """Send to one receiver (after looking in the log if its last answer was lost)."""
        if lost_at is not None:
            try:
                found = await self.lost_answers.async_find(prepared, receiver, lost_at)
            except SmsDkError as err:
                if err.code == CODE_NOTHING_TO_RETURN:
                    found = None  # an empty log: the text is not there
                elif dt_util.utcnow() - lost_at < BLIND_AFTER:
                    return _Outcome(error=_unreadable(err), lost_at=lost_at)  # ask again later
                else:
                    LOGGER.warning(
                        "The delivery log could not be read for %s; a text whose answer was"
                        " lost is sent again without knowing whether it arrived (%s)",
                        BLIND_AFTER,
                        err.message,
                    )
                    found = None
            if found is not None:
                LOGGER.info("A text whose answer was lost had arrived: not sent again")
                return _Outcome(found=found)
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
            return _Outcome(
                rejected=[
                    Rejected(r.receiver or receiver, r.code, r.message) for r in err.result.rejected
                ]
                or [Rejected(receiver, err.code, err.message)]
            )
        except SmsDkValidationError as err:
            if err.field != "receiver":
                return _Outcome(error=err)
            return _Outcome(rejected=[Rejected(receiver, err.code, err.message)])
        except SmsDkError as err:
            lost = (
                (isinstance(err, SmsDkConnectionError) and err.may_have_arrived)
                # A gateway that gave up waiting (502, 504) may have passed the text on.
                or (isinstance(err, SmsDkServerError) and err.http_status in GATEWAY_STATUSES)
            )
            return _Outcome(error=err, lost_at=attempted if lost else None)
        return _Outcome(result=result)

    def _collect(
        self,
        prepared: Prepared,
        outcomes: list[_Outcome | None],
        unverified: Mapping[str, datetime],
    ) -> Delivery:
        """One delivery of the receivers' outcomes, in the receivers' order."""
        delivery = Delivery()
        unsent: list[str] = []
        for receiver, outcome in zip(prepared.receivers, outcomes, strict=True):
            if outcome is None or outcome.error is not None:
                unsent.append(receiver)
                lost_at = unverified.get(receiver) if outcome is None else outcome.lost_at
                if lost_at is not None:
                    delivery.unverified[receiver] = lost_at
                if outcome is not None and delivery.error is None:
                    delivery.error = outcome.error
                continue
            if (found := outcome.found) is not None:
                delivery.parts = delivery.parts or found.parts
                delivery.credits += found.credit_cost or 0.0
                self._accept(delivery, prepared, receiver, found.batch_id, found.credit_cost)
            if (result := outcome.result) is not None:
                delivery.credits += result.credits
                delivery.parts = delivery.parts or result.parts
                for item in result.accepted:
                    self._accept(
                        delivery,
                        prepared,
                        item.receiver or receiver,
                        result.batch_id,
                        item.credit_cost,
                    )
                delivery.rejected.extend(
                    Rejected(r.receiver, r.code, r.message) for r in result.rejected
                )
            delivery.rejected.extend(outcome.rejected)
        delivery.unsent = tuple(unsent)
        return delivery

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
        self.lost_answers.accepted(batch_id, receiver)
        self._tracker.track(
            batch_id=batch_id,
            receiver=receiver,
            sent=prepared.scheduled or dt_util.utcnow(),
            parts=delivery.parts or prepared.parts,
            cost=cost,
            reference=prepared.reference,
        )


def _unreadable(err: SmsDkError) -> SmsDkError:
    """The error of a log that cannot be read yet: temporary, so that the outbox asks again.

    A refused token stays what it is: the user must act, and the outbox waits for that.
    """
    if isinstance(err, SmsDkAuthenticationError) or is_temporary(err):
        return err
    return SmsDkServerError(f"The delivery log could not be read: {err.message}")
