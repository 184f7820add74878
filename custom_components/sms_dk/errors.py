"""How the client's exceptions are told to the user: a translation key and its placeholders."""

from __future__ import annotations

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


def translation_for(err: SmsDkError) -> tuple[str, dict[str, str]]:
    """The exception translation key for *err*, and its placeholders.

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
