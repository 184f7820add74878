"""Diagnostics: configuration and state, with the token, numbers, names and texts redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_TOKEN, CONF_SENDER, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .const import CONF_DEFAULT_SENDER, CONF_PHONE
from .coordinator import SmsDkConfigEntry
from .sending import DAY, HOUR
from .tracking import CONF_CLOUDHOOK_URL

TO_REDACT = {
    CONF_API_TOKEN,
    CONF_WEBHOOK_ID,
    # As secret as the webhook id: whoever knows it can call the webhook.
    CONF_CLOUDHOOK_URL,
    CONF_PHONE,
    # A numeric sender name is usually the owner's own phone number.
    CONF_SENDER,
    CONF_DEFAULT_SENDER,
    "receiver",
    "receivers",
    "title",
    "reference",
    "text",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SmsDkConfigEntry
) -> dict[str, Any]:
    """Return what helps to understand a problem, and nothing secret or personal."""
    data = entry.runtime_data
    coordinator = data.coordinator
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
            "recipients": [
                async_redact_data({"title": subentry.title, **subentry.data}, TO_REDACT)
                for subentry in entry.subentries.values()
            ],
        },
        "credits": {
            "value": coordinator.data,
            "last_update_success": coordinator.last_update_success,
            "last_exception": repr(coordinator.last_exception)
            if coordinator.last_exception
            else None,
        },
        "sender_names": len(data.sender.sender_names)
        if data.sender.sender_names is not None
        else None,
        "usage": {"texts": data.usage.texts, "credits": data.usage.credits},
        "spend_guard": {
            "last_hour": data.guard.count_since(dt_util.utcnow() - HOUR),
            "last_day": data.guard.count_since(dt_util.utcnow() - DAY),
        },
        "outbox": {
            "link": data.outbox.recovery.link.value,
            "retrying": data.outbox.retrying,
            "texts": [
                # Receivers whose answer was lost: how many (their numbers are the keys).
                {**async_redact_data(item.as_dict(), TO_REDACT), "unverified": len(item.unverified)}
                for item in data.outbox.items
            ],
        },
        "delivery": {
            "polling": data.tracker.polling,
            "messages": [
                async_redact_data(message.as_dict(), TO_REDACT) for message in data.tracker.messages
            ],
        },
    }
