"""Translated errors: input the user can fix, and the client's exceptions told to the user."""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import translation

from .const import DOMAIN
from .smsdk import (
    SmsDkApiError,
    SmsDkAuthenticationError,
    SmsDkError,
    SmsDkInsufficientCreditsError,
    SmsDkMalformedResponseError,
    SmsDkRateLimitError,
    SmsDkServerError,
    SmsDkTimeoutError,
)

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant


def translation_for(err: SmsDkError) -> tuple[str, dict[str, str]]:
    """Return the exception translation key for *err*, and its placeholders.

    The API's own message and code are passed on (they name the cause precisely); the token never
    is, as no client exception carries it.
    """
    if isinstance(err, SmsDkTimeoutError):
        return "timeout", {}
    if isinstance(err, SmsDkAuthenticationError):
        return "auth_failed", {}
    if isinstance(err, SmsDkInsufficientCreditsError):
        return "insufficient_credits", {}
    if isinstance(err, SmsDkRateLimitError):
        if err.retry_after is not None:
            return "cool_down", {"seconds": f"{err.retry_after:g}"}
        return "cool_down_unknown", {}
    if isinstance(err, SmsDkMalformedResponseError):
        return "malformed_response", {"http_status": str(err.http_status or "?")}
    if isinstance(err, SmsDkServerError):
        return "server_error", {"http_status": str(err.http_status or "?")}
    if isinstance(err, SmsDkApiError):
        return "api_error", {"code": str(err.code or "?"), "message": err.message}
    return "cannot_connect", {}


def action_error(hass: HomeAssistant, entry: ConfigEntry, err: SmsDkError) -> HomeAssistantError:
    """Return the error an action raises for *err*; a refused token starts re-authentication."""
    if isinstance(err, SmsDkAuthenticationError):
        entry.async_start_reauth(hass)
    key, placeholders = translation_for(err)
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def invalid(key: str, **placeholders: str) -> ServiceValidationError:
    """The translated error for input the user can fix (the one way this integration builds it)."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


async def async_error_text(hass: HomeAssistant, err: HomeAssistantError, language: str) -> str:
    """The message of *err* in *language* (English where it has none), for an Assist agent.

    Home Assistant renders a translated error in English only (``str(err)``); the user who asked
    Assist reads the agent's answer in the language of the conversation.
    """
    if err.translation_domain and err.translation_key:
        texts = await translation.async_get_translations(
            hass, language, "exceptions", [err.translation_domain]
        )
        key = f"component.{err.translation_domain}.exceptions.{err.translation_key}.message"
        if text := texts.get(key):
            text = text.rstrip(".")
            # As Home Assistant renders its own (translation.async_get_exception_message): a
            # placeholder the error does not give stays as it is written, rather than failing.
            with suppress(KeyError):
                text = text.format(**(err.translation_placeholders or {}))
            return text
    return str(err)


class EntryUnloadingError(HomeAssistantError):
    """The entry is unloading (the user's Reload, say): the text was not taken.

    The actions wait for the entry to be back and send it then (data.async_send_when_loaded).
    """
