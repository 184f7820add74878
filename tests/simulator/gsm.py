"""SMS part counting for the simulator: its own GSM 03.38 table, independent of the integration.

The simulator is a witness against which the integration's own encoder is tested, so it must not
share code with it. The tables below are written out from the 3GPP TS 23.038 default alphabet.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import Final

# The GSM 03.38 default alphabet (basic table), in code-point order 0x00-0x7F, without 0x1B (the
# escape to the extension table, which is not a character a message can contain by itself).
GSM_BASIC: Final[frozenset[str]] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)

# The extension table: each of these takes two septets (escape + character). "\f" is form feed.
GSM_EXTENSION: Final[frozenset[str]] = frozenset("^{}\\[~]|€\f")

GSM_SINGLE_MAX: Final = 160
GSM_PART_MAX: Final = 153
UCS2_SINGLE_MAX: Final = 70
UCS2_PART_MAX: Final = 67

FORMAT_GSM: Final = 0
FORMAT_UNICODE: Final = 1


@dataclass(frozen=True, slots=True)
class Encoded:
    """How a message is sent: its log format (0 GSM, 1 unicode), length in units, and parts."""

    format: int
    units: int
    parts: int


def is_gsm(text: str) -> bool:
    """Return whether every character of text is in the GSM basic or extension table."""
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def gsm_septets(text: str) -> int:
    """Count GSM septets: extension characters take two.

    Characters outside both tables count as one septet. That only matters when a client asks for
    format "gsm" with text that is not GSM: what the real gateway does then (substitute, drop,
    reject, or silently switch to unicode) is unknown, so the simulator charges one septet each.
    """
    return sum(2 if ch in GSM_EXTENSION else 1 for ch in text)


def ucs2_units(text: str) -> int:
    """Count UTF-16 code units: characters outside the Basic Multilingual Plane take two."""
    return len(text.encode("utf-16-le")) // 2


def _parts(units: int, single_max: int, part_max: int) -> int:
    if units <= single_max:
        return 1
    return math.ceil(units / part_max)


def encode(text: str, requested_format: str | None) -> Encoded:
    """Decide the encoding and count the parts of a message.

    requested_format is the request's "format" field: "gsm", "unicode", or None when absent (then
    GSM if every character is GSM-encodable, else unicode).
    """
    if requested_format == "unicode" or (requested_format is None and not is_gsm(text)):
        units = ucs2_units(text)
        return Encoded(FORMAT_UNICODE, units, _parts(units, UCS2_SINGLE_MAX, UCS2_PART_MAX))
    units = gsm_septets(text)
    return Encoded(FORMAT_GSM, units, _parts(units, GSM_SINGLE_MAX, GSM_PART_MAX))
