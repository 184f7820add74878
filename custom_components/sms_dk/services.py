"""The integration's actions: ``sms_dk.send_sms``, ``sms_dk.estimate`` and ``cancel_scheduled``."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import config_validation as cv, entity_registry as er

from .compat import async_get_config_entry, probatio
from .const import CONF_PHONE, DOMAIN
from .data import async_send_when_loaded
from .errors import action_error, invalid
from .models import saved_recipients
from .sending import SendRequest, build_estimate
from .smsdk import SmsDkError, SmsDkNotFoundError
from .smsdk.gsm import Encoding

if TYPE_CHECKING:
    from .coordinator import SmsDkConfigEntry

SERVICE_SEND_SMS = "send_sms"
SERVICE_ESTIMATE = "estimate"
SERVICE_CANCEL_SCHEDULED = "cancel_scheduled"

ATTR_RECIPIENTS = "recipients"
ATTR_MESSAGE = "message"
ATTR_SENDER = "sender"
ATTR_ENCODING = "encoding"
ATTR_REPLACE_CHARACTERS = "replace_characters"
ATTR_SCHEDULED = "scheduled"
ATTR_REFERENCE = "reference"
ATTR_IGNORE_LIMIT = "ignore_limit"
ATTR_BATCH_ID = "batch_id"

SEND_SMS_SCHEMA = probatio.Schema(
    {
        probatio.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        probatio.Required(ATTR_RECIPIENTS): probatio.All(
            cv.ensure_list, [probatio.Coerce(str)], probatio.Length(min=1)
        ),
        probatio.Required(ATTR_MESSAGE): cv.string,
        probatio.Optional(ATTR_SENDER): cv.string,
        probatio.Optional(ATTR_ENCODING, default=Encoding.AUTO.value): probatio.In(
            [e.value for e in Encoding]
        ),
        probatio.Optional(ATTR_REPLACE_CHARACTERS): cv.boolean,
        probatio.Optional(ATTR_SCHEDULED): cv.datetime,
        probatio.Optional(ATTR_REFERENCE): cv.string,
        probatio.Optional(ATTR_IGNORE_LIMIT, default=False): cv.boolean,
    }
)

ESTIMATE_SCHEMA = probatio.Schema(
    {
        probatio.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        probatio.Required(ATTR_RECIPIENTS): probatio.All(
            cv.ensure_list, [probatio.Coerce(str)], probatio.Length(min=1)
        ),
        probatio.Required(ATTR_MESSAGE): cv.string,
        probatio.Optional(ATTR_ENCODING, default=Encoding.AUTO.value): probatio.In(
            [e.value for e in Encoding]
        ),
        probatio.Optional(ATTR_REPLACE_CHARACTERS): cv.boolean,
    }
)

CANCEL_SCHEDULED_SCHEMA = probatio.Schema(
    {
        probatio.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        probatio.Required(ATTR_BATCH_ID): cv.string,
    }
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (once, in async_setup)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_SEND_SMS,
        _async_send_sms,
        schema=SEND_SMS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_ESTIMATE,
        _async_estimate,
        schema=ESTIMATE_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_CANCEL_SCHEDULED,
        _async_cancel_scheduled,
        schema=CANCEL_SCHEDULED_SCHEMA,
    )


def _entry(call: ServiceCall) -> SmsDkConfigEntry:
    """The loaded entry the call names, or the only one."""
    entry = async_get_config_entry(call.hass, DOMAIN, call.data.get(ATTR_CONFIG_ENTRY_ID))
    return cast("SmsDkConfigEntry", entry)


def _recipient_numbers(
    hass: HomeAssistant, entry: SmsDkConfigEntry, recipients: list[str]
) -> tuple[str, ...]:
    """Numbers as given, and the numbers of the named notify entities of *entry*."""
    registry = er.async_get(hass)
    saved = {subentry.subentry_id: subentry for subentry in saved_recipients(entry)}
    numbers: list[str] = []
    for recipient in recipients:
        if not recipient.startswith("notify."):
            numbers.append(recipient)
            continue
        entity = registry.async_get(recipient)
        subentry = (
            saved.get(entity.config_subentry_id)
            if entity
            and entity.platform == DOMAIN
            and entity.config_entry_id == entry.entry_id
            and entity.config_subentry_id
            else None
        )
        if subentry is None:
            raise invalid("unknown_recipient_entity", entity_id=recipient)
        numbers.append(subentry.data[CONF_PHONE])
    return tuple(numbers)


async def _async_send_sms(call: ServiceCall) -> ServiceResponse:
    """Send a text and return what happened to it (waiting for an entry that reloads)."""

    def request(entry: SmsDkConfigEntry) -> SendRequest:
        return SendRequest(
            receivers=_recipient_numbers(call.hass, entry, call.data[ATTR_RECIPIENTS]),
            message=call.data[ATTR_MESSAGE],
            sender=call.data.get(ATTR_SENDER),
            encoding=Encoding(call.data[ATTR_ENCODING]),
            replace_characters=call.data.get(ATTR_REPLACE_CHARACTERS),
            scheduled=call.data.get(ATTR_SCHEDULED),
            reference=call.data.get(ATTR_REFERENCE),
            ignore_limit=call.data[ATTR_IGNORE_LIMIT],
        )

    outcome = await async_send_when_loaded(call.hass, call.data.get(ATTR_CONFIG_ENTRY_ID), request)
    if not outcome.accepted and not outcome.queued:
        # Nobody gets the text: that is an error, whether or not a response was asked for.
        outcome.raise_for_rejections()
    # A partial success is not an error here: the response says who was rejected and why.
    return outcome.as_response() if call.return_response else None


async def _async_estimate(call: ServiceCall) -> ServiceResponse:
    """Tell what sms_dk.send_sms would do with the same data, without sending anything."""
    entry = _entry(call)
    return build_estimate(
        entry,
        call.data[ATTR_RECIPIENTS],
        # One at a time, so that an unknown entity is listed with the rest instead of raising.
        lambda recipient: _recipient_numbers(call.hass, entry, [recipient])[0],
        message=call.data[ATTR_MESSAGE],
        encoding=Encoding(call.data[ATTR_ENCODING]),
        replace_characters=call.data.get(ATTR_REPLACE_CHARACTERS),
    )


async def _async_cancel_scheduled(call: ServiceCall) -> None:
    """Cancel a scheduled text that has not been sent yet."""
    entry = _entry(call)
    batch_id: str = call.data[ATTR_BATCH_ID]
    try:
        await entry.runtime_data.client.cancel_scheduled(batch_id)
    except SmsDkNotFoundError as err:
        raise invalid("nothing_to_cancel", batch_id=batch_id) from err
    except SmsDkError as err:
        raise action_error(call.hass, entry, err) from err
    entry.runtime_data.tracker.forget_batch(batch_id)
