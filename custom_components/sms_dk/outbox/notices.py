"""What the outbox tells: events for automations, log lines, and a repair issue for a lost text."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER
from ..models import STEP_FAILED, STEP_QUEUED, TOPIC_STEP, TextStep, TryResult, signal
from .kept import KeptText, NotSent, not_sent_issue_id

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

EVENT_OUTBOX: Final = f"{DOMAIN}_outbox"


@callback
def fire(
    hass: HomeAssistant,
    entry: ConfigEntry,
    item: KeptText,
    status: str,
    receivers: tuple[str, ...],
    **extra: Any,
) -> None:
    """Fire ``sms_dk_outbox`` for *item* (queued, sent, expired or failed).

    The event entities hear of a queued or lost text too (a sent one they hear of from the
    delivery tracker, which follows it from then on).
    """
    step = {"queued": STEP_QUEUED, "expired": STEP_FAILED, "failed": STEP_FAILED}.get(status)
    if step is not None:
        for receiver in receivers:
            async_dispatcher_send(
                hass,
                signal(entry.entry_id, TOPIC_STEP),
                TextStep(
                    receiver,
                    step,
                    reference=item.prepared.reference,
                    parts=item.prepared.parts,
                    reason=extra.get("reason"),
                ),
            )
    hass.bus.async_fire(
        EVENT_OUTBOX,
        {
            "entry_id": entry.entry_id,
            "id": item.id,
            "status": status,
            "receivers": list(receivers),
            "reference": item.prepared.reference,
            **extra,
        },
    )


@callback
def tell_kept(
    hass: HomeAssistant, entry: ConfigEntry, item: KeptText, *, tried: bool, ahead: int
) -> None:
    """Tell that *item* is kept: after a try that met an outage, or without one, behind others."""
    if tried:
        LOGGER.warning(
            "SMS.dk could not take a text now (%s); it is kept and sent when SMS.dk answers again",
            item.error,
        )
    else:
        LOGGER.info("A text waits behind %d kept text(s)", ahead)
    fire(hass, entry, item, "queued", item.prepared.receivers)


@callback
def tell_sent(hass: HomeAssistant, entry: ConfigEntry, item: KeptText, tried: TryResult) -> None:
    """Tell what SMS.dk did with a kept text it answered for."""
    if not tried.accepted and not tried.rejected:
        return
    LOGGER.info(
        "Sent a kept text: %d accepted, %d rejected",
        len(tried.accepted),
        len(tried.rejected),
    )
    fire(
        hass,
        entry,
        item,
        "sent",
        tuple(a.receiver for a in tried.accepted),
        rejected=[
            {"receiver": r.receiver, "code": r.code, "message": r.message} for r in tried.rejected
        ],
    )


@callback
def give_up(
    hass: HomeAssistant,
    entry: ConfigEntry,
    not_sent: NotSent,
    item: KeptText,
    *,
    status: str,
    why: str,
) -> None:
    """Tell that *item* (no longer queued) was not sent.

    A log line, an event, and a repair issue whose fix flow offers to send it again or to discard
    it (the text is kept in *not_sent* for that).
    """
    LOGGER.error(
        "A kept text to %d receiver(s) was not sent (%s): %s",
        len(item.prepared.receivers),
        status,
        why,
    )
    fire(hass, entry, item, status, item.prepared.receivers, reason=why)
    not_sent.keep(replace(item, error=why))
    ir.async_create_issue(
        hass,
        DOMAIN,
        not_sent_issue_id(entry.entry_id, item.id),
        is_fixable=True,
        data={"entry_id": entry.entry_id, "text_id": item.id},
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=f"text_{status}",
        translation_placeholders={
            "title": entry.title,
            "receivers": str(len(item.prepared.receivers)),
            "queued": dt_util.as_local(item.queued).strftime("%Y-%m-%d %H:%M"),
            "reason": why,
        },
    )


def unreadable_issue_id(entry_id: str) -> str:
    """The id of the repair issue of kept texts that could not be read back."""
    return f"unreadable_texts_{entry_id}"


@callback
def tell_unreadable(hass: HomeAssistant, entry: ConfigEntry, count: int) -> None:
    """Tell that *count* kept texts could not be read back (a damaged file): they are not sent.

    Logged without their numbers or texts (the journal's line is not shown either), and a repair
    issue says so, rather than the texts vanishing without a word.
    """
    LOGGER.error("%d kept text(s) could not be read back and will not be sent", count)
    ir.async_create_issue(
        hass,
        DOMAIN,
        unreadable_issue_id(entry.entry_id),
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="unreadable_texts",
        translation_placeholders={"title": entry.title, "count": str(count)},
    )
