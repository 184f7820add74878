"""The one retry policy: what an error of a request to SMS.dk means for the text it carried.

Every caller that must decide "send again, keep, or give up?" asks :func:`classify` (the send
path, the outbox and its schedule, the repair's "send again"). The kinds:

- ``SENT``: no error;
- ``REFUSED``: refused for good (a number, a sender name, a text SMS.dk will not take): trying
  again changes nothing;
- ``NEEDS_USER``: a refused token or no credits: kept until the user acts;
- ``TRY_LATER``: an outage, a failing server, a cool-down (with its time, :func:`cool_down`);
- ``UNKNOWN``: no clear answer after the request went out (a timeout, a cut connection, a
  gateway that gave up waiting, SMS.dk's own "Something went wrong" (HTTP 500, code 1000), an
  answer of success that cannot be read): SMS.dk may have taken the text, so the delivery log is
  asked before it is sent again.

A leaf module: it knows only the client's exceptions.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from .smsdk import (
    SmsDkAuthenticationError,
    SmsDkConnectionError,
    SmsDkError,
    SmsDkInsufficientCreditsError,
    SmsDkMalformedResponseError,
    SmsDkRateLimitError,
    SmsDkServerError,
)

# SMS.dk's own failure (500, code 1000) and a gateway in front of it that gave up waiting (502,
# 504) say nothing of whether the text went on. Only 503 says it was not taken (unavailable).
UNCLEAR_STATUSES: Final = frozenset({500, 502, 504})


class Verdict(StrEnum):
    """What an outcome means for the text."""

    SENT = "sent"
    REFUSED = "refused"
    NEEDS_USER = "needs_user"
    TRY_LATER = "try_later"
    UNKNOWN = "unknown"

    @property
    def temporary(self) -> bool:
        """Whether SMS.dk itself may take the text later, with nobody doing anything."""
        return self in (Verdict.TRY_LATER, Verdict.UNKNOWN)


def classify(err: SmsDkError) -> Verdict:
    """The verdict on the error *err* of one request (a request without one: ``SENT``)."""
    if (
        (isinstance(err, SmsDkConnectionError) and err.may_have_arrived)
        or (isinstance(err, SmsDkServerError) and err.http_status in UNCLEAR_STATUSES)
        # A success whose body cannot be read (or lacks what it must hold: the client finds that
        # out after the status, and names none): the request was done, its answer is lost.
        or (
            isinstance(err, SmsDkMalformedResponseError)
            and (err.http_status is None or 200 <= err.http_status < 300)
        )
    ):
        return Verdict.UNKNOWN
    if isinstance(err, SmsDkAuthenticationError | SmsDkInsufficientCreditsError):
        return Verdict.NEEDS_USER
    if isinstance(err, SmsDkConnectionError | SmsDkServerError | SmsDkRateLimitError):
        return Verdict.TRY_LATER
    return Verdict.REFUSED


def classify_lookup(err: SmsDkError) -> Verdict:
    """The verdict on a text whose lost answer could not be looked up in the log (*err*).

    Never ``REFUSED``: a log that cannot be read says nothing of the text, which waits to be
    looked up again (the user's action, for a refused token).
    """
    verdict = classify(err)
    return Verdict.TRY_LATER if verdict in (Verdict.REFUSED, Verdict.UNKNOWN) else verdict


def cool_down(err: SmsDkError | None) -> float | None:
    """The seconds SMS.dk asked to wait (a 429 with Retry-After), if it named them."""
    return err.retry_after if isinstance(err, SmsDkRateLimitError) else None
