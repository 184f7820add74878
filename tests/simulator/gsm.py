"""SMS part counting for the simulator: its own GSM 03.38 table, independent of the integration.

The simulator is a witness against which the integration's own encoder is tested, so it must not
share code with it. The tables below are written out from the 3GPP TS 23.038 default alphabet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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


def _gsm_widths(text: str) -> list[int]:
    """Septets per character: two for the extension table (escape + code), else one."""
    return [2 if ch in GSM_EXTENSION else 1 for ch in text]


def _ucs2_widths(text: str) -> list[int]:
    """UTF-16 code units per character: two (a surrogate pair) above U+FFFF, else one."""
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _parts(widths: Iterable[int], single_max: int, part_max: int) -> int:
    """Count the parts of a message whose characters take *widths* units each.

    A message that fits one SMS (at most single_max units) is one part. A longer one is cut into
    parts of at most part_max units, and a character is never cut in two: phones and gateways
    keep an escape sequence or a surrogate pair in one part (a cut "€" would arrive as a lone
    escape and an "e"), so a character that does not fit in what is left starts the next part.
    """
    widths = list(widths)
    if sum(widths) <= single_max:
        return 1
    parts, used = 1, 0
    for width in widths:
        if used + width > part_max:
            parts, used = parts + 1, 0
        used += width
    return parts


def encode(text: str, requested_format: str | None) -> Encoded:
    """Decide the encoding and count the parts of a message.

    requested_format is the request's "format" field: "gsm", "unicode", or None when absent (then
    GSM if every character is GSM-encodable, else unicode).
    """
    if requested_format == "unicode" or (requested_format is None and not is_gsm(text)):
        widths = _ucs2_widths(text)
        parts = _parts(widths, UCS2_SINGLE_MAX, UCS2_PART_MAX)
        return Encoded(FORMAT_UNICODE, ucs2_units(text), parts)
    widths = _gsm_widths(text)
    return Encoded(FORMAT_GSM, gsm_septets(text), _parts(widths, GSM_SINGLE_MAX, GSM_PART_MAX))
