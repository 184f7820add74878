"""Reading an answer of the SMS.dk API: its coding, charset, JSON, and the exception it means.

Whatever a server (or a gateway in front of it) answers, what comes out is the answer's result
or an SmsDkError subclass: a 429 is always a cool-down, a 502, 503 or 504 always temporary, and
an unreadable body never hides what the status says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import json
from typing import Any, Final
import zlib

from .codes import (
    CODE_RATE_LIMIT,
    CODE_REJECTED,
    RESPONSE_CODES,
    error_for_status,
    parse_remaining,
    parse_retry_after,
)
from .errors import (
    SmsDkApiError,
    SmsDkMalformedResponseError,
    SmsDkRateLimitError,
    SmsDkRejectedError,
    SmsDkServerError,
    SmsDkValidationError,
)
from .models import SendResult, as_int

# Answers that come from whatever stands in front of the API (a gateway, a load balancer) as often
# as from the API itself: temporary, whatever their body says.
UNAVAILABLE_STATUSES: Final = frozenset({502, 503, 504})
TOO_MANY_REQUESTS: Final = 429
# Statuses that decide the exception on their own, even when the body cannot be read.
STATUS_SAYS_ALL: Final = UNAVAILABLE_STATUSES | {TOO_MANY_REQUESTS}
# The content codings the client undoes itself (see the client's request), and a bound on what
# they may inflate to: an answer of the API is a few kilobytes, a log page of 1000 entries under a
# megabyte.
ACCEPT_ENCODING: Final = "gzip, deflate"
MAX_ANSWER_BYTES: Final = 16 * 1024 * 1024


def decode_answer(
    status: int,
    body: bytes,
    *,
    coding: str | None,
    charset: str | None,
    retry_after: str | None,
    envelope: bool,
    redact: Callable[[str], str],
) -> Any:
    """The answer's ``result`` (or the whole answer, *envelope*), or the exception it means.

    *redact* takes the token out of any text of the server's that an exception quotes.
    """
    data = _json_object(_text_of(_decoded(body, coding), charset))
    if status == TOO_MANY_REQUESTS:
        # Whoever answers 429 (the API, a rate limiter, a proxy) asks for a pause.
        raise _cool_down(status, data, retry_after, redact)
    if status in UNAVAILABLE_STATUSES:
        raise SmsDkServerError(
            _api_message(data, redact) or f"SMS.dk is unavailable for now (HTTP {status})",
            code=as_int(data.get("messageCode")) if data is not None else None,
            http_status=status,
        )
    if data is None:
        if status >= 500:
            raise SmsDkServerError(f"SMS.dk failed with HTTP {status}", http_status=status)
        raise SmsDkMalformedResponseError(
            f"SMS.dk answered HTTP {status} with something that is not its JSON"
            " (is the API address right?)",
            http_status=status,
        )
    if status < 200 or 300 <= status < 400:
        # A redirect (or an interim answer) did not do what was asked, whatever it holds.
        raise SmsDkMalformedResponseError(
            f"SMS.dk answered HTTP {status}, which it never does (is the API address right?)",
            http_status=status,
        )
    code = as_int(data.get("messageCode"))
    is_error = status >= 400 or data.get("status") == "error"
    if is_error:
        if code == CODE_RATE_LIMIT:
            raise _cool_down(status, data, retry_after, redact)
        raise _error_from_answer(status, code, data, _api_message(data, redact))
    if envelope:
        return data
    if "result" not in data:
        raise SmsDkMalformedResponseError(
            f"SMS.dk answered HTTP {status} without a result", http_status=status
        )
    return data["result"]


def _api_message(data: Mapping[str, Any] | None, redact: Callable[[str], str]) -> str | None:
    """The ``message`` of an answer, if it has a non-empty one, without the token."""
    message = data.get("message") if data is not None else None
    if not isinstance(message, str) or not message:
        return None
    return redact(message)


def _cool_down(
    status: int,
    data: Mapping[str, Any] | None,
    retry_after: str | None,
    redact: Callable[[str], str],
) -> SmsDkRateLimitError:
    """The cool-down error: how long, from the API's 1050 text, else from Retry-After."""
    code = as_int(data.get("messageCode")) if data is not None else None
    message = _api_message(data, redact)
    remaining = parse_remaining(message) if message else None
    if message is None:
        message = (
            RESPONSE_CODES[CODE_RATE_LIMIT].message
            if code == CODE_RATE_LIMIT
            else f"SMS.dk asks to wait before the next request (HTTP {status})"
        )
    return SmsDkRateLimitError(
        message,
        code=code,
        http_status=status,
        retry_after=remaining if remaining is not None else parse_retry_after(retry_after),
    )


def _decoded(body: bytes, coding: str | None) -> bytes:
    """*body* without its Content-Encoding; empty when that cannot be undone (an unreadable answer).

    Only gzip and deflate are asked for. Anything else, or a stream that is broken, truncated or
    inflates beyond MAX_ANSWER_BYTES, leaves nothing to read: the status alone must speak.
    """
    coding = (coding or "identity").strip().lower()
    if coding == "identity":
        return body
    if coding not in ("gzip", "x-gzip", "deflate"):
        return b""
    # wbits 47 reads a gzip or a zlib stream; -15 the raw deflate some servers call "deflate".
    for wbits in (47, -15):
        inflater = zlib.decompressobj(wbits)
        try:
            data = inflater.decompress(body, MAX_ANSWER_BYTES)
        except zlib.error:
            continue
        if inflater.eof and not inflater.unconsumed_tail:
            return data
    return b""


def _text_of(body: bytes, charset: object) -> str:
    """Decode an answer: in its declared charset when that is a text encoding, else as UTF-8.

    Never raises: an unknown charset (LookupError), a codec that is no text encoding ("base64"), or
    one that refuses the "replace" error handler ("idna") all fall back to UTF-8, JSON's own.
    """
    if isinstance(charset, str) and charset:
        try:
            return body.decode(charset, errors="replace")
        except LookupError, ValueError:
            pass
    return body.decode("utf-8", errors="replace")


def _json_object(text: str) -> Mapping[str, Any] | None:
    """The answer as a JSON object, or None when it is anything else."""
    try:
        data = json.loads(text)
    except ValueError, RecursionError:
        # ValueError: not JSON, or an integer too long for int(); RecursionError: nested too deep.
        return None
    return data if isinstance(data, Mapping) else None


def _error_from_answer(
    status: int, code: int | None, data: Mapping[str, Any], message: str | None
) -> SmsDkApiError:
    """The exception for an error answer, keeping the API's code and *message* (if any)."""
    row = RESPONSE_CODES.get(code) if code is not None else None
    if message is None:
        message = row.message if row else f"SMS.dk refused the request (HTTP {status})"
    if code == CODE_REJECTED:
        error_result = data.get("errorResult")
        result = SendResult.from_api(
            code, error_result if isinstance(error_result, Mapping) else {}
        )
        return SmsDkRejectedError(message, result=result, code=code, http_status=status)
    if row is not None and row.error is not None:
        if issubclass(row.error, SmsDkValidationError):
            return row.error(message, code=code, http_status=status, field=row.field)
        return row.error(message, code=code, http_status=status)
    return error_for_status(status)(message, code=code, http_status=status)
