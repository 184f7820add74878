"""Receiver number checks: length, dial code and country, the way the simulator judges them.

The real gateway's rules are known only through its codes (1015, 1045, 1063-1066); the order and
the table of supported countries below are the simulator's choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MIN_DIGITS: Final = 8
MAX_DIGITS: Final = 15


@dataclass(frozen=True, slots=True)
class Country:
    """A supported destination."""

    name: str
    code: str  # ISO 3166-1 alpha-2


# Supported dial codes. Anything else (e.g. 999…) answers 1066 "The country is not supported".
COUNTRIES: Final[dict[str, Country]] = {
    "1": Country("United States", "US"),
    "30": Country("Greece", "GR"),
    "31": Country("Netherlands", "NL"),
    "32": Country("Belgium", "BE"),
    "33": Country("France", "FR"),
    "34": Country("Spain", "ES"),
    "39": Country("Italy", "IT"),
    "41": Country("Switzerland", "CH"),
    "43": Country("Austria", "AT"),
    "44": Country("United Kingdom", "GB"),
    "45": Country("Denmark", "DK"),
    "46": Country("Sweden", "SE"),
    "47": Country("Norway", "NO"),
    "48": Country("Poland", "PL"),
    "49": Country("Germany", "DE"),
    "298": Country("Faroe Islands", "FO"),
    "299": Country("Greenland", "GL"),
    "351": Country("Portugal", "PT"),
    "352": Country("Luxembourg", "LU"),
    "353": Country("Ireland", "IE"),
    "354": Country("Iceland", "IS"),
    "358": Country("Finland", "FI"),
    "370": Country("Lithuania", "LT"),
    "371": Country("Latvia", "LV"),
    "372": Country("Estonia", "EE"),
}

# Danish numbers have exactly 8 digits after the dial code 45.
DANISH_NATIONAL_DIGITS: Final = 8


def find_country(digits: str) -> tuple[str, Country] | None:
    """Return the dial code and country a number starts with (longest code first), if supported."""
    for length in (3, 2, 1):
        dial_code = digits[:length]
        if dial_code in COUNTRIES:
            return dial_code, COUNTRIES[dial_code]
    return None


def check_receiver(digits: str, invalid: set[str]) -> int | Country:
    """Judge one receiver given as a digit string: its country when accepted, else a messageCode."""
    if len(digits) < MIN_DIGITS:
        return 1063
    if len(digits) > MAX_DIGITS:
        return 1064
    if len(digits) == MIN_DIGITS:
        return 1065  # "Phone number might be a local number": no dial code in front
    found = find_country(digits)
    if found is None:
        return 1066
    dial_code, country = found
    if dial_code == "45" and len(digits) - len(dial_code) != DANISH_NATIONAL_DIGITS:
        return 1015
    if digits in invalid:
        return 1045
    return country
