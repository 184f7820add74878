"""An asyncio client for the SMS.dk HTTP API (https://api.sms.dk/v1).

It knows nothing of Home Assistant: it takes an :class:`aiohttp.ClientSession` and a token, and
returns the typed models of :mod:`.models` or raises the exceptions of :mod:`.errors`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
import json
import logging
import math
from typing import Any, Final

import aiohttp

from .answers import ACCEPT_ENCODING, STATUS_SAYS_ALL, decode_answer
from .errors import (
    SmsDkAuthenticationError,
    SmsDkConnectionError,
    SmsDkMalformedResponseError,
    SmsDkTimeoutError,
    SmsDkValidationError,
)
from .fields import (
    RECEIVER_DIGITS_MAX,
    format_scheduled,
    token_is_well_formed,
    validation_error,
)
from .models import (
    LogPage,
    MessageFormat,
    SenderName,
    SendResult,
    as_float,
    as_int,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://api.sms.dk"
DEFAULT_TIMEOUT: Final = 15.0
LOG_LIMIT_MAX: Final = 1000


class SmsDkClient:
    """The SMS.dk API.

    The token is kept private: it is sent in the ``Authorization`` header and never appears in a
    log line, an exception or this object's ``repr``.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | None = None,
    ) -> None:
        """Use *session* for every request, with *token* as the bearer token.

        A request whose answer takes longer than *timeout* seconds (DEFAULT_TIMEOUT when None)
        counts as lost.
        """
        self._session = session
        self.__token = token
        self._base_url = base_url.rstrip("/")
        self._timeout = DEFAULT_TIMEOUT if timeout is None else timeout

    def set_credentials(self, token: str, *, base_url: str) -> bool:
        """Use *token* and *base_url* from the next request on; return whether either changed.

        Requests under way finish with what they started with.
        """
        base_url = base_url.rstrip("/")
        if token == self.__token and base_url == self._base_url:
            return False
        self.__token, self._base_url = token, base_url
        return True

    def __repr__(self) -> str:
        """Name the API, never the token."""
        return f"SmsDkClient(base_url={self._base_url!r})"

    # A parameter, not the caller's asyncio.timeout(): the client's own timeout raises
    # SmsDkTimeoutError (with may_have_arrived), where a caller's would cancel it.
    async def get_credits(self, *, timeout: float | None = None) -> float:  # noqa: ASYNC109
        """The account's credit balance.

        It is the cheapest request there is, so it also serves as a health probe: *timeout* (in
        seconds) replaces the client's own for this one call.
        """
        result = await self._request("GET", "user/getcreditvalue", timeout=timeout)
        if isinstance(result, Mapping):
            # Defensive: accept {"credits": n} or {"value": n} should the API wrap the number.
            result = result.get("credits", result.get("value"))
        balance = as_float(result)
        if balance is None or not math.isfinite(balance):
            raise SmsDkMalformedResponseError("The credit balance is not a number")
        return balance

    async def get_sender_names(self) -> list[SenderName]:
        """The account's sender names."""
        result = await self._request("GET", "sendername/list")
        if isinstance(result, Mapping):
            result = result.get("data", result.get("senderNames"))
        if not isinstance(result, list):
            raise SmsDkMalformedResponseError("The sender name list is not a list")
        return [name for item in result if (name := SenderName.from_api(item)) is not None]

    async def get_approved_sender_names(self) -> list[str]:
        """The names the account may send with: those not marked unapproved, in SMS.dk's order.

        An entry without an ``approved`` flag counts as approved (docs/smsdk-api.md).
        """
        return [name.name for name in await self.get_sender_names() if name.approved is not False]

    async def send(
        self,
        *,
        receiver: str | int,
        sender: str,
        message: str,
        message_format: MessageFormat | None = None,
        dlr_url: str | None = None,
        reference: str | None = None,
        scheduled: datetime | None = None,
    ) -> SendResult:
        """Send *message* to one *receiver* (digits with the country dial code, no ``+``).

        Returns the outcome also when the API accepted some receivers and rejected others (207);
        raises :class:`SmsDkRejectedError` when it rejected every one (409, code 1059).

        When the answer is lost (:class:`SmsDkConnectionError`), its ``may_have_arrived`` says
        whether the text may have been sent all the same.
        """
        receiver_digits = str(receiver).strip()
        # ASCII only: str.isdigit() also takes "²" (which int() refuses) or "٣" (which it reads).
        if not (receiver_digits.isascii() and receiver_digits.isdigit()):
            raise validation_error(1060, "receiver")
        if len(receiver_digits) > RECEIVER_DIGITS_MAX:
            raise validation_error(1064, "receiver")
        body: dict[str, Any] = {
            # Most clients send the number as a JSON number; the API's code 1014 asks for it.
            "receiver": int(receiver_digits),
            "senderName": sender,
            "message": message,
        }
        if message_format is not None:
            body["format"] = message_format.value
            body["encoding"] = "utf8"
        if dlr_url is not None:
            body["dlrUrl"] = dlr_url
        if reference is not None:
            body["userReference"] = reference
        if scheduled is not None:
            body["scheduled"] = format_scheduled(scheduled)
        data = await self._request("POST", "sms/send", json_body=body, envelope=True)
        result = data.get("result")
        if not isinstance(result, Mapping):
            raise SmsDkMalformedResponseError("The send answer has no result")
        return SendResult.from_api(as_int(data.get("messageCode")), result)

    async def get_log(
        self, *, batch_id: str | None = None, limit: int = 10, offset: int = 0
    ) -> LogPage:
        """A page of the delivery log, newest first; only *batch_id*'s messages when given."""
        body: dict[str, Any] = {"limit": max(1, min(limit, LOG_LIMIT_MAX)), "offset": offset}
        if batch_id is not None:
            body["batchId"] = batch_id
        result = await self._request("POST", "sms/listlog", json_body=body)
        if not isinstance(result, Mapping):
            raise SmsDkMalformedResponseError("The delivery log is not an object")
        return LogPage.from_api(result)

    async def cancel_scheduled(self, batch_id: str) -> None:
        """Cancel a scheduled message that has not been sent yet."""
        # The answer's shape is unknown beyond its code; an error raises, anything else is done.
        await self._request("DELETE", "sms/delete", params={"batchId": batch_id}, envelope=True)

    def _redact(self, text: str) -> str:
        """*text* without the token (an error text may quote what the server or aiohttp saw)."""
        return text.replace(self.__token, "***") if self.__token else text

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        envelope: bool = False,
        timeout: float | None = None,  # noqa: ASYNC109 - see get_credits
    ) -> Any:
        """Make one request; return the answer's ``result`` (or the whole answer, *envelope*)."""
        if not self.__token:
            raise SmsDkAuthenticationError("The API token is empty")
        if not token_is_well_formed(self.__token):
            # Never the token itself in the text: it is the secret, and it is what is broken.
            raise SmsDkAuthenticationError(
                "The API token contains characters that cannot be sent (spaces, line breaks,"
                " control or non-ASCII characters)"
            )
        url = f"{self._base_url}/v1/{path}"
        headers = {
            "Authorization": f"Bearer {self.__token}",
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        data: bytes | None = None
        if json_body is not None:
            # Serialised here, not by the session: its serialiser may be another library (Home
            # Assistant's is orjson) with its own failures; UTF-8 is what JSON over HTTP means.
            try:
                data = json.dumps(json_body, ensure_ascii=False).encode()
            except UnicodeEncodeError as err:
                raise SmsDkValidationError(
                    "The request holds text that cannot be sent (a lone UTF-16 surrogate)"
                ) from err
            headers["Content-Type"] = "application/json"
        seconds = self._timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(seconds):
                async with self._session.request(
                    method,
                    url,
                    data=data,
                    params=params,
                    headers=headers,
                    # The API never redirects: a redirect means a wrong address (http for https,
                    # say), and following it would turn a POST into a GET and blur whether the
                    # text was sent.
                    allow_redirects=False,
                    # aiohttp fails on a coding it cannot undo (br without Brotli, a broken gzip)
                    # before the status is known; undone here, a 429 or 503 stays what it is.
                    auto_decompress=False,
                ) as response:
                    status = response.status
                    try:
                        body = await response.read()
                    except aiohttp.ClientError:
                        if status not in STATUS_SAYS_ALL:
                            raise
                        # The status alone says what happened; the body only adds detail.
                        body = b""
        except aiohttp.ConnectionTimeoutError as err:
            # The session's own connect timeout: no connection, so nothing was sent.
            raise SmsDkTimeoutError(
                self._redact(f"Could not connect to SMS.dk in time: {err}"),
                may_have_arrived=False,
            ) from err
        except TimeoutError as err:
            # Ours or the session's read timeout. The request may be sent and processed already
            # (a timeout while connecting looks the same from here: assume the worse).
            raise SmsDkTimeoutError(
                self._redact(f"SMS.dk did not answer within {seconds:g} seconds"),
                may_have_arrived=True,
            ) from err
        except aiohttp.ClientConnectorError as err:
            # Refused, unknown host, unreachable, TLS handshake: nothing was sent.
            raise SmsDkConnectionError(
                self._redact(f"Could not reach SMS.dk: {type(err).__name__}: {err}"),
                may_have_arrived=False,
            ) from err
        except (ValueError, aiohttp.NonHttpUrlClientError) as err:
            # aiohttp.InvalidURL, yarl's ValueError or a scheme other than http(s) (an unusable
            # address, a query value that cannot be encoded): the request could not even be
            # built, so nothing was sent.
            raise SmsDkConnectionError(
                self._redact(
                    "Could not make the request (is the API address right?):"
                    f" {type(err).__name__}: {err}"
                ),
                may_have_arrived=False,
            ) from err
        except aiohttp.ClientError as err:
            # Connected, then the connection broke (reset, closed, answer cut off): the request
            # may have arrived. The error names the host at most; the token travels in a header.
            raise SmsDkConnectionError(
                self._redact(f"Lost the connection to SMS.dk: {type(err).__name__}: {err}"),
                may_have_arrived=True,
            ) from err
        _LOGGER.debug("%s /v1/%s answered HTTP %s", method, path, status)
        return decode_answer(
            status,
            body,
            coding=response.headers.get("Content-Encoding"),
            charset=response.charset,
            retry_after=response.headers.get("Retry-After"),
            envelope=envelope,
            redact=self._redact,
        )
