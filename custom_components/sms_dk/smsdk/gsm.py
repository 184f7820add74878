"""GSM 03.38 or UCS-2: which encoding a text needs, how many SMS parts it costs, and replacements.

An SMS carries 140 octets. In the GSM 7-bit alphabet (GSM 03.38) that is 160 characters, but one
character outside it (an emoji, a typographic quote, a degree sign) forces the whole message into
UCS-2, where only 70 fit: the same text can cost two or three times as much. Home Assistant
templates produce exactly such characters ("21.5°C", "–", "“ok”"), so the integration can replace
them with their closest GSM equivalents, and shows the user what a text will cost.

The GSM table itself comes from the ``gsm0338`` package; nothing here imports Home Assistant.
"""

# This module is about look-alike characters, so it spells them out.
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
import unicodedata

from .gsm_codec import GSM_CODEC
from .models import MessageFormat

# One SMS holds 140 octets: 160 GSM septets or 70 UCS-2 code units. A part of a concatenated
# message gives 6 octets to the header that links the parts, leaving 153 septets or 67 code units.
GSM_SINGLE_PART = 160
GSM_MULTI_PART = 153
UCS2_SINGLE_PART = 70
UCS2_MULTI_PART = 67

_ESCAPE = 0x1B


def _decode_all(prefix: bytes) -> frozenset[str]:
    """Every character the codec decodes from *prefix* plus one byte (unmapped ones skipped)."""
    return frozenset(
        "".join((prefix + bytes((code,))).decode(GSM_CODEC, "ignore") for code in range(0x80))
    )


# The basic table, without the escape code itself (a raw ESC would start an escape sequence).
GSM_BASIC = _decode_all(b"") - {chr(_ESCAPE)}
# The extension table: each of these is sent as ESC plus one septet, so it counts 2.
GSM_EXTENSION = _decode_all(bytes((_ESCAPE,)))

# Replacements for characters outside GSM 03.38 that have a close GSM equivalent but that Unicode
# normalisation (NFKD, tried next) does not turn into one. An empty replacement removes the
# character: it is invisible, or (like °) reads fine without it ("21.5C").
REPLACEMENTS: dict[str, str] = {
    # Typographic double quotes and double prime.
    **dict.fromkeys("“”„‟«»″", '"'),
    # Typographic single quotes, prime, grave and acute accents.
    **dict.fromkeys("‘’‚‛‹›′`´", "'"),
    # Hyphens, dashes and the minus sign.
    **dict.fromkeys("‐‑‒–—―−", "-"),
    "…": "...",
    # Tab and the odd spaces: no-break, en/em/thin/hair..., narrow no-break, math, ideographic.
    **dict.fromkeys("\t\u00a0\u202f\u205f\u3000", " "),
    **dict.fromkeys((chr(code) for code in range(0x2000, 0x200B)), " "),
    # Zero-width space, non-joiner, joiner, byte order mark, soft hyphen.
    **dict.fromkeys("\u200b\u200c\u200d\ufeff\u00ad", ""),
    "°": "",
    "•": "-",
    "·": ".",
    "×": "x",
    "÷": "/",
    "±": "+/-",
    # Vulgar fractions decompose to digits around the fraction slash: ½ -> 1⁄2 -> 1/2.
    "\u2044": "/",
    "©": "(c)",
    "®": "(R)",
    # Letters that have no decomposition in Unicode (ß is in GSM already).
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "œ": "oe",
    "Œ": "OE",
}


class Encoding(StrEnum):
    """The encoding a user asks for; AUTO sends GSM whenever the text allows it."""

    AUTO = "auto"
    GSM = "gsm"
    UNICODE = "unicode"


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    """What a text will be sent as, and what it costs."""

    text: str
    """The text that will be sent (after replacements, if any)."""
    format: MessageFormat
    """GSM or UNICODE: what will be sent."""
    units: int
    """GSM: septets (extension characters count 2); UCS-2: UTF-16 code units (non-BMP count 2)."""
    parts: int
    """SMS parts, counted exactly; 0 for an empty text."""
    replaced: tuple[tuple[str, str], ...]
    """(original, replacement) for each distinct character replaced, in order of first use."""
    non_gsm: tuple[str, ...]
    """Distinct characters of ``text`` that GSM 03.38 cannot carry, in order of first occurrence."""


