"""The table of every response code the SMS.dk API documents, and what the client reads of them.

Every error answer of the API carries a numeric ``messageCode``; :data:`RESPONSE_CODES` maps each
documented code (1000-1066, 3000, 5000-5014) to its HTTP status, the API's own wording and the
exception that represents it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import math
import re

from .errors import (
    SmsDkApiError,
    SmsDkAuthenticationError,
    SmsDkInsufficientCreditsError,
    SmsDkNotFoundError,
    SmsDkRateLimitError,
    SmsDkRejectedError,
    SmsDkServerError,
    SmsDkValidationError,
)


@dataclass(frozen=True, slots=True)
class ResponseCode:
    """One row of the API's table of response codes."""

    code: int
    http_status: int
    message: str
    error: type[SmsDkApiError] | None = None
    field: str | None = None


_V = SmsDkValidationError
_A = SmsDkAuthenticationError
_N = SmsDkNotFoundError

# The official table, verbatim (its spelling included). `error` is None for success codes.
RESPONSE_CODES: dict[int, ResponseCode] = {
    row.code: row
    for row in (
        ResponseCode(1000, 500, "Something went wrong.", SmsDkServerError),
        ResponseCode(1002, 400, 'Parameter "receiver" is required.', _V, "receiver"),
        ResponseCode(1003, 400, 'Parameter "senderName" is required.', _V, "senderName"),
        ResponseCode(1004, 400, 'Parameter "message" is required.', _V, "message"),
        ResponseCode(1005, 400, 'Parameter "contactName" is required.', _V, "contactName"),
        ResponseCode(1006, 400, 'Parameter "groupName" is required.', _V, "groupName"),
        ResponseCode(1007, 400, 'Parameter "phoneNumber" required.', _V, "phoneNumber"),
        ResponseCode(1008, 400, 'Parameter "groupId" is required.', _V, "groupId"),
        ResponseCode(1009, 409, "Format not recognized.", _V, "format"),
        ResponseCode(1010, 409, "Encoding format not recognized.", _V, "encoding"),
        ResponseCode(
            1011,
            400,
            'Parameter "senderName" is required and must be between 3 and max 11 characters'
            " in length. Or 15 digits.",
            _V,
            "senderName",
        ),
        ResponseCode(1012, 406, 'Characters not allowed in "senderName".', _V, "senderName"),
        ResponseCode(1013, 409, 'Parameter "dlrUrl" is not a valid URL.', _V, "dlrUrl"),
        ResponseCode(1014, 409, "Phone number should be specified as a number.", _V, "receiver"),
        ResponseCode(1015, 409, "Country code and phone number do not match.", _V, "receiver"),
        ResponseCode(1016, 409, "No contacts in group.", _N, "groupId"),
        ResponseCode(
            1017, 409, 'Parameter "senderName" is not a approved sender name.', _V, "senderName"
        ),
        ResponseCode(1018, 400, "Could not create user.", _V, "user"),
        ResponseCode(1019, 400, "Could not update user.", _V, "user"),
        ResponseCode(1020, 400, "Could not delete user.", _V, "user"),
        ResponseCode(1021, 406, "A group with that name already exists.", _V, "groupName"),
        ResponseCode(1022, 406, "You have reached the limit of allowed groups.", _V, "groupName"),
        ResponseCode(1023, 400, "Group not found.", _N, "groupId"),
        ResponseCode(1024, 409, "There is no group(s) to return.", _N),
        ResponseCode(1025, 406, "Contact already exists.", _V, "phoneNumber"),
        ResponseCode(1026, 409, "Contact not found.", _N),
        ResponseCode(1027, 400, "Contact not found in group.", _N),
        ResponseCode(
            1028,
            409,
            'Parameter "scheduled" needs to be at least 10 minutes in the future.',
            _V,
            "scheduled",
        ),
        ResponseCode(
            1029, 409, "The date and time is not following the ISO 8601 standard.", _V, "scheduled"
        ),
        ResponseCode(
            1030, 402, "You do not have sufficient credits.", SmsDkInsufficientCreditsError
        ),
        ResponseCode(1031, 409, "Already exists", _V),
        ResponseCode(
            1032,
            400,
            "Must be between 3 and max 11 characters in length. Or 15 digits.",
            _V,
            "senderName",
        ),
        ResponseCode(1033, 409, "Nothing to return", _N),
        ResponseCode(1034, 400, "Groups with contacts, cannot be deleted.", _V, "groupId"),
        ResponseCode(1035, 409, 'Parameter "id" required.', _V, "id"),
        ResponseCode(1036, 409, 'Parameter "username" required.', _V, "username"),
        ResponseCode(1037, 401, "Login credentials invalid.", _A),
        ResponseCode(1038, 401, "Basic authentication missing.", _A),
        ResponseCode(1039, 401, "Password not changed.", _V, "password"),
        ResponseCode(1040, 409, "One or more parameters missing.", _V),
        ResponseCode(1041, 409, 'Parameter "countryCode" is required.', _V, "countryCode"),
        ResponseCode(
            1042,
            409,
            "Contactname is too short. I must be at least 2 characters long.",
            _V,
            "contactName",
        ),
        ResponseCode(
            1043,
            409,
            "Country code is wrong. It must consist of exactly two characters.",
            _V,
            "countryCode",
        ),
        ResponseCode(1044, 409, "Data is missing.", _V),
        ResponseCode(1045, 409, "Phone number is not valid.", _V, "receiver"),
        ResponseCode(1046, 409, 'Max 50 chars in "userReference".', _V, "userReference"),
        ResponseCode(1047, 409, 'Parameter "receiver" needs to be a digit.', _V, "receiver"),
        ResponseCode(1048, 409, 'Define parameter "reference" or a "batchId".', _V, "batchId"),
        ResponseCode(1049, 409, "There is no record to delete.", _N, "batchId"),
        ResponseCode(1050, 409, "There is a cool down. remaining:", SmsDkRateLimitError),
        ResponseCode(1051, 404, "The End point you are trying to reach do not exist.", _N),
        ResponseCode(1052, 401, "No user found.", _A),
        ResponseCode(1053, 409, "Token is missing.", _A),
        ResponseCode(1054, 401, "Invalid token.", _A),
        ResponseCode(1055, 401, "Action not permitted.", _A),
        ResponseCode(1056, 401, "Points not transferred.", _V),
        ResponseCode(1057, 401, "Users with points and no parent user, can't be deleted.", _V),
        ResponseCode(1058, 401, "User does not have a key set.", _A),
        ResponseCode(
            1059,
            409,
            "See specific error in returned rejected array.",
            SmsDkRejectedError,
            "receiver",
        ),
        ResponseCode(
            1060, 409, 'Parameter "receiver" must be of numeric characters only.', _V, "receiver"
        ),
        ResponseCode(1061, 400, "User already exists.", _V, "username"),
        ResponseCode(1062, 406, "Dial code is missing.", _V, "receiver"),
        ResponseCode(1063, 409, "Phone number too short", _V, "receiver"),
        ResponseCode(1064, 409, "Phone number too long", _V, "receiver"),
        ResponseCode(1065, 409, "Phone number might be a local number", _V, "receiver"),
        ResponseCode(1066, 409, "The country is not supported", _V, "receiver"),
        ResponseCode(3000, 207, "Mixed result"),
        ResponseCode(5000, 200, "Action succeeded."),
        ResponseCode(5001, 200, "Contact created."),
        ResponseCode(5002, 200, "Group created."),
        ResponseCode(5003, 200, "User created."),
        ResponseCode(5004, 200, "Contact updated."),
        ResponseCode(5005, 200, "Group updated."),
        ResponseCode(5006, 200, "User updated."),
        ResponseCode(5007, 200, "Created."),
        ResponseCode(5008, 200, "Updated."),
        ResponseCode(5009, 200, "Contact removed."),
        ResponseCode(5010, 200, "Removed."),
        ResponseCode(5011, 200, "Contact deleted."),
        ResponseCode(5012, 200, "Group deleted."),
        ResponseCode(5013, 200, "User deleted."),
        ResponseCode(5014, 200, "Deleted."),
    )
}

