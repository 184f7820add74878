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
      -> DeliveryTracker.async_report       reports within 0.5 s read together (the first at once)
      -> tracking.LogReader                 POST /v1/sms/listlog: the batch's, or the whole log for
                                            several; shared with polls and lost-answer look-ups
      -> DeliveryTracker._apply             a new status: event sms_dk_delivery_status, TextStep
      -> dispatcher signal(entry, "message", receiver)  the delivery status sensor writes its state

While texts are kept, the outbox asks SMS.dk whether it answers again with the cheapest request,
the balance (EntryLinks.async_probe); a balance read by the coordinator tells it the same
(EntryLinks.on_credits_update).

A change of the entry takes effect in place, without a reload, so that no text meets an entry that
is not there (EntryLinks.async_on_entry_update): a new token or API address goes to the client,
and the options are read where they are used, at each text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Final

from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .compat import async_get_config_entry
from .const import CONF_PHONE, DOMAIN, LOGGER, PROBE_TIMEOUT
from .coordinator import SmsDkConfigEntry, SmsDkCreditsCoordinator, SmsDkRuntimeData
from .entity import service_device_info
from .errors import EntryUnloadingError
from .models import TryResult, saved_recipients
from .outbox import Outbox, Transmitter
from .sending import SendOutcome, SendRequest, SmsSender, SpendGuard, Usage, async_sender_names
from .smsdk import SmsDkClient
from .storage import EntryJournal
from .tracking import DeliveryTracker, LogReader, async_register_reports, async_setup_cloudhook

# How long an action waits for an entry the user reloads.
RELOAD_WAIT: Final = 30.0


async def async_loaded_entry(hass: HomeAssistant, entry_id: str | None) -> SmsDkConfigEntry:
    """The loaded entry an action names (or the only one), waiting for one that reloads.

    A Reload of the user unloads the entry and sets it up again, holding the entry's set-up
    lock all along; an action that comes meanwhile waits for the lock (at most RELOAD_WAIT)
    instead of failing, and goes on with the entry as the reload left it. An entry that is not
    loaded and not under its lock is refused at once, as Home Assistant's helper refuses it.
    """
    try:
        return async_get_config_entry(hass, DOMAIN, entry_id)
    except ServiceValidationError:
        entries = hass.config_entries.async_entries(DOMAIN)
        named = [e for e in entries if entry_id in (None, e.entry_id)]
        if len(named) != 1 or not named[0].setup_lock.locked():
            raise
    try:
        async with asyncio.timeout(RELOAD_WAIT), named[0].setup_lock:
            pass  # the unload, and the set-up of a reload, are over
    except TimeoutError:
        pass  # still not back: refused below, as any entry that is not loaded
    return async_get_config_entry(hass, DOMAIN, entry_id)


async def async_send_when_loaded(
    hass: HomeAssistant,
    entry_id: str | None,
    request: Callable[[SmsDkConfigEntry], SendRequest],
) -> SendOutcome:
    """Send *request* (made for the entry) through the entry, waiting for one that reloads.

    A text that met the entry unloading was not taken (nothing was written or sent): it is sent
    once the entry is back.
    """
    entry = await async_loaded_entry(hass, entry_id)
    try:
        return await entry.runtime_data.sender.async_send(request(entry))
    except EntryUnloadingError:
        entry = await async_loaded_entry(hass, entry.entry_id)
        return await entry.runtime_data.sender.async_send(request(entry))


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
        # The saved recipients as the entities were made for them: a change reloads the entry.
        self._recipients = _recipient_details(entry)
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

    async def async_on_entry_update(self, hass: HomeAssistant, entry: SmsDkConfigEntry) -> None:
        """The entry changed (options, re-authentication, reconfiguration): apply it in place.

        A new token or address is used from the next request on, and the balance and the sender
        names read with it at once (the balance also lets kept texts go). Options need nothing
        here but the low-credit warning, checked again against its new level.
        """
        recipients = _recipient_details(entry)
        changed = {
            subentry_id
            for subentry_id, recipient in recipients.items()
            if self._recipients.get(subentry_id, recipient) != recipient
        }
        self._recipients = recipients
        if changed:
            # A recipient's name or number changed (a recipient added or removed needs
            # nothing): its entities are made anew.
            hass.config_entries.async_schedule_reload(entry.entry_id)
            return
        if self._client.set_credentials(entry.data[CONF_API_TOKEN], base_url=entry.data[CONF_URL]):
            # Another token may be another account, with sender names of its own: read before
            # the balance, whose listener (on_credits_update) would otherwise read them too.
            await self._sender.async_update_sender_names()
            await self._coordinator.async_refresh()
        elif self._coordinator.last_update_success:
            self._coordinator.async_set_balance(self._coordinator.data)

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


