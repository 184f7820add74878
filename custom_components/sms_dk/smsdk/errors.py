"""The SMS.dk client's exceptions.

Exceptions keep the response code and the message the API actually sent, so a caller can show it,
but never the token. Which code raises which exception is in :mod:`.codes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import SendResult


class SmsDkError(Exception):
    """Base of every error raised by the SMS.dk client."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
    ) -> None:
        """Keep the API's response code and HTTP status next to the message."""
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status


class SmsDkConnectionError(SmsDkError):
    """The API could not be reached, or its answer was lost (DNS, refused or dropped connection).

    ``may_have_arrived`` says whether SMS.dk may have received, and acted on, the request even
    though no answer came back. It is False only when the connection could not be made at all
    (refused, unknown host, unreachable network, TLS handshake failed, an address that is not
    usable): then nothing was sent, and a text can be sent again without looking first. It is True
    when the answer was lost after the request went out (a timeout, a reset or dropped connection,
    an answer cut off): then SMS.dk may have sent the text, so a caller should look in the delivery
    log before sending it again, or it may send it twice.
    """

    def __init__(
        self,
        message: str,
        *,
        may_have_arrived: bool = True,
        code: int | None = None,
        http_status: int | None = None,
    ) -> None:
        """Keep whether the request may have reached SMS.dk (True when in doubt)."""
        super().__init__(message, code=code, http_status=http_status)
        self.may_have_arrived = may_have_arrived


class SmsDkTimeoutError(SmsDkConnectionError):
    """The API did not answer in time.

    ``may_have_arrived`` is True (the request may have been sent and processed, only the answer is
    late), also when the client's own timeout ran out while still connecting, which it cannot tell
    apart; it is False only for the session's own connect timeout (no connection, nothing sent).
    """


class SmsDkMalformedResponseError(SmsDkError):
    """The API answered something that is not the JSON it documents (an HTML page, say)."""


class SmsDkApiError(SmsDkError):
    """The API answered with an error response code."""


class SmsDkServerError(SmsDkApiError):
    """The API failed on its side (code 1000 or an HTTP 5xx); trying again later may work."""


class SmsDkAuthenticationError(SmsDkApiError):
    """The token is missing, invalid or not allowed to do this."""


class SmsDkInsufficientCreditsError(SmsDkApiError):
    """The account does not have enough credits for the message."""


class SmsDkRateLimitError(SmsDkApiError):
    """The API imposes a cool-down; ``retry_after`` says how long, in seconds, when it tells."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Keep the remaining cool-down next to the message."""
        super().__init__(message, code=code, http_status=http_status)
        self.retry_after = retry_after


class SmsDkNotFoundError(SmsDkApiError):
    """What the request names does not exist (endpoint, batch, group, contact)."""


class SmsDkValidationError(SmsDkApiError):
    """A request parameter was refused; ``field`` names it when the code tells which."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        field: str | None = None,
    ) -> None:
        """Keep the refused field next to the message."""
        super().__init__(message, code=code, http_status=http_status)
        self.field = field


class SmsDkRejectedError(SmsDkValidationError):
    """Every receiver of a send was rejected (code 1059); ``result`` holds each one's reason."""

    def __init__(
        self,
        message: str,
        *,
        result: SendResult,
        code: int | None = None,
        http_status: int | None = None,
    ) -> None:
        """Keep the per-receiver outcome next to the message."""
        super().__init__(message, code=code, http_status=http_status, field="receiver")
        self.result = result
