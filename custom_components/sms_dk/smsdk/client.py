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
from typing import Any, Final

import aiohttp

from .errors import (
    CODE_RATE_LIMIT,
    CODE_REJECTED,
    RESPONSE_CODES,
    SmsDkApiError,
    SmsDkConnectionError,
    SmsDkMalformedResponseError,
    SmsDkRateLimitError,
    SmsDkRejectedError,
    SmsDkServerError,
    SmsDkTimeoutError,
    SmsDkValidationError,
    error_for_status,
    parse_remaining,
)
from .models import (
    API_TIMEZONE,
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
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Use *session* for every request, with *token* as the bearer token."""
        self._session = session
        self.__token = token
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout

    def __repr__(self) -> str:
        """Name the API, never the token."""
        return f"SmsDkClient(base_url={self._base_url!r})"

    async def get_credits(self) -> float:
        """The account's credit balance."""
        result = await self._request("GET", "user/getcreditvalue")
        if isinstance(result, Mapping):
            # Defensive: accept {"credits": n} or {"value": n} should the API wrap the number.
            result = result.get("credits", result.get("value"))
        balance = as_float(result)
        if balance is None:
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
        """
        receiver_digits = str(receiver).strip()
        if not receiver_digits.isdigit():
            raise SmsDkValidationError(
                'Parameter "receiver" must be of numeric characters only.',
                code=1060,
                field="receiver",
            )
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

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        envelope: bool = False,
    ) -> Any:
        """Make one request; return the answer's ``result`` (or the whole answer, *envelope*)."""
        url = f"{self._base_url}/v1/{path}"
        headers = {
            "Authorization": f"Bearer {self.__token}",
            "Accept": "application/json",
        }
        try:
            async with asyncio.timeout(self._timeout):
                async with self._session.request(
                    method, url, json=json_body, params=params, headers=headers
                ) as response:
                    status = response.status
                    text = await response.text(errors="replace")
        except TimeoutError as err:
            raise SmsDkTimeoutError(
                f"SMS.dk did not answer within {self._timeout:g} seconds"
            ) from err
        except aiohttp.ClientError as err:
            # The error names the host at most; the token travels only in a header.
            raise SmsDkConnectionError(
                f"Could not reach SMS.dk: {type(err).__name__}: {err}"
            ) from err
        _LOGGER.debug("%s /v1/%s answered HTTP %s", method, path, status)
        return self._decode(status, text, envelope=envelope)

    @staticmethod
    def _decode(status: int, text: str, *, envelope: bool) -> Any:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, Mapping):
            if status >= 500:
                raise SmsDkServerError(f"SMS.dk failed with HTTP {status}", http_status=status)
            raise SmsDkMalformedResponseError(
                f"SMS.dk answered HTTP {status} with something that is not its JSON"
                " (is the API address right?)",
                http_status=status,
            )
        code = as_int(data.get("messageCode"))
        is_error = status >= 400 or data.get("status") == "error"
        if is_error:
            raise _error_from_answer(status, code, data)
        if envelope:
            return data
        if "result" not in data:
            raise SmsDkMalformedResponseError(
                f"SMS.dk answered HTTP {status} without a result", http_status=status
            )
        return data["result"]


def _error_from_answer(status: int, code: int | None, data: Mapping[str, Any]) -> SmsDkApiError:
    """The exception for an error answer, keeping the API's code and message."""
    row = RESPONSE_CODES.get(code) if code is not None else None
    message = data.get("message")
    if not isinstance(message, str) or not message:
        message = row.message if row else f"SMS.dk refused the request (HTTP {status})"
    if code == CODE_REJECTED:
        error_result = data.get("errorResult")
        result = SendResult.from_api(
            code, error_result if isinstance(error_result, Mapping) else {}
        )
        return SmsDkRejectedError(message, result=result, code=code, http_status=status)
    if code == CODE_RATE_LIMIT or (row is None and status == 429):
        return SmsDkRateLimitError(
            message, code=code, http_status=status, retry_after=parse_remaining(message)
        )
    if row is not None and row.error is not None:
        if issubclass(row.error, SmsDkValidationError):
            return row.error(message, code=code, http_status=status, field=row.field)
        return row.error(message, code=code, http_status=status)
    return error_for_status(status)(message, code=code, http_status=status)


def format_scheduled(when: datetime) -> str:
    """The ``scheduled`` field: ISO 8601 in Danish local time, with its UTC offset.

    The zone the API assumes for a time without offset is unknown, so we always send the offset;
    a naive *when* is taken to be Danish time already.
    """
    if when.tzinfo is None:
        when = when.replace(tzinfo=API_TIMEZONE)
    return when.astimezone(API_TIMEZONE).replace(microsecond=0).isoformat()
