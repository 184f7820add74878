"""Checks of what a user asked to send, shared by send_sms and sms_dk.estimate."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.exceptions import ServiceValidationError

from .const import CONF_REPLACE_CHARACTERS, DOMAIN, MAX_PARTS
from .smsdk import MessageFormat
from .smsdk.gsm import TextAnalysis


def replacement_wanted(entry: ConfigEntry, requested: bool | None) -> bool:
    """Whether to replace non-GSM characters: as *requested*, else the entry's option."""
    if requested is None:
        return bool(entry.options.get(CONF_REPLACE_CHARACTERS, False))
    return requested


def text_problems(analysis: TextAnalysis) -> list[ServiceValidationError]:
    """Every reason a text cannot go as analysed, in order.

    send_sms raises the first; sms_dk.estimate lists them all.
    """
    problems: list[ServiceValidationError] = []
    if not analysis.text.strip():
        # Only characters the replacement removed ("°"): SMS.dk refuses an empty text (1004).
        problems.append(invalid("empty_message"))
    if analysis.format is MessageFormat.GSM and analysis.non_gsm:
        problems.append(invalid("not_gsm", characters=" ".join(analysis.non_gsm)))
    if analysis.parts > MAX_PARTS:
        problems.append(
            invalid("message_too_long", parts=str(analysis.parts), max_parts=str(MAX_PARTS))
        )
    return problems


def invalid(key: str, **placeholders: str) -> ServiceValidationError:
    """The translated error for input the user can fix."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )
