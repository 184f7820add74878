"""Typed results of the SMS.dk API, parsed defensively.

The API's answers are only partly documented (see docs/smsdk-api.md, "Answer shapes" and "Tolerant
parsing"): receivers come as numbers or strings, amounts as numbers or numeric strings, and fields
may be missing or added. The parsers here accept every shape seen in the wild and ignore what they
do not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any
from zoneinfo import ZoneInfo

# SMS.dk writes log times in Danish local time without a zone.
API_TIMEZONE = ZoneInfo("Europe/Copenhagen")


class MessageFormat(StrEnum):
    """How the text is encoded on the air."""

    GSM = "gsm"
    UNICODE = "unicode"


class DeliveryStatus(IntEnum):
    """The API's ``dlrStatus`` values."""

    PENDING = 0
    DELIVERED = 1
    REJECTED = 2
    EXPIRED = 4
    BUFFERED = 8
    UNKNOWN = -1

    @classmethod
    def from_api(cls, value: object) -> DeliveryStatus:
        """Map a raw ``dlrStatus``; any number the API has not documented is UNKNOWN."""
        number = as_int(value)
        if number is None:
            return cls.UNKNOWN
        try:
            return cls(number)
        except ValueError:
            return cls.UNKNOWN

    @property
    def is_final(self) -> bool:
        """Whether the status will not change any more."""
        return self in (DeliveryStatus.DELIVERED, DeliveryStatus.REJECTED, DeliveryStatus.EXPIRED)


def as_float(value: object) -> float | None:
    """A number from a JSON number or a numeric string; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:
            # A JSON integer of a few hundred digits is beyond any float.
            return None
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", "."))
        except ValueError:
            return None
    return None


def as_int(value: object) -> int | None:
    """A whole number from a JSON number or a numeric string; None for anything else."""
    number = as_float(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


def as_receiver(value: object) -> str:
    """A receiver as its digits, whether the API sent a number or a string."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lstrip("+")


def as_str(value: object) -> str | None:
    """A non-empty string, or None."""
    if value is None or isinstance(value, Mapping | list):
        return None
    text = str(value)
    return text or None


def parse_time_sent(value: object) -> datetime | None:
    """Parse ``timeSent`` (``dd.MM.yyyy HH.mm.ss`` in Danish time, or ISO 8601) as an aware time."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    for pattern in ("%d.%m.%Y %H.%M.%S", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H.%M", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=API_TIMEZONE)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=API_TIMEZONE)


@dataclass(frozen=True, slots=True)
class AcceptedReceiver:
    """A receiver the API took the message for."""

    receiver: str
    country: str | None = None
    country_code: str | None = None
    credit_cost: float | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AcceptedReceiver:
        """Parse one entry of ``report.accepted``."""
        return cls(
            receiver=as_receiver(data.get("receiver")),
            country=as_str(data.get("country")),
            country_code=as_str(data.get("countryCode")),
            credit_cost=as_float(data.get("creditCost")),
        )


@dataclass(frozen=True, slots=True)
class RejectedReceiver:
    """A receiver the API refused, with its reason."""

    receiver: str
    code: int | None
    message: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> RejectedReceiver:
        """Parse one entry of ``report.rejected``."""
        return cls(
            receiver=as_receiver(data.get("receiver")),
            code=as_int(data.get("messageCode")),
            message=as_str(data.get("message")) or "",
        )


def _entries(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the API did with one send request.

    A request may succeed for some receivers and fail for others (HTTP 207, code 3000): judge it by
    ``accepted`` and ``rejected``, never by the status code alone.
    """

    code: int | None
    batch_id: str | None
    parts: int | None
    credits: float
    accepted: tuple[AcceptedReceiver, ...]
    rejected: tuple[RejectedReceiver, ...]

    @property
    def mixed(self) -> bool:
        """Whether some receivers were rejected."""
        return bool(self.rejected)

    @classmethod
    def from_api(cls, code: int | None, result: Mapping[str, Any]) -> SendResult:
        """Parse the ``result`` (or ``errorResult``) object of a send answer."""
        report = result.get("report")
        if not isinstance(report, Mapping):
            report = {}
        return cls(
            code=code,
            batch_id=as_str(result.get("batchId")),
            parts=as_int(result.get("messageSize")),
            credits=as_float(result.get("totalCreditSum")) or 0.0,
            accepted=tuple(AcceptedReceiver.from_api(e) for e in _entries(report.get("accepted"))),
            rejected=tuple(RejectedReceiver.from_api(e) for e in _entries(report.get("rejected"))),
        )


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One message to one receiver in the delivery log."""

    batch_id: str | None
    receiver: str
    status: DeliveryStatus
    raw_status: int | None
    time_sent: datetime | None
    country: str | None
    sender: str | None
    parts: int | None
    format: MessageFormat | None
    message: str | None
    credit_cost: float | None
    reference: str | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> LogEntry:
        """Parse one entry of the log's ``data``."""
        raw_format = as_int(data.get("format"))
        return cls(
            batch_id=as_str(data.get("batchId")),
            receiver=as_receiver(data.get("receiver")),
            status=DeliveryStatus.from_api(data.get("dlrStatus")),
            raw_status=as_int(data.get("dlrStatus")),
            time_sent=parse_time_sent(data.get("timeSent")),
            country=as_str(data.get("country")),
            sender=as_str(data.get("sender")),
            parts=as_int(data.get("messageSize")),
            format={0: MessageFormat.GSM, 1: MessageFormat.UNICODE}.get(raw_format or 0)
            if raw_format is not None
            else None,
            message=as_str(data.get("message")),
            credit_cost=as_float(data.get("creditCost")),
            reference=as_str(data.get("userReference")),
        )


@dataclass(frozen=True, slots=True)
class LogPage:
    """A page of the delivery log."""

    limit: int | None
    offset: int | None
    total: int | None
    entries: tuple[LogEntry, ...]

    @classmethod
    def from_api(cls, result: Mapping[str, Any]) -> LogPage:
        """Parse the log's ``result`` object."""
        return cls(
            limit=as_int(result.get("limit")),
            offset=as_int(result.get("offset")),
            total=as_int(result.get("recordsTotal")),
            entries=tuple(LogEntry.from_api(e) for e in _entries(result.get("data"))),
        )


@dataclass(frozen=True, slots=True)
class SenderName:
    """A sender name of the account."""

    name: str
    approved: bool | None = None

    @classmethod
    def from_api(cls, data: object) -> SenderName | None:
        """Parse one sender name entry (an object, or a bare string); None if it has no name."""
        if isinstance(data, str):
            return cls(name=data) if data else None
        if not isinstance(data, Mapping):
            return None
        name = as_str(data.get("senderName")) or as_str(data.get("name"))
        if name is None:
            return None
        approved = data.get("approved")
        return cls(name=name, approved=approved if isinstance(approved, bool) else None)
