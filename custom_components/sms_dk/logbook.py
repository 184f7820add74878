"""Logbook lines for the integration's events: what happened to a text, in a few plain words.

The logbook shows ``sms_dk_delivery_status`` ("SMS to Mor delivered") and ``sms_dk_outbox``
("SMS to 2 recipients queued (SMS.dk cannot be reached)"). Every user can read the logbook, so a
receiver is named by its saved recipient's title, and any other number only by its first four
digits. Like the logbook lines of Home Assistant's own integrations, these are English only: the
logbook has no translations for them. Old events are described again each time the logbook is
read, from whatever the recorder kept, so nothing here may rely on an event's data being complete.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from homeassistant.components.logbook import (
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
    LazyEventPartialState,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .const import CONF_PHONE, DOMAIN
from .models import saved_recipients
from .outbox import EVENT_OUTBOX
from .tracking import EVENT_DELIVERY_STATUS

# The name a line is shown under when its entry is gone (removed since the event).
DEFAULT_NAME: Final = "SMS.dk"
# Enough of a number to tell countries and operators apart, too little to call anyone.
SHOWN_DIGITS: Final = 4
# A reason (or an odd status) comes from SMS.dk's answer or an exception; a line stays a line.
MAX_REASON: Final = 200

DELIVERY_LINES: Final = {
    "delivered": "{sms} delivered",
    "rejected": "{sms} rejected",
    "expired": "{sms} expired, not delivered",
    "buffered": "{sms} held by the phone network (phone off or out of reach)",
    "pending": "{sms} waiting for a delivery report",
    "unknown": "{sms}: delivery status unknown",
}
OUTBOX_LINES: Final = {
    "queued": "{sms} queued (SMS.dk cannot be reached)",
    "expired": "{sms} not sent (given up)",
    "failed": "{sms} not sent (refused)",
}

type Describe = Callable[[LazyEventPartialState], dict[str, Any]]


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Describe], None],
) -> None:
    """Teach the logbook to describe the delivery status and outbox events."""

    @callback
    def describe_delivery(event: LazyEventPartialState) -> dict[str, Any]:
        """Describe a delivery status change of one text."""
        data = _data(event)
        entry = _entry(hass, data)
        receiver = data.get("receiver")
        sms = _sms(entry, [receiver] if receiver is not None else [])
        status = _text(data.get("status")) or "unknown"
        line = DELIVERY_LINES.get(status, "{sms}: delivery status {status}")
        return _line(entry, line.format(sms=sms, status=_shorten(status)))

    @callback
    def describe_outbox(event: LazyEventPartialState) -> dict[str, Any]:
        """Describe what the outbox did with a text SMS.dk could not take at once."""
        data = _data(event)
        entry = _entry(hass, data)
        sms = _sms(entry, _list(data.get("receivers")))
        status = _text(data.get("status"))
        if status == "sent":
            message = _sent(entry, sms, data)
        else:
            line = OUTBOX_LINES.get(status, "Queued {sms}: {status}")
            message = line.format(sms=sms, status=_shorten(status) or "status unknown")
            if status in ("expired", "failed") and (reason := _text(data.get("reason"))):
                message = f"{message}: {_shorten(reason)}"
        return _line(entry, message)

    async_describe_event(DOMAIN, EVENT_DELIVERY_STATUS, describe_delivery)
    async_describe_event(DOMAIN, EVENT_OUTBOX, describe_outbox)


def _sent(entry: ConfigEntry | None, sms: str, data: Mapping[str, Any]) -> str:
    """A kept text went out: to whom, and who SMS.dk refused (only the event names these)."""
    # Each rejection is {"receiver", "code", "message"}; anything else names nobody.
    refused = [r.get("receiver") for r in _list(data.get("rejected")) if isinstance(r, Mapping)]
    accepted = _list(data.get("receivers"))
    if not refused:
        return f"Queued {sms} sent"
    rejected_for = _who(entry, refused)
    if not accepted:
        return f"Queued SMS rejected for {rejected_for}"
    return f"Queued {sms} sent; rejected for {rejected_for}"


def _line(entry: ConfigEntry | None, message: str) -> dict[str, Any]:
    return {
        LOGBOOK_ENTRY_NAME: entry.title if entry else DEFAULT_NAME,
        LOGBOOK_ENTRY_MESSAGE: message,
    }


def _data(event: LazyEventPartialState) -> Mapping[str, Any]:
    """The event's data; an empty mapping for whatever else an old or foreign event holds."""
    data: object = event.data
    return data if isinstance(data, Mapping) else {}


def _entry(hass: HomeAssistant, data: Mapping[str, Any]) -> ConfigEntry | None:
    """The SMS.dk entry the event names, if it still exists."""
    entry_id = data.get("entry_id")
    if not isinstance(entry_id, str):
        return None
    entry = hass.config_entries.async_get_entry(entry_id)
    return entry if entry is not None and entry.domain == DOMAIN else None


def _sms(entry: ConfigEntry | None, receivers: list[Any]) -> str:
    """The subject of a line: SMS to Mor, SMS to 2 recipients, or SMS when none is named."""
    return f"SMS to {_who(entry, receivers)}" if receivers else "SMS"


def _who(entry: ConfigEntry | None, receivers: list[Any]) -> str:
    """One receiver by name (or shortened number); several only by their count."""
    if len(receivers) == 1:
        return _receiver(entry, receivers[0])
    return f"{len(receivers)} recipients"


def _receiver(entry: ConfigEntry | None, receiver: Any) -> str:
    """The saved recipient's title, or the number cut to its first digits."""
    digits = _digits(receiver)
    if not digits:
        return "an unknown number"
    if entry is not None:
        for subentry in saved_recipients(entry):
            if _digits(subentry.data.get(CONF_PHONE)) == digits:
                return subentry.title
    return f"{digits[:SHOWN_DIGITS]}…"


def _digits(number: Any) -> str:
    """The digits of a number as events and subentries hold it ("4522113344", or an int)."""
    if isinstance(number, bool) or not isinstance(number, str | int):
        return ""
    return "".join(c for c in str(number) if c.isdigit())


def _list(value: Any) -> list[Any]:
    """A list from an event field that should hold one; a lone string counts as one item."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        return [value]
    return list(value) if isinstance(value, list | tuple) else []


def _text(value: Any) -> str:
    """A string field, stripped; empty for anything that is not a string."""
    return " ".join(value.split()) if isinstance(value, str) else ""


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_REASON else f"{text[: MAX_REASON - 1]}…"
