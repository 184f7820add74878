"""The wiring of a loaded entry: every runtime object built and connected in one place.

A text, from an action to SMS.dk and back::

    notify entity, notify.<name>, sms_dk.send_sms, test button, repair "send again"
      -> sending.SmsSender.async_send       checks (sending/request.py), spend guard
      -> outbox.Outbox.async_submit         tried at once, or kept (and stored) while it must wait
      -> outbox.Transmitter.async_try       POST /v1/sms/send per receiver, a few at a time
      <- models.TryResult                   accepted, rejected, unsent; policy.classify's verdict
      -> EntryLinks.async_on_accepted       usage counted, the balance read again
      -> tracking.DeliveryTracker.track     each accepted message followed from now on
      <- sending.SendOutcome                the action's response (queued, if the outbox kept it)

A delivery report, from the webhook to a sensor::

    SMS.dk calls GET <webhook>?batchId=...
      -> tracking.reports handler           answers 200 at once, whatever it was sent
      -> DeliveryTracker.async_report       POST /v1/sms/listlog for the batch (one read at a time)
      -> DeliveryTracker._apply             a new status: event sms_dk_delivery_status, TextStep
      -> dispatcher signal(entry, "message", receiver)  the delivery status sensor writes its state

While texts are kept, the outbox asks SMS.dk whether it answers again with the cheapest request,
the balance (EntryLinks.async_probe); a balance read by the coordinator tells it the same
(EntryLinks.on_credits_update).
"""

from __future__ import annotations

from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import LOGGER, PROBE_TIMEOUT
from .coordinator import SmsDkConfigEntry, SmsDkCreditsCoordinator, SmsDkRuntimeData
from .entity import service_device_info
from .models import TryResult
from .outbox import Outbox, Transmitter
from .sending import SmsSender, SpendGuard, Usage, async_sender_names
from .smsdk import SmsDkClient
from .tracking import DeliveryTracker, async_register_reports, async_setup_cloudhook


class EntryLinks:
    """What one runtime object tells another: named, instead of closures inside the set-up."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmsDkConfigEntry,
        client: SmsDkClient,
        coordinator: SmsDkCreditsCoordinator,
        usage: Usage,
    ) -> None:
        """Link the objects that exist before the outbox and the sender."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._coordinator = coordinator
        self._usage = usage
        # Built after these links, since they take the links' methods: see attach().
        self._outbox: Outbox
        self._sender: SmsSender

    def attach(self, outbox: Outbox, sender: SmsSender) -> None:
        """Link the outbox and the sender, once built (before anything calls the links)."""
        self._outbox, self._sender = outbox, sender

    @callback
    def async_on_accepted(self, tried: TryResult) -> None:
        """SMS.dk accepted a text: count it, and read the changed balance without waiting."""
        self._usage.count(tried)
        self._entry.async_create_task(
            self._hass, self._coordinator.async_request_refresh(), "sms_dk credits after send"
        )

    async def async_probe(self) -> None:
        """The outbox asks whether SMS.dk answers again: the balance is the cheapest question.

        Its answer also brings the credits sensor back at once.
        """
        self._coordinator.async_set_balance(await self._client.get_credits(timeout=PROBE_TIMEOUT))

    @callback
    def on_credits_update(self) -> None:
        """The coordinator read the balance: SMS.dk answers, so kept texts can go now."""
        if not self._coordinator.last_update_success:
            return
        self._outbox.async_retry_soon()
        if self._sender.sender_names is None:
            self._entry.async_create_background_task(
                self._hass, self._sender.async_update_sender_names(), "sms_dk sender names"
            )


async def async_build_runtime_data(
    hass: HomeAssistant, entry: SmsDkConfigEntry
) -> SmsDkRuntimeData:
    """Build and connect the entry's runtime objects; the first credit read checks the token.

    Raises ConfigEntryAuthFailed for a refused token (the user is asked for a new one). An outage
    does not stop the set-up: texts sent meanwhile are kept by the outbox (after a power cut Home
    Assistant often starts before the internet connection does).
    """
    client = SmsDkClient(
        async_get_clientsession(hass), entry.data[CONF_API_TOKEN], base_url=entry.data[CONF_URL]
    )
    coordinator = SmsDkCreditsCoordinator(hass, entry, client)
    try:
        await coordinator.async_config_entry_first_refresh()
    except ConfigEntryNotReady as err:
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

    links = EntryLinks(hass, entry, client, coordinator, usage)
    transmitter = Transmitter(hass, entry, client, tracker, on_accepted=links.async_on_accepted)
    outbox = Outbox(hass, entry, transmitter.async_try, links.async_probe)
    await outbox.async_load()
    entry.async_on_unload(outbox.async_shutdown)
    sender = SmsSender(
        hass,
        entry,
        client,
        outbox,
        guard=guard,
        # Read only when SMS.dk answered: else set-up would wait for a second timeout, and
        # on_credits_update reads them once SMS.dk is back.
        sender_names=await async_sender_names(hass, entry, client)
        if coordinator.last_update_success
        else None,
    )
    links.attach(outbox, sender)
    entry.async_on_unload(coordinator.async_add_listener(links.on_credits_update))
    # The account's device first: recipients' devices hang under it.
    account_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **service_device_info(entry)
    )
    return SmsDkRuntimeData(
        client=client,
        coordinator=coordinator,
        sender=sender,
        tracker=tracker,
        outbox=outbox,
        usage=usage,
        guard=guard,
        account_device_id=account_device.id,
    )
