"""GSM 03.38 or UCS-2: the encoding choice, exact part counting, and character replacement."""

# These tests are about look-alike characters, so they spell them out.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from custom_components.sms_dk.smsdk.gsm import (
    GSM_EXTENSION,
    Encoding,
    TextAnalysis,
    analyze,
    is_gsm,
    replace_non_gsm,
)
from custom_components.sms_dk.smsdk.models import MessageFormat
from scripts.encoding_table import markdown_table


def _check_units(result: TextAnalysis) -> None:
    """The unit count agrees with what the codecs actually produce."""
    if result.format is MessageFormat.GSM:
        assert len(result.text.encode("gsm03.38")) == result.units
    else:
        assert len(result.text.encode("utf-16-le")) // 2 == result.units


def test_danish_text_stays_gsm() -> None:
    text = "Æbler, øl og ål på Ærø: Åben kl. 8 – Ø!".replace("–", "-")
    result = analyze(text)
    assert result == TextAnalysis(text, MessageFormat.GSM, len(text), 1, (), ())


@pytest.mark.parametrize("char", sorted(GSM_EXTENSION))
def test_extension_characters_count_two(char: str) -> None:
    result = analyze(f"a{char}b")
    assert (result.format, result.units) == (MessageFormat.GSM, 4)
    _check_units(result)


def test_the_extension_table_is_the_standard_one() -> None:
    assert set("^{}\\[~]|€\f") == GSM_EXTENSION


def test_euro_and_braces() -> None:
    result = analyze("{2,15 €}")
    assert (result.format, result.units, result.parts) == (MessageFormat.GSM, 11, 1)


def test_emoji_forces_ucs2_and_counts_two_units() -> None:
    result = analyze("Kold 🥶 og kold 🥶")
    assert result.format is MessageFormat.UNICODE
    assert result.units == len("Kold  og kold ") + 4
    assert result.non_gsm == ("🥶",)
    _check_units(result)


def test_empty_text_has_no_parts() -> None:
    assert analyze("") == TextAnalysis("", MessageFormat.GSM, 0, 0, (), ())
    assert analyze("", encoding=Encoding.UNICODE).parts == 0


@pytest.mark.parametrize(
    ("text", "fmt", "parts"),
    [
        ("a" * 160, MessageFormat.GSM, 1),
        ("a" * 161, MessageFormat.GSM, 2),
        ("a" * 306, MessageFormat.GSM, 2),
        ("a" * 307, MessageFormat.GSM, 3),
        ("a" * 158 + "€", MessageFormat.GSM, 1),
        ("a" * 159 + "€", MessageFormat.GSM, 2),
        ("中" * 70, MessageFormat.UNICODE, 1),
        ("中" * 71, MessageFormat.UNICODE, 2),
        ("中" * 134, MessageFormat.UNICODE, 2),
        ("中" * 135, MessageFormat.UNICODE, 3),
        ("中" * 68 + "🥶", MessageFormat.UNICODE, 1),
        ("中" * 69 + "🥶", MessageFormat.UNICODE, 2),
    ],
    ids=lambda value: str(len(value)) if isinstance(value, str) else str(value),
)
def test_part_boundaries(text: str, fmt: MessageFormat, parts: int) -> None:
    result = analyze(text)
    assert (result.format, result.parts) == (fmt, parts)
    _check_units(result)


def test_an_escape_sequence_is_never_split_across_parts() -> None:
    # 306 septets fit two parts of 153 only if the euro sign does not straddle the boundary.
    fits = analyze("a" * 153 + "€" + "a" * 151)
    straddles = analyze("a" * 152 + "€" + "a" * 152)
    assert (fits.units, fits.parts) == (306, 2)
    assert (straddles.units, straddles.parts) == (306, 3)


def test_a_surrogate_pair_is_never_split_across_parts() -> None:
    # 134 units fit two parts of 67 only if the emoji does not straddle the boundary.
    fits = analyze("中" * 67 + "🥶" + "中" * 65)
    straddles = analyze("中" * 66 + "🥶" + "中" * 66)
    assert (fits.units, fits.parts) == (134, 2)
    assert (straddles.units, straddles.parts) == (134, 3)


def test_forced_gsm_lists_what_does_not_fit() -> None:
    result = analyze("Hej 🥶 中 🥶", encoding=Encoding.GSM)
    assert result.format is MessageFormat.GSM
    assert result.non_gsm == ("🥶", "中")
    assert result.units == 9  # each non-GSM character counted as one septet
    assert result.replaced == ()


def test_forced_gsm_with_replacement() -> None:
    result = analyze("21°C 🥶", encoding=Encoding.GSM, replace=True)
    assert (result.text, result.format, result.non_gsm) == ("21C 🥶", MessageFormat.GSM, ("🥶",))
    assert result.replaced == (("°", ""),)


def test_forced_unicode_ignores_replace() -> None:
    text = "21.5°C “ok”"
    result = analyze(text, encoding=Encoding.UNICODE, replace=True)
    assert (result.text, result.format, result.replaced) == (text, MessageFormat.UNICODE, ())
    assert result.non_gsm == ("°", "“", "”")


def test_forced_unicode_for_a_gsm_text() -> None:
    result = analyze("Hej", encoding=Encoding.UNICODE)
    assert (result.format, result.units, result.parts, result.non_gsm) == (
        MessageFormat.UNICODE,
        3,
        1,
        (),
    )


def test_encoding_may_be_given_as_a_string() -> None:
    assert analyze("Hej", encoding="unicode").format is MessageFormat.UNICODE  # type: ignore[arg-type]


