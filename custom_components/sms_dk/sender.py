"""The one send path: every way of sending a text ends here.

Notify entities, the classic ``notify.<name>`` action and ``sms_dk.send_sms`` all build a
:class:`SendRequest` and call :meth:`SmsSender.async_send`, which checks everything it can before
the first request (numbers, text, length, encoding, sender, schedule, reference) into a
:class:`Prepared` text, and delivers it with one request per receiver (SMS.dk's multi-receiver
form is not documented). What meets an outage is handed to the outbox, which delivers it later
through the same :meth:`SmsSender.async_deliver`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from .const import (
    CONF_DEFAULT_SENDER,
    CONF_PHONE,
    CONF_REPLACE_CHARACTERS,
    CONF_SENDER,
    DOMAIN,
    LOGGER,
    MAX_PARTS,
    REFERENCE_MAX_LENGTH,
    SCHEDULE_MIN_AHEAD,
    SUBENTRY_RECIPIENT,
    is_valid_sender_name,
)
from .errors import action_error
from .reports import async_report_url
from .smsdk import (
    MessageFormat,
    SmsDkClient,
    SmsDkConnectionError,
    SmsDkError,
    SmsDkRateLimitError,
    SmsDkRejectedError,
    SmsDkServerError,
    SmsDkValidationError,
)
from .smsdk.gsm import Encoding, TextAnalysis, analyze
from .smsdk.phone import InvalidPhoneNumberError, normalize_number

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .coordinator import SmsDkConfigEntry, SmsDkCreditsCoordinator
    from .delivery import DeliveryTracker
    from .outbox import Outbox

CODE_SENDER_NOT_APPROVED = 1017


@dataclass(frozen=True, slots=True)
class SendRequest:
    """What a user asked to send."""

    receivers: tuple[str, ...]
    message: str
    title: str | None = None
    sender: str | None = None
    encoding: Encoding = Encoding.AUTO
    replace_characters: bool | None = None  # None: the entry's option
    scheduled: datetime | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    """A receiver SMS.dk took the message for."""

    receiver: str
    batch_id: str | None
    credits: float | None


@dataclass(frozen=True, slots=True)
class Rejected:
    """A receiver SMS.dk refused, with its code and reason."""

    receiver: str
    code: int | None
    message: str


@dataclass(frozen=True, slots=True)
class Prepared:
    """A text checked and ready to go (what the outbox keeps)."""

    receivers: tuple[str, ...]
    text: str
    format: MessageFormat
    parts: int
    sender: str
    scheduled: datetime | None
    reference: str | None


@dataclass(slots=True)
class Delivery:
    """What one delivery attempt did; ``error`` stopped it before ``unsent`` were tried."""

    accepted: list[Accepted] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    unsent: tuple[str, ...] = ()
    error: SmsDkError | None = None
    credits: float = 0.0
    parts: int | None = None


def is_temporary(err: SmsDkError) -> bool:
    """Whether trying again later may work: an outage, a failing server, a cool-down."""
    return isinstance(err, SmsDkConnectionError | SmsDkServerError | SmsDkRateLimitError)


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """What happened to one send request."""

    analysis: TextAnalysis
    parts: int
    credits: float
    scheduled: datetime | None
    accepted: tuple[Accepted, ...] = field(default=())
    rejected: tuple[Rejected, ...] = field(default=())
    queued: tuple[str, ...] = field(default=())

    @property
    def batch_ids(self) -> list[str]:
        """The batch ids of the accepted messages, each once."""
        return list(dict.fromkeys(a.batch_id for a in self.accepted if a.batch_id))

    def as_response(self) -> dict[str, Any]:
        """The outcome as action response data (JSON-serialisable)."""
        batch_ids = self.batch_ids
        return {
            "batch_id": batch_ids[0] if batch_ids else None,
            "batch_ids": batch_ids,
            "encoding": self.analysis.format.value,
            "parts": self.parts,
            "credits": self.credits,
            "scheduled": self.scheduled.isoformat() if self.scheduled else None,
            "accepted": [
                {"receiver": a.receiver, "batch_id": a.batch_id, "credits": a.credits}
                for a in self.accepted
            ],
            "rejected": [
                {"receiver": r.receiver, "code": r.code, "message": r.message}
                for r in self.rejected
            ],
            "queued": list(self.queued),
            "replaced": [
                {"character": original, "replacement": replacement}
                for original, replacement in self.analysis.replaced
            ],
        }

    def raise_for_rejections(self) -> None:
        """Raise, naming each rejected receiver, if any was rejected (for the notify actions)."""
        if not self.rejected:
            return
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="rejected_receivers",
            translation_placeholders={
                "sent": str(len(self.accepted)),
                "total": str(len(self.accepted) + len(self.rejected)),
                "rejected": "; ".join(
                    f"{r.receiver}: {r.message} ({r.code})" for r in self.rejected
                ),
            },
        )


async def async_sender_names(
    hass: HomeAssistant, entry: SmsDkConfigEntry, client: SmsDkClient
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


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


class SmsSender:
    """Sends texts for one SMS.dk entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmsDkConfigEntry,
        *,
        client: SmsDkClient,
        coordinator: SmsDkCreditsCoordinator,
        tracker: DeliveryTracker,
        sender_names: tuple[str, ...] | None,
    ) -> None:
        """Send through *client*; *sender_names* are the account's, None when unknown."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._coordinator = coordinator
        self._tracker = tracker
        self.sender_names = sender_names
        # Set once the outbox exists (it delivers through this sender).
        self.outbox: Outbox

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
        SMS.dk refuses are in the outcome's ``rejected``; those an outage kept from SMS.dk are in
        ``queued``: the outbox sends them when SMS.dk answers again.
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
        )
        # Texts kept from an outage go first: the order they were sent in is the order they go.
        await self.outbox.async_send_now()
        if self.outbox.blocked:
            # SMS.dk is still away (or waits for a new token or credits): this text waits its
            # turn, and the caller does not wait for a second failure.
            await self.outbox.async_add(prepared, None)
            return SendOutcome(
                analysis=analysis,
                parts=analysis.parts,
                credits=0.0,
                scheduled=prepared.scheduled,
                queued=prepared.receivers,
            )
        delivery = await self.async_deliver(prepared)
        queued: tuple[str, ...] = ()
        if (err := delivery.error) is not None:
            if is_temporary(err):
                queued = delivery.unsent
                await self.outbox.async_add(replace(prepared, receivers=queued), err)
            else:
                error = self._error(err, prepared.sender)  # also starts re-authentication
                if not delivery.accepted:
                    raise error from err
                # Some receivers already have the text: report the rest as not sent.
                delivery.rejected.extend(
                    Rejected(r, err.code, err.message) for r in delivery.unsent
                )
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

    async def async_deliver(self, prepared: Prepared) -> Delivery:
        """Send *prepared* to its receivers in turn; stop at the first error that is not theirs.

        Accepted messages are followed by the delivery tracker, and the credit balance is read
        again afterwards.
        """
        # Delivery reports go to Home Assistant's webhook when the internet can reach it.
        dlr_url = async_report_url(self._hass, self._entry)
        delivery = Delivery()
        for index, receiver in enumerate(prepared.receivers):
            try:
                result = await self._client.send(
                    receiver=receiver,
                    sender=prepared.sender,
                    message=prepared.text,
                    message_format=prepared.format,
                    dlr_url=dlr_url,
                    reference=prepared.reference,
                    scheduled=prepared.scheduled,
                )
            except SmsDkRejectedError as err:
                delivery.rejected.extend(
                    Rejected(r.receiver or receiver, r.code, r.message) for r in err.result.rejected
                )
                if not err.result.rejected:
                    delivery.rejected.append(Rejected(receiver, err.code, err.message))
                continue
            except SmsDkValidationError as err:
                if err.field != "receiver":
                    delivery.error, delivery.unsent = err, prepared.receivers[index:]
                    break
                delivery.rejected.append(Rejected(receiver, err.code, err.message))
                continue
            except SmsDkError as err:
                delivery.error, delivery.unsent = err, prepared.receivers[index:]
                break
            delivery.credits += result.credits
            delivery.parts = delivery.parts or result.parts
            for item in result.accepted:
                number = item.receiver or receiver
                delivery.accepted.append(Accepted(number, result.batch_id, item.credit_cost))
                if result.batch_id:
                    self._tracker.track(
                        batch_id=result.batch_id,
                        receiver=number,
                        sent=prepared.scheduled or dt_util.utcnow(),
                        parts=result.parts or prepared.parts,
                        cost=item.credit_cost,
                        reference=prepared.reference,
                    )
            delivery.rejected.extend(
                Rejected(r.receiver, r.code, r.message) for r in result.rejected
            )
        if delivery.accepted:
            # The balance changed; read it without keeping the caller waiting.
            self._entry.async_create_task(
                self._hass, self._coordinator.async_request_refresh(), "sms_dk credits after send"
            )
        return delivery

    def _receivers(self, raw: Iterable[str]) -> list[str]:
        numbers: list[str] = []
        for number in raw:
            try:
                numbers.append(normalize_number(number))
            except InvalidPhoneNumberError as err:
                raise _invalid("invalid_number", number=err.number) from err
        if not numbers:
            raise _invalid("no_receivers")
        return list(dict.fromkeys(numbers))

    def _analyze(self, request: SendRequest) -> TextAnalysis:
        message = request.message.strip()
        if not message:
            raise _invalid("empty_message")
        # The title is joined to the message: one text, not two.
        text = (
            f"{request.title.strip()}\n{message}"
            if request.title and request.title.strip()
            else message
        )
        replace = request.replace_characters
        if replace is None:
            replace = bool(self._entry.options.get(CONF_REPLACE_CHARACTERS, False))
        analysis = analyze(text, encoding=request.encoding, replace=replace)
        if analysis.format is MessageFormat.GSM and analysis.non_gsm:
            raise _invalid("not_gsm", characters=" ".join(analysis.non_gsm))
        if analysis.parts > MAX_PARTS:
            raise _invalid("message_too_long", parts=str(analysis.parts), max_parts=str(MAX_PARTS))
        return analysis

    async def _async_sender(self, requested: str | None) -> str:
        sender = (
            (requested or "").strip()
            or self._entry.options.get(CONF_SENDER)
            or (self.sender_names[0] if self.sender_names else None)
            or self._entry.data.get(CONF_DEFAULT_SENDER)
        )
        if not sender:
            raise _invalid("no_sender")
        if not is_valid_sender_name(sender):
            raise _invalid("invalid_sender", sender=sender)
        if self.sender_names is not None and sender not in self.sender_names:
            # Approved since the list was read? Ask SMS.dk once more before refusing.
            await self.async_update_sender_names()
            if self.sender_names is not None and sender not in self.sender_names:
                raise self._unapproved(sender)
        return str(sender)

    def _unapproved(self, sender: str) -> ServiceValidationError:
        return _invalid(
            "unapproved_sender", sender=sender, approved=", ".join(self.sender_names or ()) or "-"
        )

    @staticmethod
    def _scheduled(when: datetime | None) -> datetime | None:
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt_util.get_default_time_zone())
        earliest = dt_util.utcnow() + SCHEDULE_MIN_AHEAD
        if when < earliest:
            raise _invalid(
                "scheduled_too_soon",
                earliest=dt_util.as_local(earliest).strftime("%Y-%m-%d %H:%M"),
            )
        return when

    @staticmethod
    def _reference(reference: str | None) -> str | None:
        if reference is None or not reference.strip():
            return None
        if len(reference) > REFERENCE_MAX_LENGTH:
            raise _invalid("reference_too_long", max_length=str(REFERENCE_MAX_LENGTH))
        return reference

    def _error(self, err: SmsDkError, sender: str) -> HomeAssistantError:
        """Return the user-facing error for a send SMS.dk refused as a whole."""
        if isinstance(err, SmsDkValidationError):
            if err.code == CODE_SENDER_NOT_APPROVED:
                return self._unapproved(sender)
            return _invalid("api_rejected", code=str(err.code or "?"), message=err.message)
        return action_error(self._hass, self._entry, err)
