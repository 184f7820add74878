"""Property-based tests of the text side of the client: phone numbers and SMS part counting.

Phone numbers: whatever the text, normalize_number gives the digits of a real number with its
country dial code, or InvalidPhoneNumberError; the many ways of writing one number agree.

GSM 03.38 / UCS-2: analyze() counts units and parts exactly as the simulator's independent
encoder does (neither splits a character across parts), and its replacements only ever turn
non-GSM characters into GSM ones.
"""

# This module is about look-alike characters, so it spells them out.
# ruff: noqa: RUF001

from __future__ import annotations

import math
import unicodedata

from hypothesis import given, settings, strategies as st
import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from phonenumbers.phonemetadata import PhoneMetadata
import pytest

from custom_components.sms_dk.smsdk.gsm import (
    GSM_BASIC,
    GSM_EXTENSION,
    GSM_MULTI_PART,
    GSM_SINGLE_PART,
    UCS2_MULTI_PART,
    UCS2_SINGLE_PART,
    Encoding,
    analyze,
    is_gsm,
)
from custom_components.sms_dk.smsdk.models import MessageFormat
from custom_components.sms_dk.smsdk.phone import (
    DEFAULT_REGION,
    InvalidPhoneNumberError,
    load_metadata,
    normalize_number,
)
from tests.simulator import gsm as simulator_gsm

# Hypothesis' check that its own global Random is referenced misfires on Python 3.14 (the
# reference lives in a thread-local, which gc.get_referrers() does not see): harmless, and not ours.
pytestmark = pytest.mark.filterwarnings(
    "ignore:It looks like `register_random`:hypothesis.errors.HypothesisWarning"
)

# No database: it would write a .hypothesis folder into the work tree.
QUICK = settings(max_examples=200, deadline=None, database=None)

# --- phone numbers ------------------------------------------------------------------------------

phone_like = st.text(alphabet="0123456789+ -().", max_size=20)
texts_for_numbers = st.one_of(st.text(max_size=30), phone_like)


def _example_numbers() -> list[phonenumbers.PhoneNumber]:
    """One example number of each kind (mobile, fixed line...) for every region phonenumbers knows.

    Those written with a leading zero after the country code (Italy, Côte d'Ivoire...) are left out
    here: see test_leading_zero_is_kept.
    """
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (
            PhoneNumberType.MOBILE,
            PhoneNumberType.FIXED_LINE,
            PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None and not example.italian_leading_zero:
                found.append(example)
    return found


EXAMPLES = _example_numbers()


@st.composite
def valid_numbers(draw: st.DrawFn) -> phonenumbers.PhoneNumber:
    """A valid number: a region's example with its last digits varied where that stays valid."""
    example = draw(st.sampled_from(EXAMPLES))
    digits = str(example.national_number)
    tail = draw(st.integers(min_value=0, max_value=999))
    varied = phonenumbers.PhoneNumber(
        country_code=example.country_code,
        national_number=int(f"{digits[:-3]}{tail:03d}")
        if len(digits) > 3
        else example.national_number,
    )
    return varied if phonenumbers.is_valid_number(varied) else example


danish_numbers = st.integers(min_value=10**7, max_value=10**8 - 1).map(str)


@QUICK
@given(text=texts_for_numbers)
def test_any_text_gives_digits_of_a_real_number_or_the_error(text: str) -> None:
    """Digits only, starting with a country code, idempotent; else InvalidPhoneNumberError."""
    result: str | InvalidPhoneNumberError
    try:
        result = normalize_number(text)
    except InvalidPhoneNumberError as err:
        result = err
    if isinstance(result, InvalidPhoneNumberError):
        assert result.number == text.strip()
        return
    assert result.isascii()
    assert result.isdigit()
    parsed = phonenumbers.parse(f"+{result}")
    assert parsed.country_code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE
    assert phonenumbers.is_valid_number(parsed)
    assert result.startswith(str(parsed.country_code))
    if not phonenumbers.parse(text.strip(), DEFAULT_REGION).italian_leading_zero:
        assert normalize_number(f"+{result}") == result


@QUICK
@given(number=valid_numbers())
def test_ways_of_writing_a_number_agree(number: phonenumbers.PhoneNumber) -> None:
    """E.164, international, 00-prefixed and national forms of one number all give its digits."""
    expected = f"{number.country_code}{number.national_number}"
    region = phonenumbers.region_code_for_number(number)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    written = {
        e164: DEFAULT_REGION,
        international: DEFAULT_REGION,
        f" {international}\t": DEFAULT_REGION,
        f"00{e164[1:]}": DEFAULT_REGION,
        f"00 {international[1:]}": DEFAULT_REGION,
        phonenumbers.format_number(number, PhoneNumberFormat.RFC3966): DEFAULT_REGION,
        phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL): region,
        e164[1:] if region == DEFAULT_REGION else e164: region,
    }
    for text, text_region in written.items():
        assert normalize_number(text, text_region) == expected, (text, text_region)
    assert normalize_number(f"+{expected}") == expected


