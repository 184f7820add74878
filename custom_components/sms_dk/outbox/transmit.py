"""One try of a prepared text: one request per receiver, a few at a time, exactly once.

Receivers are sent in order, at most FAN_OUT at once: a text to 20 recipients takes about five
round trips, not twenty. An error that is not the receiver's own (an outage, a cool-down, a refused
token or sender) stops the rest at once: receivers not yet started are left unsent, in order,
for the outbox. What each error means is the retry policy's word (policy.py). A receiver whose
answer was lost is looked up in the delivery log before it is sent the text again (lookup.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Final

from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..models import (
    STEP_REJECTED,
    TOPIC_STEP,
    Accepted,
    Prepared,
    Rejected,
    TextStep,
    TryResult,
    signal,
)
from ..policy import Verdict, classify, classify_lookup
from ..smsdk import (
    LogEntry,
    SendResult,
    SmsDkClient,
    SmsDkError,
    SmsDkRejectedError,
    SmsDkValidationError,
)
from ..tracking import DeliveryTracker, LogReader, async_report_url
from .lookup import BLIND_AFTER, LostAnswers

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

# Requests to SMS.dk at once for one text: fast fan-out, without hammering the API.
FAN_OUT: Final = 4
# SMS.dk's "Nothing to return": an empty log (a new account) has no record of the text.
CODE_NOTHING_TO_RETURN: Final = 1033


@dataclass(slots=True)
class _Outcome:
    """What became of one receiver."""

    result: SendResult | None = None
    found: LogEntry | None = None
    rejected: list[Rejected] = field(default_factory=list)
    error: SmsDkError | None = None
    verdict: Verdict = Verdict.SENT
    lost_at: datetime | None = None


class Transmitter:
    """Tries prepared texts for one entry, and hands what SMS.dk accepted to the tracker."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: SmsDkClient,
        tracker: DeliveryTracker,
        *,
        log: LogReader,
        on_accepted: Callable[[TryResult], object],
    ) -> None:
        """Send with *client*; *tracker* follows accepted messages, *on_accepted* is told.

        Texts whose answer was lost are looked up in the delivery log with *log*.
        """
        self._hass = hass
        self._entry = entry
        self._client = client
        self._tracker = tracker
        self._on_accepted = on_accepted
        self.lost_answers = LostAnswers(log, tracker.knows)

    async def async_try(
        self, prepared: Prepared, unverified: Mapping[str, datetime] | None = None
    ) -> TryResult:
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

        if len(prepared.receivers) == 1:
            await run(0, prepared.receivers[0])  # most texts: no task to gather
        else:
            await asyncio.gather(*(run(i, r) for i, r in enumerate(prepared.receivers)))
        result = self._collect(prepared, outcomes, unverified)
        for refused in result.rejected:
            async_dispatcher_send(
                self._hass,
                signal(self._entry.entry_id, TOPIC_STEP),
                TextStep(
                    refused.receiver,
                    STEP_REJECTED,
                    reference=prepared.reference,
                    reason=f"{refused.message} ({refused.code})",
                ),
            )
        if result.accepted:
            self._on_accepted(result)
        return result

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
                    # Ask again later.
                    return _Outcome(error=err, verdict=classify_lookup(err), lost_at=lost_at)
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
                return _Outcome(error=err, verdict=classify(err))
            return _Outcome(rejected=[Rejected(receiver, err.code, err.message)])
        except SmsDkError as err:
            verdict = classify(err)
            lost_at = attempted if verdict is Verdict.UNKNOWN else None
            return _Outcome(error=err, verdict=verdict, lost_at=lost_at)
        return _Outcome(result=result)

    def _collect(
        self,
        prepared: Prepared,
        outcomes: list[_Outcome | None],
        unverified: Mapping[str, datetime],
    ) -> TryResult:
        """One result of the receivers' outcomes, in the receivers' order."""
        tried = TryResult()
        unsent: list[str] = []
        refused: list[str] = []
        # Each receiver's fate is its own: one refused for good does not take another down with
        # it (one whose answer was lost is kept, and looked up).
        stopped_by_refusal = not any(
            o is not None and o.error is not None and o.verdict is not Verdict.REFUSED
            for o in outcomes
        )
        for receiver, outcome in zip(prepared.receivers, outcomes, strict=True):
            refusal = (
                outcome.error
                if outcome is not None and outcome.verdict is Verdict.REFUSED
                else tried.refusal
                if outcome is None and stopped_by_refusal
                else None
            )
            if refusal is not None:
                refused.append(receiver)
                tried.refusal = tried.refusal or refusal
                continue
            if outcome is None or outcome.error is not None:
                unsent.append(receiver)
                lost_at = unverified.get(receiver) if outcome is None else outcome.lost_at
                if lost_at is not None:
                    tried.unverified[receiver] = lost_at
                if outcome is not None and tried.error is None:
                    tried.error, tried.verdict = outcome.error, outcome.verdict
                continue
            if (found := outcome.found) is not None:
                tried.parts = tried.parts or found.parts
                tried.credits += found.credit_cost or 0.0
                self._accept(tried, prepared, receiver, found.batch_id, found.credit_cost)
            if (result := outcome.result) is not None:
                tried.credits += result.credits
                tried.parts = tried.parts or result.parts
                for item in result.accepted:
                    self._accept(
                        tried,
                        prepared,
                        item.receiver or receiver,
                        result.batch_id,
                        item.credit_cost,
                    )
                tried.rejected.extend(
                    Rejected(r.receiver, r.code, r.message) for r in result.rejected
                )
            tried.rejected.extend(outcome.rejected)
        tried.unsent, tried.refused = tuple(unsent), tuple(refused)
        return tried

    def _accept(
        self,
        tried: TryResult,
        prepared: Prepared,
        receiver: str,
        batch_id: str | None,
        cost: float | None,
    ) -> None:
        tried.accepted.append(Accepted(receiver, batch_id, cost))
        if not batch_id:
            return
        self.lost_answers.accepted(batch_id, receiver)
        self._tracker.track(
            batch_id=batch_id,
            receiver=receiver,
            sent=prepared.scheduled or dt_util.utcnow(),
            parts=tried.parts or prepared.parts,
            cost=cost,
            reference=prepared.reference,
        )
