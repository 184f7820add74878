"""The SMS.dk integration: send text messages through the Danish SMS gateway SMS.dk."""

from __future__ import annotations

from homeassistant.const import CONF_NAME, CONF_URL, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    discovery,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import slugify
from homeassistant.util.hass_dict import HassKey

from .const import (
    CONF_API_TOKEN,
    CONF_NOTIFY_NAME,
    DOMAIN,
    LOGGER,
    PROBE_TIMEOUT,
    REQUEST_TIMEOUT,
)
from .coordinator import SmsDkCreditsCoordinator, low_credits_issue_id
from .data import SmsDkConfigEntry, SmsDkRuntimeData
from .delivery import DeliveryTracker
from .dispatch import Dispatcher
from .entity import service_device_info
from .guard import SpendGuard
from .models import Delivery
from .notify import ATTR_ENTRY_ID
from .outbox import Outbox
from .reports import async_register_reports, async_remove_cloudhook, async_setup_cloudhook
from .sender import SmsSender, async_sender_names
from .services import async_setup_services
from .smsdk import SmsDkClient
from .smsdk.phone import load_metadata
from .storage import async_remove_entry_stores
from .usage import Usage

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
PLATFORMS: list[Platform] = [Platform.BUTTON, Platform.EVENT, Platform.NOTIFY, Platform.SENSOR]
# The classic notify action is a legacy notify platform, loaded by discovery with this config.
DATA_HASS_CONFIG: HassKey[ConfigType] = HassKey(f"{DOMAIN}_hass_config")


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions."""
    hass.data[DATA_HASS_CONFIG] = config
    async_setup_services(hass)
    # Numbers are checked in the event loop: their countries' plans must be loaded already.
    await hass.async_add_executor_job(load_metadata)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SmsDkConfigEntry) -> bool:
    """Set up an SMS.dk account: the first credit read checks the token and the connection."""
    client = SmsDkClient(
        async_get_clientsession(hass),
        entry.data[CONF_API_TOKEN],
        base_url=entry.data[CONF_URL],
        timeout=REQUEST_TIMEOUT,
    )
    coordinator = SmsDkCreditsCoordinator(hass, entry, client)
    try:
        # A refused token raises ConfigEntryAuthFailed: the user is asked for a new one.
        await coordinator.async_config_entry_first_refresh()
    except ConfigEntryNotReady as err:
        # An outage does not stop the set-up: texts sent meanwhile must be kept by the outbox
        # (after a power cut Home Assistant often starts before the internet connection does).
        # The credits sensor is unavailable until SMS.dk answers; the coordinator logs when it
        # does.
        LOGGER.warning(
            "SMS.dk cannot be reached now (%s); texts are kept and sent when it answers", err
        )
    tracker = DeliveryTracker(hass, entry, client)
    await tracker.async_load()
    entry.async_on_unload(tracker.async_shutdown)
    async_register_reports(hass, entry, tracker)
    await async_setup_cloudhook(hass, entry)
    usage = Usage(hass, entry.entry_id)
    await usage.async_load()
    guard = SpendGuard(hass, entry)
    await guard.async_load()

    @callback
    def accepted(delivery: Delivery) -> None:
        usage.count(delivery)
        # The balance changed; read it without keeping the caller waiting.
        entry.async_create_task(
            hass, coordinator.async_request_refresh(), "sms_dk credits after send"
        )

    dispatcher = Dispatcher(hass, entry, client, tracker, on_accepted=accepted)

    async def probe() -> None:
        # The outbox asks whether SMS.dk answers again: the balance is the cheapest question,
        # and its answer brings the credits sensor back at once.
        coordinator.async_set_balance(await client.get_credits(timeout=PROBE_TIMEOUT))

    outbox = Outbox(hass, entry, dispatcher.async_deliver, probe)
    await outbox.async_load()
    entry.async_on_unload(outbox.async_shutdown)
    sender = SmsSender(
        hass,
        entry,
        client,
        outbox,
        guard=guard,
        # Read only when SMS.dk answered: else set-up would wait for a second timeout, and
        # retry_when_back reads them once SMS.dk is back.
        sender_names=await async_sender_names(hass, entry, client)
        if coordinator.last_update_success
        else None,
    )

    @callback
    def retry_when_back() -> None:
        # The balance could be read: SMS.dk answers again, so kept texts can go now.
        if not coordinator.last_update_success:
            return
        outbox.async_retry_soon()
        if sender.sender_names is None:
            entry.async_create_background_task(
                hass, sender.async_update_sender_names(), "sms_dk sender names"
            )

    entry.async_on_unload(coordinator.async_add_listener(retry_when_back))
    # The account's device first: recipients' devices hang under it.
    account_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **service_device_info(entry)
    )
    entry.runtime_data = SmsDkRuntimeData(
        client=client,
        coordinator=coordinator,
        sender=sender,
        tracker=tracker,
        outbox=outbox,
        usage=usage,
        guard=guard,
        account_device_id=account_device.id,
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_create_task(
        hass,
        discovery.async_load_platform(
            hass,
            Platform.NOTIFY,
            DOMAIN,
            {CONF_NAME: _legacy_notify_name(hass, entry), ATTR_ENTRY_ID: entry.entry_id},
            hass.data[DATA_HASS_CONFIG],
        ),
        "sms_dk classic notify action",
    )
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SmsDkConfigEntry) -> bool:
    """Unload an SMS.dk account (its classic notify action goes with it: see notify.py)."""
    # A warning about an account that is not loaded (disabled, say) helps nobody.
    ir.async_delete_issue(hass, DOMAIN, low_credits_issue_id(entry.entry_id))
    # Awaited here, in full: Home Assistant gives the unload callbacks only 10 s, and a try under
    # way may take longer. The next set-up must read what this one wrote, not race it.
    await entry.runtime_data.outbox.async_shutdown()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: SmsDkConfigEntry) -> None:
    """Forget the entry's cloudhook, stored deliveries, kept texts and repair issues."""
    await async_remove_cloudhook(hass, entry)
    await async_remove_entry_stores(hass, entry.entry_id)
    registry = ir.async_get(hass)
    for domain, issue_id in list(registry.issues):
        if domain == DOMAIN and entry.entry_id in issue_id:
            ir.async_delete_issue(hass, DOMAIN, issue_id)


def _legacy_notify_name(hass: HomeAssistant, entry: SmsDkConfigEntry) -> str:
    """The name of the entry's classic notify action: chosen once, then kept in the entry.

    The first entry gets notify.sms_dk, a second notify.sms_dk_2, and so on; each keeps its
    name across restarts, reloads and renames, so automations always reach the same account.
    """
    if name := entry.data.get(CONF_NOTIFY_NAME):
        return str(name)
    taken = {
        other.data.get(CONF_NOTIFY_NAME)
        for other in hass.config_entries.async_entries(DOMAIN)
        if other.entry_id != entry.entry_id
    }
    base = slugify(entry.title) or DOMAIN
    name = base
    number = 1
    while name in taken or hass.services.has_service("notify", name):
        number += 1
        name = f"{base}_{number}"
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_NOTIFY_NAME: name})
    return name