def test_home_assistant_text_becomes_gsm_with_replacement() -> None:
    text = "Temperatur: 21.5°C – “ok” …"
    assert analyze(text).format is MessageFormat.UNICODE
    result = analyze(text, replace=True)
    assert result.text == 'Temperatur: 21.5C - "ok" ...'
    assert result.format is MessageFormat.GSM
    assert result.replaced == (("°", ""), ("–", "-"), ("“", '"'), ("”", '"'), ("…", "..."))
    assert result.non_gsm == ()
    assert (result.units, result.parts) == (len(result.text), 1)


def test_each_replacement_is_listed_once_in_order_of_first_use() -> None:
    text, replaced = replace_non_gsm("“a” – “b” – 1°C, 2°C")
    assert text == '"a" - "b" - 1C, 2C'
    assert replaced == (("“", '"'), ("”", '"'), ("–", "-"), ("°", ""))


def test_characters_without_replacement_stay_and_force_ucs2() -> None:
    result = analyze("Kold 🥶 – 中", replace=True)
    assert result.text == "Kold 🥶 - 中"
    assert result.format is MessageFormat.UNICODE
    assert result.replaced == (("–", "-"),)
    assert result.non_gsm == ("🥶", "中")


@pytest.mark.parametrize(
    ("original", "replacement"),
    [
        # From the explicit table.
        ("„", '"'),
        ("»", '"'),
        ("’", "'"),
        ("`", "'"),
        ("´", "'"),
        ("—", "-"),
        ("−", "-"),
        ("…", "..."),
        ("\u00a0", " "),
        ("\u2009", " "),
        ("\u202f", " "),
        ("\u3000", " "),
        ("\t", " "),
        ("\u200b", ""),
        ("\ufeff", ""),
        ("\u00ad", ""),
        ("°", ""),
        ("•", "-"),
        ("·", "."),
        ("×", "x"),
        ("÷", "/"),
        ("±", "+/-"),
        ("©", "(c)"),
        ("®", "(R)"),
        ("ł", "l"),
        ("Ł", "L"),
        ("đ", "d"),
        ("Đ", "D"),
        ("œ", "oe"),
        ("Œ", "OE"),
        # Through NFKD, dropping accents.
        ("ô", "o"),
        ("á", "a"),
        ("ê", "e"),
        ("ÿ", "y"),
        ("ç", "c"),
        ("õ", "o"),
        ("š", "s"),
        ("Č", "C"),
        ("½", "1/2"),
        ("¾", "3/4"),
        ("²", "2"),
        ("³", "3"),
        ("™", "TM"),
        ("℃", "C"),  # NFKD gives "°C", and the degree sign is then dropped
    ],
)
def test_replacement(original: str, replacement: str) -> None:
    assert not is_gsm(original)
    assert replace_non_gsm(f"x{original}y") == (f"x{replacement}y", ((original, replacement),))


def test_gsm_characters_are_left_alone() -> None:
    text = "é è ü ö ä ñ à ù ì ò Ç É Ä Ö Ñ Ü § ¿ ¡ £ ¥ € ß æ ø å Æ Ø Å Δ Ω { } [ ] ~ ^ | \\ @ $ _"
    assert replace_non_gsm(text) == (text, ())


def test_combining_accents_are_composed_first() -> None:
    # A decomposed é is composed into the GSM character, silently; a decomposed ô has no GSM form.
    assert replace_non_gsm("Cafe\u0301") == ("Café", ())
    assert replace_non_gsm("Ho\u0302tel") == ("Hotel", (("ô", "o"),))
    # Likewise the ohm sign is canonically the Greek capital omega, which GSM has.
    assert replace_non_gsm("10 k\u2126") == ("10 k\u03a9", ())


@pytest.mark.parametrize("char", ["a", "@", "Ø", "ß", "Δ", "\n", "\r", "€", "{", "\f"])
def test_is_gsm(char: str) -> None:
    assert is_gsm(char)


@pytest.mark.parametrize("char", ["🥶", "中", "ç", "°", "`", "–", "\t", "\x1b", "\u2126"])
def test_is_not_gsm(char: str) -> None:
    # The escape code is no character of its own; U+2126 OHM SIGN is not the Greek omega.
    assert not is_gsm(char)


def test_encoding_table() -> None:
    """The README's table (scripts/encoding_table.py) shows what the code computes."""
    lines = markdown_table().splitlines()
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == [
        "Text",
        "Characters",
        "Encoding chosen",
        "Parts",
        "Parts if always sent as unicode",
        "With character replacement",
    ]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
    assert len(rows) == 6
    assert [row[2:] for row in rows[:4]] == [
        ["gsm", "1", "2", "gsm, 1"],
        ["gsm", "1", "1", "gsm, 1"],
        ["unicode", "1", "1", "unicode, 1"],
        ["unicode", "1", "1", "gsm, 1"],
    ]
    assert rows[0][0].startswith("Hej Mor")
    assert rows[0][0].endswith("…")
    assert all(len(row[0]) <= 40 for row in rows)
    # The long samples: one emoji more than doubles the cost.
    assert [row[2:4] for row in rows[4:]] == [["gsm", "3"], ["unicode", "7"]]


def test_fraction_after_a_digit_is_kept_apart() -> None:
    """ "1½" becomes "1 1/2" (one and a half), never "11/2"; "10²" becomes "102"."""
    text, replaced = replace_non_gsm("1½ l og ½ kg, 10²")
    assert text == "1 1/2 l og 1/2 kg, 102"
    assert replaced == (("½", "1/2"), ("²", "2"))
