"""The one send path: every way of sending a text ends here.

Notify entities, the classic ``notify.<name>`` action and ``sms_dk.send_sms`` all build a
:class:`SendRequest` and call :meth:`SmsSender.async_send`, which checks everything it can before
the first request (numbers, text, length, encoding, sender, schedule, reference) into a
:class:`Prepared` text and submits it to the outbox: the outbox sends it at once through the
dispatcher (one request per receiver: SMS.dk's multi-receiver form is not documented), or keeps it
while SMS.dk is away or texts kept before it still wait.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final
from uuid import uuid4

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from .checks import invalid, replacement_wanted, text_problems
from .const import (
    CONF_DEFAULT_SENDER,
    CONF_PHONE,
    CONF_SENDER,
    LOGGER,
    REFERENCE_MAX_LENGTH,
    SCHEDULE_MAX_AHEAD,
    SCHEDULE_MIN_AHEAD,
    SUBENTRY_RECIPIENT,
    is_valid_sender_name,
)
from .errors import action_error
from .models import Prepared, Rejected, SendOutcome, SendRequest, is_temporary
from .smsdk import SmsDkClient, SmsDkError, SmsDkValidationError
from .smsdk.gsm import TextAnalysis, analyze
from .smsdk.phone import InvalidPhoneNumberError, normalize_number

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

    from .guard import SpendGuard
    from .outbox import Outbox

CODE_SENDER_NOT_APPROVED: Final = 1017


async def async_sender_names(
    hass: HomeAssistant, entry: ConfigEntry, client: SmsDkClient
) -> tuple[str, ...] | None:
    """Return the account's approved sender names; None when SMS.dk does not tell.

    The first one is remembered in the entry: it is the default sender, also when Home Assistant
    starts while SMS.dk cannot be reached.
    """
    try:
        names = tuple(
            name.name for name in await client.get_sender_names() if name.approved is not False
        )
    except SmsDkError as err:
        LOGGER.debug("Could not read the approved sender names: %s", err)
        return None
    if names and entry.data.get(CONF_DEFAULT_SENDER) != names[0]:
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_DEFAULT_SENDER: names[0]}
        )
    return names


class SmsSender:
    """Sends texts for one SMS.dk entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: SmsDkClient,
        outbox: Outbox,
        *,
        guard: SpendGuard,
        sender_names: tuple[str, ...] | None,
    ) -> None:
        """Send through *outbox*, within *guard*'s limits; *sender_names*: None when unknown."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._outbox = outbox
        self._guard = guard
        self.sender_names = sender_names

    async def async_update_sender_names(self) -> None:
        """Read the approved sender names again (they could not be read at set-up)."""
        self.sender_names = await async_sender_names(self._hass, self._entry, self._client)

    def saved_recipients(self) -> list[str]:
        """The numbers of the entry's saved recipients."""
        return [
            subentry.data[CONF_PHONE]
            for subentry in self._entry.subentries.values()
            if subentry.subentry_type == SUBENTRY_RECIPIENT
        ]

    async def async_send(self, request: SendRequest) -> SendOutcome:
        """Check *request*, send it to every receiver and return what happened.

        Raises ServiceValidationError for what the user can fix, HomeAssistantError when SMS.dk
        refuses the text as a whole (or the token) before any receiver was accepted. Receivers
        SMS.dk refuses are in the outcome's ``rejected``; those the outbox keeps (SMS.dk is away,
        or texts kept before this one still wait) are in ``queued``.
        """
        receivers = self._receivers(request.receivers)
        analysis = self._analyze(request)
        prepared = Prepared(
            receivers=tuple(receivers),
            text=analysis.text,
            format=analysis.format,
            parts=analysis.parts,
            sender=await self._async_sender(request.sender),
            scheduled=self._scheduled(request.scheduled),
            reference=self._reference(request.reference),
            send_id=uuid4().hex[:16],
        )
        # Only a text that could be sent counts against the limits (raises when over one); what
        # SMS.dk then refuses is given back.
        self._guard.check(len(prepared.receivers), ignore_limit=request.ignore_limit)
        try:
            delivery = await self._outbox.async_submit(prepared)
        except BaseException:
            self._guard.refund(len(prepared.receivers))
            raise
        if delivery is None:
            return SendOutcome(
                analysis=analysis,
                parts=analysis.parts,
                credits=0.0,
                scheduled=prepared.scheduled,
                queued=prepared.receivers,
            )
        queued: tuple[str, ...] = ()
        # What SMS.dk refused, or what was given up, cost nothing: it does not count.
        given_back = len(delivery.rejected)
        if (err := delivery.error) is not None:
            if is_temporary(err):
                queued = delivery.unsent  # the outbox kept them
            else:
                error = self._error(err, prepared.sender)  # also starts re-authentication
                given_back += len(delivery.unsent)
                if not delivery.accepted:
                    self._guard.refund(given_back)
                    raise error from err
                # Some receivers already have the text: report the rest as not sent.
                delivery.rejected.extend(
                    Rejected(r, err.code, err.message) for r in delivery.unsent
                )
        self._guard.refund(given_back)
        LOGGER.debug(
            "Sent a %s-part %s text: %d accepted, %d rejected, %d queued",
            delivery.parts or analysis.parts,
            analysis.format.value,
            len(delivery.accepted),
            len(delivery.rejected),
            len(queued),
        )
        return SendOutcome(
            analysis=analysis,
            parts=delivery.parts or analysis.parts,
            credits=delivery.credits,
            scheduled=prepared.scheduled,
            accepted=tuple(delivery.accepted),
            rejected=tuple(delivery.rejected),
            queued=queued,
        )

    def _receivers(self, raw: Iterable[str]) -> list[str]:
        numbers: list[str] = []
        for number in raw:
            try:
                numbers.append(normalize_number(number))
            except InvalidPhoneNumberError as err:
                raise invalid("invalid_number", number=err.number) from err
        if not numbers:
            raise invalid("no_receivers")
        return list(dict.fromkeys(numbers))

    def _analyze(self, request: SendRequest) -> TextAnalysis:
        message = request.message.strip()
        if not message:
            raise invalid("empty_message")
        # The title is joined to the message: one text, not two.
        text = (
            f"{request.title.strip()}\n{message}"
            if request.title and request.title.strip()
            else message
        )
        analysis = analyze(
            text,
            encoding=request.encoding,
            replace=replacement_wanted(self._entry, request.replace_characters),
        )
        if problems := text_problems(analysis):
            raise problems[0]
        return analysis

    async def _async_sender(self, requested: str | None) -> str:
        sender = (
            (requested or "").strip()
            or self._entry.options.get(CONF_SENDER)
            or (self.sender_names[0] if self.sender_names else None)
            or self._entry.data.get(CONF_DEFAULT_SENDER)
        )
        if not sender:
            raise invalid("no_sender")
        if not is_valid_sender_name(sender):
            raise invalid("invalid_sender", sender=sender)
        if self.sender_names is not None and sender not in self.sender_names:
            # Approved since the list was read? Ask SMS.dk once more before refusing.
            await self.async_update_sender_names()
            if self.sender_names is not None and sender not in self.sender_names:
                raise self._unapproved(sender)
        return str(sender)

    def _unapproved(self, sender: str) -> ServiceValidationError:
        return invalid(
            "unapproved_sender", sender=sender, approved=", ".join(self.sender_names or ()) or "-"
        )

    @staticmethod
    def _scheduled(when: datetime | None) -> datetime | None:
        """A send time SMS.dk takes: 10 minutes to a year ahead, any zone, never an exception."""
        if when is None:
            return None
        shown = when.isoformat()
        try:
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt_util.get_default_time_zone())
            # Converting a time at the calendar's ends (year 1 or 9999 with an offset) overflows.
            when.astimezone(UTC)
        except OverflowError, ValueError:
            raise invalid("invalid_scheduled", scheduled=shown) from None
        now = dt_util.utcnow()
        earliest = now + SCHEDULE_MIN_AHEAD
        if when < earliest:
            raise invalid(
                "scheduled_too_soon",
                earliest=dt_util.as_local(earliest).strftime("%Y-%m-%d %H:%M"),
            )
        if when > now + SCHEDULE_MAX_AHEAD:
            raise invalid(
                "scheduled_too_far",
                scheduled=shown,
                latest=dt_util.as_local(now + SCHEDULE_MAX_AHEAD).strftime("%Y-%m-%d %H:%M"),
            )
        return when

    @staticmethod
    def _reference(reference: str | None) -> str | None:
        if reference is None or not reference.strip():
            return None
        if len(reference) > REFERENCE_MAX_LENGTH:
            raise invalid("reference_too_long", max_length=str(REFERENCE_MAX_LENGTH))
        return reference

    def _error(self, err: SmsDkError, sender: str) -> HomeAssistantError:
        """Return the user-facing error for a send SMS.dk refused as a whole."""
        if isinstance(err, SmsDkValidationError):
            if err.code == CODE_SENDER_NOT_APPROVED:
                return self._unapproved(sender)
            return invalid("api_rejected", code=str(err.code or "?"), message=err.message)
        return action_error(self._hass, self._entry, err)
