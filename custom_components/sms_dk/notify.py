"""Notify: an entity per saved recipient, and the classic ``notify.<name>`` action."""

from __future__ import annotations

from datetime import datetime
from typing import Any, override

from homeassistant.components.notify import (
    ATTR_DATA,
    ATTR_TARGET,
    ATTR_TITLE,
    BaseNotificationService,
    NotifyEntity,
    NotifyEntityDescription,
    NotifyEntityFeature,
)
from homeassistant.config_entries import ConfigEntryState, ConfigSubentry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .compat import probatio
from .const import CONF_PHONE, DOMAIN
from .coordinator import SmsDkConfigEntry
from .data import async_send_when_loaded
from .entity import SmsDkEntity, async_add_recipient_entities
from .errors import invalid
from .models import saved_recipients
from .sending import SendRequest
from .smsdk.gsm import Encoding

# Not limited here: the outbox keeps the order, and a text's receivers fan out a few at a time.
PARALLEL_UPDATES = 0

RECIPIENT = NotifyEntityDescription(key="recipient", translation_key="recipient")

ATTR_ENTRY_ID = "entry_id"
# The classic action of each entry, kept through the entry's reloads.
DATA_CLASSIC_ACTIONS: HassKey[dict[str, SmsDkNotificationService]] = HassKey(
    f"{DOMAIN}_classic_actions"
)
DATA_SENDER = "sender"
DATA_FORMAT = "format"
DATA_SCHEDULED = "scheduled"
DATA_REFERENCE = "reference"
DATA_REPLACE_CHARACTERS = "replace_characters"
DATA_IGNORE_LIMIT = "ignore_limit"
# While an entry is in one of these, its classic action may be set up.
ACTIVE_STATES = (ConfigEntryState.SETUP_IN_PROGRESS, ConfigEntryState.LOADED)
DATA_KEYS = {
    DATA_SENDER,
    DATA_FORMAT,
    DATA_SCHEDULED,
    DATA_REFERENCE,
    DATA_REPLACE_CHARACTERS,
    DATA_IGNORE_LIMIT,
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmsDkConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a notify entity for every recipient, now and whenever one is added."""
    async_add_recipient_entities(
        hass,
        entry,
        async_add_entities,
        lambda subentry: SmsDkRecipientEntity(entry, subentry),
    )


class SmsDkRecipientEntity(SmsDkEntity, NotifyEntity):
    """Sends a text to one saved recipient (``notify.send_message``)."""

    _attr_supported_features = NotifyEntityFeature.TITLE

    def __init__(self, entry: SmsDkConfigEntry, subentry: ConfigSubentry) -> None:
        """Send to the number of *subentry*, on the recipient's device ("Mor SMS")."""
        super().__init__(entry, RECIPIENT, subentry)
        # The recipient's notify entity has had its subentry's id alone since 0.1.
        self._attr_unique_id = f"{entry.entry_id}_{subentry.subentry_id}"
        self._entry = entry

    @override
    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Send *message* (with *title* joined to it) to the recipient."""
        outcome = await self._entry.runtime_data.sender.async_send(
            SendRequest(receivers=(str(self.number),), message=message, title=title)
        )
        outcome.raise_for_rejections()


async def async_get_service(
    hass: HomeAssistant,
    config: ConfigType,
    discovery_info: DiscoveryInfoType | None = None,
) -> SmsDkNotificationService | None:
    """Set up the classic notify action of one entry (loaded by discovery from the entry)."""
    if discovery_info is None:
        return None
    entry: SmsDkConfigEntry | None = hass.config_entries.async_get_entry(
        discovery_info[ATTR_ENTRY_ID]
    )
    if entry is None or entry.state not in ACTIVE_STATES:
        # A stale call, or the entry unloaded before its action could be set up.
        return None
    services = hass.data.setdefault(DATA_CLASSIC_ACTIONS, {})
    if entry.entry_id in services:
        return None  # kept through the entry's reload: still registered, and still its own
    service = services[entry.entry_id] = SmsDkNotificationService(entry)
    entry.async_on_unload(service.async_on_unload)
    return service


class SmsDkNotificationService(BaseNotificationService):
    """``notify.<name>``: send to ``target`` numbers, or to every saved recipient."""

    def __init__(self, entry: SmsDkConfigEntry) -> None:
        """Send through *entry*."""
        self._entry = entry

    @override
    async def async_register_services(self) -> None:
        """Register the action, unless the entry unloaded meanwhile.

        The notify integration sets the action up in a task of its own, which an unload does
        not wait for: registering after the unload removed it would leave a stale action.
        """
        if self._entry.state in ACTIVE_STATES:
            await super().async_register_services()

    @override
    async def async_send_message(self, message: str = "", **kwargs: Any) -> None:
        """Send *message* with the action's title, target and data (waiting for a reload)."""
        targets: list[str] = [str(t) for t in kwargs.get(ATTR_TARGET) or []]
        data: dict[str, Any] = kwargs.get(ATTR_DATA) or {}
        if unknown := sorted(set(data) - DATA_KEYS):
            # A misspelt option must not be silently ignored (a text sent at the wrong time...).
            raise invalid(
                "unknown_data", keys=", ".join(unknown), allowed=", ".join(sorted(DATA_KEYS))
            )
        try:
            encoding = Encoding(data.get(DATA_FORMAT, Encoding.AUTO))
        except ValueError as err:
            raise invalid("invalid_format", format=str(data.get(DATA_FORMAT))) from err
        replace_characters = _flag(data, DATA_REPLACE_CHARACTERS)
        ignore_limit = bool(_flag(data, DATA_IGNORE_LIMIT))
        scheduled = _scheduled(data.get(DATA_SCHEDULED))

        def request(entry: SmsDkConfigEntry) -> SendRequest:
            saved = [subentry.data[CONF_PHONE] for subentry in saved_recipients(entry)]
            return SendRequest(
                receivers=tuple(targets or saved),
                message=message,
                title=kwargs.get(ATTR_TITLE),
                sender=_text(data.get(DATA_SENDER)),
                encoding=encoding,
                replace_characters=replace_characters,
                ignore_limit=ignore_limit,
                scheduled=scheduled,
                reference=_text(data.get(DATA_REFERENCE)),
            )

        outcome = await async_send_when_loaded(self.hass, self._entry.entry_id, request)
        outcome.raise_for_rejections()

    @callback
    def async_on_unload(self) -> None:
        """The entry unloads: the action goes, unless the entry comes back (the user's Reload).

        Kept through a reload, the action answers as always: a text waits for the entry.
        """
        self.hass.async_create_background_task(
            self._async_remove_unless_back(), "sms_dk classic action"
        )

    async def _async_remove_unless_back(self) -> None:
        # The entry's lock is held through its unload, and a reload's set-up after it.
        async with self._entry.setup_lock:
            if self._entry.state is ConfigEntryState.LOADED:
                self._entry.async_on_unload(self.async_on_unload)
                return
            self.hass.data[DATA_CLASSIC_ACTIONS].pop(self._entry.entry_id, None)
            await self.async_unregister_services()


def _scheduled(value: Any) -> datetime | None:
    """Read ``data.scheduled``: a datetime, or a text a template made of one."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        # A well-formed but impossible date ("2026-02-30 10:00") raises ValueError.
        parsed = dt_util.parse_datetime(str(value))
    except ValueError:
        parsed = None
    if parsed is None:
        raise invalid("invalid_scheduled", scheduled=str(value))
    return parsed


def _text(value: Any) -> str | None:
    """A text option; templates may render numbers (a numeric sender name)."""
    return None if value is None else str(value)


def _flag(data: dict[str, Any], key: str) -> bool | None:
    """A yes/no option, as Home Assistant reads booleans (true, "on", 1, ...)."""
    if (value := data.get(key)) is None:
        return None
    try:
        return cv.boolean(value)
    except probatio.Invalid as err:
        raise invalid("invalid_flag", option=key, value=str(value)) from err
