"""What the outbox tells: events for automations, log lines, and a repair issue for a lost text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

    from .models import Delivery
    from .outbox_items import QueuedText

EVENT_OUTBOX: Final = f"{DOMAIN}_outbox"


@callback
def fire(
    hass: HomeAssistant,
    entry: ConfigEntry,
    item: QueuedText,
    status: str,
    receivers: tuple[str, ...],
    **extra: Any,
) -> None:
    """Fire ``sms_dk_outbox`` for *item* (queued, sent, expired or failed)."""
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
def tell_sent(
    hass: HomeAssistant, entry: ConfigEntry, item: QueuedText, delivery: Delivery
) -> None:
    """Tell what SMS.dk did with a kept text it answered for."""
    if not delivery.accepted and not delivery.rejected:
        return
    LOGGER.info(
        "Sent a kept text: %d accepted, %d rejected",
        len(delivery.accepted),
        len(delivery.rejected),
    )
    fire(
        hass,
        entry,
        item,
        "sent",
        tuple(a.receiver for a in delivery.accepted),
        rejected=[
            {"receiver": r.receiver, "code": r.code, "message": r.message}
            for r in delivery.rejected
        ],
    )


@callback
def give_up(
    hass: HomeAssistant, entry: ConfigEntry, item: QueuedText, status: str, why: str
) -> None:
    """Tell that *item* (no longer kept) was not sent: a log line, an event, a repair issue."""
    LOGGER.error(
        "A kept text to %d receiver(s) was not sent (%s): %s",
        len(item.prepared.receivers),
        status,
        why,
    )
    fire(hass, entry, item, status, item.prepared.receivers, reason=why)
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"text_not_sent_{entry.entry_id}_{item.id}",
        is_fixable=False,
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
