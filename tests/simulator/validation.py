"""Checks of request bodies: the whole-request errors of a send, and listlog's parameters.

Per-receiver problems (number length, country) are not here: they do not fail the request but go
into the report's rejected array (see numbers.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import math
import re
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from .models import COPENHAGEN

if TYPE_CHECKING:
    from collections.abc import Collection

SCHEDULE_MIN_AHEAD: Final = timedelta(minutes=10)
USER_REFERENCE_MAX: Final = 50
FORMATS: Final = ("gsm", "unicode")
ENCODINGS: Final = ("utf8",)

_DIGITS: Final = re.compile(r"[0-9]+")
_SENDER_CHARS: Final = re.compile(r"[A-Za-z0-9 .&-]+")
_SENDER_MIN: Final = 3
_SENDER_MAX: Final = 11
_SENDER_DIGITS_MAX: Final = 15


class SendError(Exception):
    """A whole-request problem in a send body, answered with its code's table entry."""

    def __init__(self, code: int) -> None:
        """Remember the response code."""
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class SendRequest:
    """A send body that passed the whole-request checks."""

    receivers: list[str]  # digit strings, not yet judged one by one
    sender: str
    message: str
    format: str | None  # "gsm", "unicode", or None when absent
    dlr_url: str | None
    user_reference: str | None
    scheduled: datetime | None  # aware UTC


def present(value: Any) -> bool:
    """Return whether a body field counts as given.

    Empty strings count as absent, as a PHP back end's empty() would (a guess).
    """
    return value is not None and value != ""


def parse_send(body: dict[str, Any], sender_names: Collection[str], now: datetime) -> SendRequest:
    """Check a send body in the API's order; raise SendError with the first problem's code."""
    receivers = parse_receivers(body.get("receiver"))
    sender = check_sender(body.get("senderName"), sender_names)
    message = body.get("message")
    if not isinstance(message, str) or not message:
        raise SendError(1004)
    requested_format = body.get("format")
    if not present(requested_format):
        requested_format = None
    elif requested_format not in FORMATS:
        raise SendError(1009)
    encoding = body.get("encoding")
    if present(encoding) and encoding not in ENCODINGS:
        raise SendError(1010)
    dlr_url = body.get("dlrUrl")
    if not present(dlr_url):
        dlr_url = None
    elif not valid_url(dlr_url):
        raise SendError(1013)
    return SendRequest(
        receivers=receivers,
        sender=sender,
        message=message,
        format=requested_format,
        dlr_url=dlr_url,
        user_reference=check_user_reference(body.get("userReference")),
        scheduled=check_scheduled(body.get("scheduled"), now),
    )


def parse_receivers(value: Any) -> list[str]:
    """Return the receivers (a number, a digit string, or a list of them) as digit strings."""
    if not present(value) or value == []:
        raise SendError(1002)
    items = value if isinstance(value, list) else [value]
    receivers: list[str] = []
    for item in items:
        if not present(item):
            raise SendError(1002)
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise SendError(1014)
        if isinstance(item, int):
            if item < 0:
                # A negative JSON number is a number but not digits (a guess at the code).
                raise SendError(1047)
            receivers.append(str(item))
        elif _DIGITS.fullmatch(item):
            receivers.append(item)
        else:
            # Includes "4522113344,4522113345": several receivers must come as a JSON list.
            raise SendError(1060)
    return receivers


def check_sender(value: Any, sender_names: Collection[str]) -> str:
    """Return the sender name if it is well-formed and approved."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a numeric sender name sent as a JSON number
    if not present(value):
        raise SendError(1003)
    if not isinstance(value, str):
        raise SendError(1011)
    length = len(value)
    all_digits = _DIGITS.fullmatch(value) is not None
    if not _SENDER_MIN <= length <= _SENDER_MAX and not (
        all_digits and length <= _SENDER_DIGITS_MAX
    ):
        raise SendError(1011)
    if not _SENDER_CHARS.fullmatch(value):
        raise SendError(1012)
    if value not in sender_names:
        raise SendError(1017)
    return value


def valid_url(value: Any) -> bool:
    """Return whether value is an absolute http or https URL."""
    if not isinstance(value, str) or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for an invalid port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(host)


def check_user_reference(value: Any) -> str | None:
    """Return the user reference (None when absent) if it is at most 50 characters."""
    if not present(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        # No code fits a list or an object here; the generic one is a guess.
        raise SendError(1040)
    if len(value) > USER_REFERENCE_MAX:
        raise SendError(1046)
    return value


def check_scheduled(value: Any, now: datetime) -> datetime | None:
    """Return the scheduled time (aware UTC; None when absent) if ISO 8601 and 10+ min ahead."""
    if not present(value):
        return None
    if not isinstance(value, str):
        raise SendError(1029)
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise SendError(1029) from None
    if when.tzinfo is None:
        # Which zone the API assumes for a naive time is unknown; Danish local time is likely.
        when = when.replace(tzinfo=COPENHAGEN)
    when = when.astimezone(UTC)
    if when < now + SCHEDULE_MIN_AHEAD:
        raise SendError(1028)
    return when


def int_param(value: Any, default: int) -> int | None:
    """Read an integer body parameter (a number or a digit string); None when unusable."""
    if value is None:
        return default
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    return None