@QUICK
@given(national=danish_numbers)
def test_danish_numbers_written_every_way(national: str) -> None:
    """A Danish number is the same with or without +45, 0045, spaces or a leading +."""
    try:
        expected = normalize_number(national)
    except InvalidPhoneNumberError:
        with pytest.raises(InvalidPhoneNumberError):
            normalize_number(f"+45{national}")
        return
    assert expected == f"45{national}"
    spaced = " ".join(national[i : i + 2] for i in range(0, 8, 2))
    for text in (f"+45 {spaced}", f"0045 {national}", f"0045{national}", f"+45{national}", spaced):
        assert normalize_number(text) == expected, text
    assert normalize_number(int(national)) == expected


def test_load_metadata_loads_every_pending_region(monkeypatch: pytest.MonkeyPatch) -> None:
    """load_metadata() runs every region's pending loader now (off the event loop, in use)."""
    loaded: list[str] = []
    monkeypatch.setitem(PhoneMetadata._region_available, "ZZ", loaded.append)
    load_metadata()
    assert loaded == ["ZZ"]
    assert PhoneMetadata._region_available["ZZ"] is None


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("+225 01 23 45 67 89", "2250123456789"),  # Côte d'Ivoire, mobile
        ("+229 01 95 12 34 56", "2290195123456"),  # Benin, mobile
        ("+39 02 1234 5678", "390212345678"),  # Italy, fixed line
    ],
)
def test_leading_zero_is_kept(text: str, digits: str) -> None:
    """A zero that belongs to the number after the country code is kept (E.164)."""
    assert normalize_number(text) == digits


# --- GSM 03.38 and UCS-2 ------------------------------------------------------------------------

# Characters the counting cares about: GSM basic and extension, look-alikes with replacements,
# combining accents, emoji beyond the Basic Multilingual Plane, and anything else.
ALPHABET = sorted(GSM_BASIC | GSM_EXTENSION) + list("é°–“”…½ôłœ\u00a0\u200b\u0301\u030a🔥😀中")
sms_texts = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.sampled_from(ALPHABET), max_size=400),
    st.text(alphabet=st.sampled_from(sorted(GSM_BASIC)), min_size=150, max_size=320),
)
encodings = st.sampled_from(list(Encoding))

# The simulator's sizes, not the client's: an independent witness.
SIZES = {
    MessageFormat.GSM: (simulator_gsm.GSM_SINGLE_MAX, simulator_gsm.GSM_PART_MAX),
    MessageFormat.UNICODE: (simulator_gsm.UCS2_SINGLE_MAX, simulator_gsm.UCS2_PART_MAX),
}


