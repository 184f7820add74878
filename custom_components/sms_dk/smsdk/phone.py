"""Phone numbers as SMS.dk wants them: the digits with the country dial code, no ``+``.

Parsing is left to ``phonenumbers`` (Google's libphonenumber), which knows every country's
numbering plan, so ``22113344``, ``+45 22 11 33 44`` and ``004522113344`` all become
``4522113344`` with Denmark as the default region, and a number that cannot exist is refused
before any request.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from phonenumbers.phonemetadata import PhoneMetadata

DEFAULT_REGION = "DK"


def load_metadata() -> None:
    """Load every country's numbering plan now (blocking: disk reads).

    phonenumbers otherwise imports a country's plan the first time it sees one of its numbers;
    calling this from an executor keeps those imports out of an event loop.
    """
    PhoneMetadata.load_all()


class InvalidPhoneNumberError(ValueError):
    """The text is not a valid phone number."""

    def __init__(self, number: str) -> None:
        """Keep the number as it was given, for the user's error message."""
        super().__init__(f"Not a valid phone number: {number}")
        self.number = number


def normalize_number(number: str | int, region: str = DEFAULT_REGION) -> str:
    """Return *number* as digits with its country dial code, or raise InvalidPhoneNumberError."""
    text = str(number).strip()
    if (digits := _e164(text, region)) is None:
        raise InvalidPhoneNumberError(text)
    return digits


# Every text parses its receivers again, and libphonenumber's parse is the costliest step of the
# checks before a send (about 0.1 ms a number); a household sends to the same few numbers.
@lru_cache(maxsize=512)
def _e164(text: str, region: str) -> str | None:
    """The E.164 digits of *text* (no ``+``), or None when it is not a valid number."""
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    # E.164 keeps a leading zero that belongs to the number (Italian landlines, Ivorian mobiles);
    # the national_number field, an integer, would drop it.
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164).removeprefix("+")
