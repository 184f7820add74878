"""Delivery reports: the webhook SMS.dk calls (dlrUrl) when a message's status changes.

The call is not signed and its parameters are not documented, so it is only a prompt: the
tracker then reads the message's status from the delivery log. The webhook id is the secret in
the URL; it is kept in the entry and never logged. The webhook answers at once and never fails,
whatever it is sent.

SMS.dk reaches the webhook at the user's external URL or, without one, through a Home Assistant
Cloud cloudhook (see async_report_url). Home Assistant's cloud component is imported only once it
is set up: a custom integration may run where it is not installed, or not configured.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.const import CONF_WEBHOOK_ID, EVENT_CORE_CONFIG_UPDATE
from homeassistant.core import Event, HomeAssistant, callback

from ..const import DOMAIN, LOGGER

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

    from .tracker import DeliveryTracker

# The entry's cloudhook address, once Home Assistant Cloud made one (a secret, as the webhook id).
CONF_CLOUDHOOK_URL: Final = "cloudhook_url"
CLOUD: Final = "cloud"

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

    Called for every text, so it only reads what set-up prepared. In this order:

    1. The external URL, when the user set one: their choice stands (a proxy, a port forward).
    2. The entry's cloudhook, while the Home Assistant Cloud subscription is active.
    3. None: delivery status is then kept current by polling alone. (Cloud's remote address is
       not used: Home Assistant gives webhooks cloudhooks instead.)
    """
    if hass.config.external_url:
        # With an external URL, get_url answers with it and cannot fail.
        return webhook.async_generate_url(
            hass, async_webhook_id(hass, entry), allow_internal=False, allow_ip=True
        )
    if (cloudhook := entry.data.get(CONF_CLOUDHOOK_URL)) and _cloud_active(hass):
        return str(cloudhook)
    return None


@callback
def _cloud_active(hass: HomeAssistant) -> bool:
    """Whether Home Assistant Cloud is set up, logged in and its subscription not expired."""
    # Once Cloud is set up its module is loaded: importing it here costs nothing.
    if CLOUD not in hass.config.components:
        return False
    from homeassistant.components import cloud  # noqa: PLC0415 (see the module's docstring)

    return cloud.async_active_subscription(hass)


async def async_setup_cloudhook(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Give the entry's webhook a cloudhook when Home Assistant Cloud can make one; never fails.

    Made once and kept in the entry (texts already sent carry its URL): now if Cloud is connected,
    else when it connects (at start-up it usually has not yet) or the external URL is cleared.
    Not made while the user has an external URL. Cloud's changes are followed: a cloudhook that
    Cloud no longer has (another account logged in) is forgotten and made anew. A failure is
    logged, and delivery status is then kept current by polling.
    """
    if CLOUD not in hass.config.components:
        LOGGER.debug("Home Assistant Cloud is not set up: delivery reports need an external URL")
        return
    from homeassistant.components import cloud  # noqa: PLC0415 (see the module's docstring)

    lock = asyncio.Lock()  # one creation at a time: set-up and Cloud's signals may overlap
    warned = False

    async def create() -> None:
        nonlocal warned
        async with lock:
            if (
                CONF_CLOUDHOOK_URL in entry.data
                or hass.config.external_url
                or not cloud.async_active_subscription(hass)
            ):
                return
            if not cloud.async_is_connected(hass):
                LOGGER.debug("Home Assistant Cloud is not connected yet: cloudhook made later")
                return
            webhook_id = async_webhook_id(hass, entry)
            try:
                try:
                    url = await cloud.async_create_cloudhook(hass, webhook_id)
                except ValueError:
                    # Cloud has a hook for this webhook already, but the entry lost its URL
                    # (Home Assistant stopped between the two saves): make it anew.
                    await cloud.async_delete_cloudhook(hass, webhook_id)
                    url = await cloud.async_create_cloudhook(hass, webhook_id)
            # Cloud fails in many ways (its own errors, the Nabu Casa API's, timeouts); none may
            # stop set-up, and texts go on without the cloudhook.
            except Exception as err:  # noqa: BLE001
                LOGGER.log(
                    logging.DEBUG if warned else logging.WARNING,
                    "No Home Assistant Cloud address for delivery reports (%s: %s); delivery"
                    " status is read by polling",
                    type(err).__name__,
                    err,
                )
                warned = True
                return
            _store(url)
            LOGGER.debug("Delivery reports come through Home Assistant Cloud")

    @callback
    def _store(url: str | None) -> None:
        data = {k: v for k, v in entry.data.items() if k != CONF_CLOUDHOOK_URL}
        if url:
            data[CONF_CLOUDHOOK_URL] = url
        hass.config_entries.async_update_entry(entry, data=data)

    @callback
    def on_cloudhook_change(cloudhook: dict[str, Any] | None) -> None:
        # Cloud changed its hooks: keep the entry's address as Cloud has it, or forget it.
        url = cloudhook["cloudhook_url"] if cloudhook else None
        if url != entry.data.get(CONF_CLOUDHOOK_URL):
            _store(url)

    async def on_connection_change(state: cloud.CloudConnectionState) -> None:
        if state is cloud.CloudConnectionState.CLOUD_CONNECTED:
            await create()

    async def on_config_update(_: Event[Any]) -> None:
        await create()  # the external URL may have been cleared

    await create()
    entry.async_on_unload(
        cloud.async_listen_cloudhook_change(
            hass, async_webhook_id(hass, entry), on_cloudhook_change
        )
    )
    entry.async_on_unload(cloud.async_listen_connection_change(hass, on_connection_change))
    entry.async_on_unload(hass.bus.async_listen(EVENT_CORE_CONFIG_UPDATE, on_config_update))


async def async_remove_cloudhook(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete the removed entry's cloudhook, if it has one; never fails (removal goes on)."""
    if CONF_CLOUDHOOK_URL not in entry.data:
        return
    if CLOUD not in hass.config.components:
        LOGGER.debug("Home Assistant Cloud is not set up: its cloudhook cannot be deleted")
        return
    from homeassistant.components import cloud  # noqa: PLC0415 (see the module's docstring)

    try:
        await cloud.async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
    # As in creation: whatever Cloud raises, the rest of the removal must go on.
    except Exception as err:  # noqa: BLE001
        LOGGER.warning(
            "The Home Assistant Cloud address for delivery reports could not be deleted (%s: %s)",
            type(err).__name__,
            err,
        )