@st.composite
def boundary_texts(draw: st.DrawFn) -> str:
    """Texts whose length is at a part boundary, give or take a few units, with double-width
    characters (an extension character or an emoji) where they straddle it, or anywhere."""
    fill, wide, single, multi = draw(
        st.sampled_from(
            [
                ("a", "€", GSM_SINGLE_PART, GSM_MULTI_PART),
                ("ж", "😀", UCS2_SINGLE_PART, UCS2_MULTI_PART),
            ]
        )
    )
    units = draw(st.sampled_from([single, *(multi * parts for parts in (2, 3))]))
    units += draw(st.integers(min_value=-2, max_value=2))
    match draw(st.sampled_from(["one", "straddling", "only"])):
        case "one":
            # One double-width character anywhere (or none), the rest single-width.
            text = fill * units
            if draw(st.booleans()):
                at = draw(st.integers(min_value=0, max_value=units - 2))
                text = text[:at] + wide + text[at + 2 :]
        case "straddling":
            # A double-width character over the end of the first, second or third part.
            ends = [multi * part for part in (1, 2, 3) if multi * part < units]
            at = draw(st.sampled_from(ends)) - 1 if ends else 0
            text = fill * at + wide + fill * (units - at - 2)
        case _:
            # Double-width characters only: every part ends one unit short.
            text = wide * (units // 2) + fill * (units % 2)
    return text


sms_texts = st.one_of(sms_texts, boundary_texts())


@QUICK
@given(text=sms_texts, encoding=encodings, replace=st.booleans())
def test_counting_matches_the_simulator(text: str, encoding: Encoding, replace: bool) -> None:
    """Units and parts as the simulator counts them; parts 0 iff empty, 1 iff it fits one SMS."""
    result = analyze(text, encoding=encoding, replace=replace)
    if not replace or encoding is Encoding.UNICODE:
        assert result.text == text
    single, multi = SIZES[result.format]

    assert (result.parts == 0) == (result.text == "")
    assert (result.parts == 1) == (0 < result.units <= single)

    witness = simulator_gsm.encode(result.text, result.format.value)
    assert witness.format == (0 if result.format is MessageFormat.GSM else 1)
    assert result.units == witness.units
    if result.text:
        # Neither splits an escape sequence or a surrogate pair: a character that straddles a
        # boundary starts the next part, which can cost one part more than units / multi, but
        # each part still holds at least multi - 1 units.
        assert result.parts == witness.parts
        assert result.parts <= max(1, math.ceil(result.units / (multi - 1)))
        if result.parts > 1:
            assert result.parts >= math.ceil(result.units / multi)


@QUICK
@given(text=sms_texts, encoding=encodings, replace=st.booleans())
def test_format_and_non_gsm(text: str, encoding: Encoding, replace: bool) -> None:
    """GSM is chosen exactly when allowed; non_gsm names what GSM cannot carry."""
    result = analyze(text, encoding=encoding, replace=replace)
    outside = [char for char in result.text if not is_gsm(char)]
    assert result.non_gsm == tuple(dict.fromkeys(outside))
    match encoding:
        case Encoding.AUTO:
            assert (result.format is MessageFormat.GSM) == (not outside)
        case Encoding.GSM:
            assert result.format is MessageFormat.GSM
        case Encoding.UNICODE:
            assert result.format is MessageFormat.UNICODE
    if result.format is MessageFormat.GSM and encoding is Encoding.AUTO:
        assert simulator_gsm.is_gsm(result.text)


@QUICK
@given(text=sms_texts, encoding=st.sampled_from([Encoding.AUTO, Encoding.GSM]))
def test_replacements_only_turn_non_gsm_into_gsm(text: str, encoding: Encoding) -> None:
    """Every replaced character was non-GSM, its replacement is all GSM, and none is left."""
    result = analyze(text, encoding=encoding, replace=True)
    for original, replacement in result.replaced:
        assert not is_gsm(original)
        assert all(is_gsm(char) for char in replacement)
        assert original not in result.text
    assert len({original for original, _ in result.replaced}) == len(result.replaced)


# GSM text, in composed or decomposed form ("é" or "e" + U+0301).
gsm_texts = st.text(alphabet=st.sampled_from(sorted(GSM_BASIC | GSM_EXTENSION)), max_size=200)
gsm_texts_any_form = st.builds(unicodedata.normalize, st.sampled_from(["NFC", "NFD"]), gsm_texts)


@QUICK
@given(text=gsm_texts_any_form, encoding=st.sampled_from([Encoding.AUTO, Encoding.GSM]))
def test_replacing_leaves_gsm_text_alone(text: str, encoding: Encoding) -> None:
    """A text GSM can carry (once composed: "e" + U+0301 is "é") is sent as it is."""
    composed = unicodedata.normalize("NFC", text)
    result = analyze(text, encoding=encoding, replace=True)
    assert (result.text, result.replaced, result.format) == (composed, (), MessageFormat.GSM)


@QUICK
@given(text=sms_texts)
def test_forced_unicode_never_alters_the_text(text: str) -> None:
    result = analyze(text, encoding=Encoding.UNICODE, replace=True)
    assert (result.text, result.replaced, result.format) == (text, (), MessageFormat.UNICODE)


@QUICK
@given(text=sms_texts, more=sms_texts, encoding=encodings, replace=st.booleans())
def test_appending_never_costs_less(
    text: str, more: str, encoding: Encoding, replace: bool
) -> None:
    """Parts grow monotonically as characters are appended."""
    before = analyze(text, encoding=encoding, replace=replace)
    after = analyze(text + more, encoding=encoding, replace=replace)
    assert after.parts >= before.parts


@settings(max_examples=500, deadline=None, database=None)
@given(char=st.characters())
def test_the_gsm_tables_agree_with_the_simulator(char: str) -> None:
    """The codec-derived table and the simulator's hand-written one are the same alphabet."""
    assert is_gsm(char) == simulator_gsm.is_gsm(char)
    assert (char in GSM_EXTENSION) == (char in simulator_gsm.GSM_EXTENSION)
