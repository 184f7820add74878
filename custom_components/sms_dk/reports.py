"""Delivery reports: the webhook SMS.dk calls (dlrUrl) when a message's status changes.

The call is not signed and its parameters are not documented, so it is only a prompt: the
tracker then reads the message's status from the delivery log. The webhook id is the secret in
the URL; it is kept in the entry and never logged. The webhook answers at once and never fails,
whatever it is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.network import NoURLAvailableError

from .const import DOMAIN, LOGGER

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

    from .delivery import DeliveryTracker

# Parameter names SMS.dk may use for the batch id (undocumented; public clients guess batchId).
BATCH_ID_PARAMS: Final = ("batchId", "batchid", "batch_id", "BatchId")


@callback
def async_webhook_id(hass: HomeAssistant, entry: ConfigEntry) -> str:
    """The entry's webhook id, created once and kept (messages already sent carry its URL)."""
    if not (webhook_id := entry.data.get(CONF_WEBHOOK_ID)):
        webhook_id = webhook.async_generate_id()
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_WEBHOOK_ID: webhook_id}
        )
    return str(webhook_id)


@callback
def async_register_reports(
    hass: HomeAssistant, entry: ConfigEntry, tracker: DeliveryTracker
) -> None:
    """Receive delivery reports for *entry* until it unloads."""
    webhook_id = async_webhook_id(hass, entry)

    async def handle(hass: HomeAssistant, webhook_id: str, request: web.Request) -> web.Response:
        # SMS.dk calls with GET and query parameters; the body, if any, is never read.
        batch_id = next(
            (value for name in BATCH_ID_PARAMS if (value := request.query.get(name))), None
        )
        known = tracker.async_report(batch_id)
        LOGGER.debug("Delivery report received (%s batch)", "known" if known else "unknown")
        return web.Response(status=200, text="OK")

    webhook.async_register(
        hass,
        DOMAIN,
        f"{entry.title} delivery reports",
        webhook_id,
        handle,
        allowed_methods=("GET", "POST"),
    )
    entry.async_on_unload(lambda: webhook.async_unregister(hass, webhook_id))


@callback
def async_report_url(hass: HomeAssistant, entry: ConfigEntry) -> str | None:
    """The dlrUrl to send with each message, or None if SMS.dk could not reach us.

    Only an address reachable from the internet helps (the external URL or Home Assistant Cloud's
    remote address); without one, delivery status is kept current by polling alone.
    """
    try:
        return webhook.async_generate_url(
            hass, async_webhook_id(hass, entry), allow_internal=False, allow_ip=True
        )
    except NoURLAvailableError:
        return None
