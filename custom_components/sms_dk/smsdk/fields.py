"""How the client writes request fields: the token's header, the receiver, the scheduled time."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from .codes import CODE_BAD_SCHEDULE, RESPONSE_CODES
from .errors import SmsDkValidationError
from .models import API_TIMEZONE

# E.164: a phone number has at most 15 digits, country code included.
RECEIVER_DIGITS_MAX: Final = 15


def token_is_well_formed(token: str) -> bool:
    """Whether *token* can be sent as a bearer token: not empty, visible ASCII characters only.

    A line break, a tab, a space, an invisible or a non-ASCII character cannot go in an HTTP header
    as it is (a line break would even start a header of its own); they come from copying and
    pasting, not from the key. The client refuses such a token without making a request; a form
    can call this first to say what is wrong.
    """
    return bool(token) and all("!" <= char <= "~" for char in token)


def validation_error(code: int, field: str) -> SmsDkValidationError:
    """The API's own error for *code*, raised before a request it would refuse."""
    return SmsDkValidationError(RESPONSE_CODES[code].message, code=code, field=field)


def format_scheduled(when: datetime) -> str:
    """The ``scheduled`` field: ISO 8601 in Danish local time, with its UTC offset.

    The zone the API assumes for a time without offset is unknown, so we always send the offset;
    a naive *when* is taken to be Danish time already. A time that has no Danish equivalent (at
    the very ends of the datetime range) raises :class:`SmsDkValidationError` (code 1029).
    """
    if when.tzinfo is None:
        when = when.replace(tzinfo=API_TIMEZONE)
    try:
        return when.astimezone(API_TIMEZONE).replace(microsecond=0).isoformat()
    except (OverflowError, ValueError) as err:
        # Year 9999 at UTC-14 is year 10000 in Copenhagen, year 1 at UTC+14 is year 0.
        raise validation_error(CODE_BAD_SCHEDULE, "scheduled") from err
