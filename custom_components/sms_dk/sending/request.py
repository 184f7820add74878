"""What a user asks to send, every check of it, and what the send did (the action's answer).

The checks are shared by the send path and ``sms_dk.estimate``, so that an estimate is exactly
what a send then does. Each raises (or lists) the translated error of errors.invalid().
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from ..const import (
    CONF_REPLACE_CHARACTERS,
    DOMAIN,
    MAX_PARTS,
    REFERENCE_MAX_LENGTH,
    SCHEDULE_MAX_AHEAD,
    SCHEDULE_MIN_AHEAD,
)
from ..errors import invalid
from ..models import Accepted, Rejected
from ..smsdk import MessageFormat
from ..smsdk.gsm import Encoding, TextAnalysis, analyze
from ..smsdk.phone import InvalidPhoneNumberError, normalize_number


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
    ignore_limit: bool = False  # an emergency: past the spend guard's limits


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


def replacement_wanted(entry: ConfigEntry, requested: bool | None) -> bool:
    """Whether to replace non-GSM characters: as *requested*, else the entry's option."""
    if requested is None:
        return bool(entry.options.get(CONF_REPLACE_CHARACTERS, False))
    return requested


def text_problems(analysis: TextAnalysis) -> list[ServiceValidationError]:
    """Every reason a text cannot go as analysed, in order.

    send_sms raises the first; sms_dk.estimate lists them all.
    """
    problems: list[ServiceValidationError] = []
    if not analysis.text.strip():
        # Only characters the replacement removed ("°"): SMS.dk refuses an empty text (1004).
        problems.append(invalid("empty_message"))
    if analysis.format is MessageFormat.GSM and analysis.non_gsm:
        problems.append(invalid("not_gsm", characters=" ".join(analysis.non_gsm)))
    if analysis.parts > MAX_PARTS:
        problems.append(
            invalid("message_too_long", parts=str(analysis.parts), max_parts=str(MAX_PARTS))
        )
    return problems


def checked_receivers(raw: Iterable[str]) -> tuple[str, ...]:
    """The receivers, normalised, each once, in order; raises for an invalid one or none."""
    numbers: list[str] = []
    for number in raw:
        try:
            numbers.append(normalize_number(number))
        except InvalidPhoneNumberError as err:
            raise invalid("invalid_number", number=err.number) from err
    if not numbers:
        raise invalid("no_receivers")
    return tuple(dict.fromkeys(numbers))


def checked_text(entry: ConfigEntry, request: SendRequest) -> TextAnalysis:
    """The text to send (the title joined to the message), analysed; raises its first problem."""
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
        replace=replacement_wanted(entry, request.replace_characters),
    )
    if problems := text_problems(analysis):
        raise problems[0]
    return analysis


def checked_schedule(when: datetime | None) -> datetime | None:
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


def checked_reference(reference: str | None) -> str | None:
    """The caller's reference as SMS.dk keeps it (None for none or blank); raises if too long."""
    if reference is None or not reference.strip():
        return None
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise invalid("reference_too_long", max_length=str(REFERENCE_MAX_LENGTH))
    return reference
