"""``sms_dk.estimate``: what ``sms_dk.send_sms`` would do with a text, without sending anything.

The text is analysed and the numbers normalised with the same building blocks the sender uses, so
the parts and the encoding are exactly those send_sms then sends. Where send_sms stops at the first
problem, the estimate lists every problem at once: each with the key of the error send_sms would
raise (``reason``) and its text (``message``).

SMS.dk's price is known only for Danish numbers: one credit per part. For other countries it is
not published, so their credits are None, and so is the total of a text that goes to any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.translation import async_get_exception_message
import phonenumbers

from ..const import DOMAIN
from ..errors import invalid
from ..smsdk.gsm import Encoding, analyze
from ..smsdk.phone import InvalidPhoneNumberError, normalize_number
from .request import replacement_wanted, text_problems

DANISH_DIAL_CODE: Final = 45
DANISH_CREDITS_PER_PART: Final = 1.0


def _problem(key: str, **placeholders: str) -> dict[str, str]:
    """One problem: the key of the error send_sms would raise, and that error's (English) text."""
    return {"reason": key, "message": async_get_exception_message(DOMAIN, key, placeholders)}


def price(number: str, parts: int) -> tuple[str | None, float | None]:
    """The region code of a normalised *number* and what *parts* parts to it cost, if known."""
    parsed = phonenumbers.parse(f"+{number}")
    region = phonenumbers.region_code_for_number(parsed)
    if parsed.country_code == DANISH_DIAL_CODE:
        return region, parts * DANISH_CREDITS_PER_PART
    return region, None


def check_recipients(
    recipients: Iterable[str], resolve: Callable[[str], str], parts: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The recipients send_sms would send to, with their price, and those it would refuse.

    *resolve* turns one recipient as given (a number or a notify entity id) into a number, or
    raises send_sms's ServiceValidationError. A number given twice (also as 22113344 and
    +4522113344, or as a number and the entity of the same saved recipient) gets the text once:
    the second is listed as refused, and not charged.
    """
    accepted: dict[str, dict[str, Any]] = {}
    refused: list[dict[str, Any]] = []
    for recipient in recipients:
        try:
            number = normalize_number(resolve(recipient))
        except ServiceValidationError as err:
            refused.append(
                {"recipient": recipient, "reason": err.translation_key, "message": str(err)}
            )
            continue
        except InvalidPhoneNumberError as err:
            refused.append(
                {"recipient": recipient, **_problem("invalid_number", number=err.number)}
            )
            continue
        if number in accepted:
            refused.append(
                {"recipient": recipient, **_problem("duplicate_recipient", number=number)}
            )
            continue
        country, cost = price(number, parts)
        accepted[number] = {
            "recipient": recipient,
            "number": number,
            "country": country,
            "credits": cost,
        }
    return list(accepted.values()), refused


def build_estimate(
    entry: ConfigEntry,
    recipients: Iterable[str],
    resolve: Callable[[str], str],
    *,
    message: str,
    encoding: Encoding,
    replace_characters: bool | None,
) -> dict[str, Any]:
    """What send_sms would send, to whom, at what price, and every reason it would refuse.

    Raises ServiceValidationError only for an empty message, as send_sms does: there is nothing
    to estimate. ``valid`` says whether send_sms would take the call as it is (a duplicate is no
    reason to refuse it); credits count the recipients it would send to even when it is not.
    """
    text = message.strip()
    if not text:
        raise invalid("empty_message")
    analysis = analyze(
        text, encoding=encoding, replace=replacement_wanted(entry, replace_characters)
    )
    accepted, refused = check_recipients(recipients, resolve, analysis.parts)
    errors = [
        {"reason": str(err.translation_key), "message": str(err)} for err in text_problems(analysis)
    ]
    known = [r["credits"] for r in accepted if r["credits"] is not None]
    return {
        "valid": not errors and all(r["reason"] == "duplicate_recipient" for r in refused),
        "encoding": analysis.format.value,
        "parts": analysis.parts,
        "characters": len(analysis.text),
        "units": analysis.units,
        "text": analysis.text,
        "replaced": [
            {"character": original, "replacement": replacement}
            for original, replacement in analysis.replaced
        ],
        "credits": float(sum(known)) if len(known) == len(accepted) else None,
        "known_credits": float(sum(known)),
        "recipients": accepted,
        "refused": refused,
        "errors": errors,
    }