def is_gsm(char: str) -> bool:
    """Whether one character is in the GSM 03.38 basic or extension table."""
    return char in GSM_BASIC or char in GSM_EXTENSION


def replace_non_gsm(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Replace characters outside GSM 03.38 by their closest GSM equivalents.

    The text is first composed (NFC), so that a letter followed by a combining accent ("e" + U+0301)
    becomes the single character GSM may have ("é"); this changes nothing visible and is not listed.
    Each remaining non-GSM character is looked up in REPLACEMENTS, else decomposed (NFKD: "ô" ->
    "o" + circumflex, "½" -> "1⁄2", "²" -> "2") with the accents dropped; the result is used only
    if it is entirely GSM. Characters without such an equivalent (emoji, CJK) stay as they are.

    Returns the new text and the (original, replacement) pairs, each once, in order of first use.
    """
    pieces: list[str] = []
    replaced: dict[str, str] = {}
    for char in unicodedata.normalize("NFC", text):
        replacement = None if is_gsm(char) else _replacement(char)
        if replacement is None:
            pieces.append(char)
            continue
        replaced.setdefault(char, replacement)
        # "1½" must read "1 1/2", not "11/2": a fraction that follows a digit is kept apart.
        if "FRACTION" in unicodedata.name(char, "") and pieces and pieces[-1][-1:].isdigit():
            replacement = f" {replacement}"
        pieces.append(replacement)
    return "".join(pieces), tuple(replaced.items())


def _replacement(char: str) -> str | None:
    """The GSM equivalent of one non-GSM character, or None if it has none."""
    if char in REPLACEMENTS:
        return REPLACEMENTS[char]
    decomposed = "".join(
        REPLACEMENTS.get(part, part)
        for part in unicodedata.normalize("NFKD", char)
        if not unicodedata.combining(part)
    )
    if all(is_gsm(part) for part in decomposed):
        return decomposed
    return None


def analyze(
    text: str, *, encoding: Encoding = Encoding.AUTO, replace: bool = False
) -> TextAnalysis:
    """Decide how *text* is sent and count its units and parts exactly.

    With ``replace``, non-GSM characters are replaced before the choice, so that AUTO can stay in
    GSM; a forced UNICODE is never altered, since replacing only serves to stay in GSM. A forced
    GSM lists what does not fit in ``non_gsm`` (for the caller to refuse) and counts each as 1.
    """
    encoding = Encoding(encoding)
    replaced: tuple[tuple[str, str], ...] = ()
    if replace and encoding != Encoding.UNICODE:
        text, replaced = replace_non_gsm(text)
    non_gsm = tuple(dict.fromkeys(char for char in text if not is_gsm(char)))
    if encoding == Encoding.UNICODE or (encoding == Encoding.AUTO and non_gsm):
        fmt = MessageFormat.UNICODE
        # Characters beyond the Basic Multilingual Plane take a surrogate pair.
        widths = [2 if ord(char) > 0xFFFF else 1 for char in text]
        units, parts = _count(widths, UCS2_SINGLE_PART, UCS2_MULTI_PART)
    else:
        fmt = MessageFormat.GSM
        widths = [2 if char in GSM_EXTENSION else 1 for char in text]
        units, parts = _count(widths, GSM_SINGLE_PART, GSM_MULTI_PART)
    return TextAnalysis(text, fmt, units, parts, replaced, non_gsm)


def _count(widths: Iterable[int], single: int, multi: int) -> tuple[int, int]:
    """Total units, and parts: one if it fits *single*, else parts of *multi* filled greedily.

    A character's units are never split across two parts (neither an escape sequence nor a
    surrogate pair may be), so one that would straddle a boundary starts the next part; this can
    cost one part more than the plain division suggests.
    """
    widths = list(widths)
    units = sum(widths)
    if units == 0:
        return 0, 0
    if units <= single:
        return units, 1
    parts, used = 1, 0
    for width in widths:
        if used + width > multi:
            parts += 1
            used = 0
        used += width
    return units, parts