CODE_RATE_LIMIT = 1050
CODE_REJECTED = 1059
CODE_BAD_SCHEDULE = 1029
_REMAINING = re.compile(r"remaining:\s*(\d+(?:[.,]\d+)?)", re.ASCII)
_DELTA_SECONDS = re.compile(r"[0-9]+", re.ASCII)


def parse_remaining(message: str) -> float | None:
    """Read the remaining cool-down from "There is a cool down. remaining: N" (unit: seconds)."""
    if match := _REMAINING.search(message):
        return _finite(float(match.group(1).replace(",", ".")))
    return None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Read an HTTP ``Retry-After`` header: delta-seconds or an HTTP-date; None for anything else.

    A date in the past means "now" (0 seconds). *now* is for tests; it defaults to the clock.
    """
    if value is None:
        return None
    text = value.strip()
    if _DELTA_SECONDS.fullmatch(text):
        # float(), not int(): a thousand-digit header must not hit int()'s digit limit.
        return _finite(float(text))
    try:
        when = parsedate_to_datetime(text)
    except TypeError, ValueError, IndexError, OverflowError:
        # The stdlib parser's failures vary with the garbage (and with the Python version).
        return None
    if when.tzinfo is None:
        # "-0000" parses as naive; an HTTP-date is always GMT.
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _finite(number: float) -> float | None:
    """*number*, or None when it is infinite (a wait of "forever" is not a usable answer)."""
    return number if math.isfinite(number) else None


def error_for_status(http_status: int) -> type[SmsDkApiError]:
    """The exception for an error answer that carries no known response code.

    (HTTP 429, 502, 503 and 504 never get here: the client judges them by their status alone.)
    """
    if http_status in (401, 403):
        return SmsDkAuthenticationError
    if http_status == 402:
        return SmsDkInsufficientCreditsError
    if http_status == 404:
        return SmsDkNotFoundError
    if http_status >= 500:
        return SmsDkServerError
    return SmsDkApiError