def _recipient_details(entry: SmsDkConfigEntry) -> dict[str, tuple[str, str]]:
    """The saved recipients' names and numbers, by subentry id."""
    return {s.subentry_id: (s.title, s.data[CONF_PHONE]) for s in saved_recipients(entry)}


async def async_build_runtime_data(
    hass: HomeAssistant, entry: SmsDkConfigEntry
) -> SmsDkRuntimeData:
    """Build and connect the entry's runtime objects; the first credit read checks the token.

    Raises ConfigEntryAuthFailed for a refused token (the user is asked for a new one). An outage
    does not stop the set-up: texts sent meanwhile are kept by the outbox (after a power cut Home
    Assistant often starts before the internet connection does). The balance and the sender names
    are read at once, side by side: set-up waits for SMS.dk one request timeout at the most.
    """
    client = SmsDkClient(
        async_get_clientsession(hass), entry.data[CONF_API_TOKEN], base_url=entry.data[CONF_URL]
    )
    coordinator = SmsDkCreditsCoordinator(hass, entry, client)
    first_refresh = hass.async_create_task(
        coordinator.async_config_entry_first_refresh(), "sms_dk first credit read", eager_start=True
    )
    names = hass.async_create_task(
        async_sender_names(hass, entry, client), "sms_dk sender names", eager_start=True
    )
    try:
        await first_refresh
    except ConfigEntryNotReady as err:
        # The credits sensor is unavailable until SMS.dk answers; the coordinator logs when it
        # does.
        LOGGER.warning(
            "SMS.dk cannot be reached now (%s); texts are kept and sent when it answers", err
        )
    except BaseException:
        names.cancel()
        raise
    # None if SMS.dk did not tell: they are read again once it answers (on_credits_update).
    sender_names = await names

    journal = EntryJournal(hass, entry.entry_id)
    records = await journal.async_load()
    # One reader of the delivery log for the tracker and the outbox's look-ups of lost answers.
    log = LogReader(client)
    tracker = DeliveryTracker(hass, entry, log)
    await tracker.async_load()
    async_register_reports(hass, entry, tracker)
    await async_setup_cloudhook(hass, entry)
    usage = Usage(hass, entry.entry_id)
    await usage.async_load()
    guard = SpendGuard(hass, entry, journal)
    await guard.async_load(records)

    links = EntryLinks(hass, entry, client, coordinator, usage)
    transmitter = Transmitter(
        hass, entry, client, tracker, log=log, on_accepted=links.async_on_accepted
    )
    outbox = Outbox(hass, entry, journal, transmitter.async_try, links.async_probe)
    await outbox.async_load(records)
    sender = SmsSender(hass, entry, client, outbox, guard=guard, sender_names=sender_names)
    links.attach(outbox, sender)
    entry.async_on_unload(coordinator.async_add_listener(links.on_credits_update))
    entry.async_on_unload(entry.add_update_listener(links.async_on_entry_update))
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
        journal=journal,
        account_device_id=account_device.id,
    )
