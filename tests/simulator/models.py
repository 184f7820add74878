"""The simulator's data: fault switches, recorded requests and the delivery log."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from collections.abc import Collection
    from datetime import datetime

DEMO_TOKEN: Final = "demo-token-0123456789"

COPENHAGEN: Final = ZoneInfo("Europe/Copenhagen")

# The log's timeSent format, "23.08.2026 12.33.57" (dots in the time too), in Danish local time.
TIME_SENT_FORMAT: Final = "%d.%m.%Y %H.%M.%S"


def format_time_sent(when: datetime) -> str:
    """Format an aware datetime the way the SMS.dk log does, in Europe/Copenhagen time."""
    return when.astimezone(COPENHAGEN).strftime(TIME_SENT_FORMAT)


type LoseAnswerMode = Literal["drop", "late", "gateway", "error", "garbled"]
LOSE_ANSWER_MODES: Final[frozenset[str]] = frozenset(
    {"drop", "late", "gateway", "error", "garbled"}
)


@dataclass
class Faults:
    """Failure modes, all off by default. Tests flip them on the live simulator.

    The answering faults take precedence in this order when several are on: drop_connection,
    page_status, html_404, bad_gateway, server_error, cooldown, error_code, malformed_json,
    unexpected_shape. delay adds to any of them. The shape faults (credits_as_string,
    receiver_as_string, rejected_as_207, omit_batch_id, log_without_batch_id) only change what a
    normal answer looks like.

    Two kinds of lost answer, for a client that must tell "not sent" from "maybe sent":

    - drop_connection closes the connection BEFORE the request is processed: nothing is logged
      or charged (the request was lost on its way to SMS.dk).
    - lose_answers loses the answer of the next N POST /v1/sms/send requests AFTER they were
      processed exactly as usual (logged in the delivery log, credits charged, errors decided):
      "drop" closes the connection without a word; "gateway" answers a proxy's 504 page (the
      gateway gave up waiting, but the API went on); "error" answers SMS.dk's own 500 "Something
      went wrong" (code 1000) and "garbled" a 200 whose body is not JSON, both after the text was
      taken (what docs/smsdk-api.md calls an unclear answer); "late" answers only after
      late_answer_delay
      seconds, or when hold is set (the event form, for tests with a frozen clock), i.e. after
      the client gave up. It counts down by one per send request, whatever answers it, and
      ignores only_paths. A "late" request does not wait on hold before it is processed, only
      after (so a test can see the text in the log while the answer is still held).

    retry_after_header adds a Retry-After header to the answering faults' answers (page_status,
    html_404, bad_gateway, server_error, cooldown, error_code, malformed_json, unexpected_shape).
    """

    delay: float = 0.0
    # When set, every request waits for this event before it is answered.
    hold: asyncio.Event | None = None
    # How many of the next POST /v1/sms/send requests lose their answer (counts down).
    lose_answers: int = 0
    # "drop" (close the connection), "gateway" (a 504 page), "error" (500, code 1000), "garbled"
    # (a 200 that is not JSON) or "late" (answer after late_answer_delay, or on hold).
    lose_answer_mode: LoseAnswerMode = "drop"
    late_answer_delay: float = 30.0
    # Answer with a page of this HTTP status (429, 502, 503, 504...), as a gateway, a proxy or a
    # rate limiter in front of the API would: HTML, or plain text with page_text_plain.
    page_status: int | None = None
    page_text_plain: bool = False
    # When set, the answering faults (not normal answers) carry this Retry-After header, verbatim.
    retry_after_header: str | None = None
    server_error: bool = False
    bad_gateway: bool = False
    html_404: bool = False
    malformed_json: bool = False
    unexpected_shape: bool = False
    drop_connection: bool = False
    cooldown: int | None = None
    credits_as_string: bool = False
    receiver_as_string: bool = False
    rejected_as_207: bool = False
    # After this many sends were answered, every further send answers 500/1000 (an outage that
    # starts in the middle of a multi-receiver send).
    fail_sends_after: int | None = None
    # A send answer without "batchId" (documented as always there; clients must not depend on it).
    omit_batch_id: bool = False
    # Log records without "batchId" (the log's fields are documented, not promised).
    log_without_batch_id: bool = False
    # Answer every request with this documented error code (its HTTP status and wording), as the
    # real API may for cases the simulator does not model; an empty rejected array for 1059.
    error_code: int | None = None
    # When set, delay, hold and the answering faults apply only to requests whose path is in it
    # (e.g. {"/v1/sms/send"}); None means every path. The shape faults and lose_answers ignore it.
    only_paths: Collection[str] | None = None

    def applies_to(self, path: str) -> bool:
        """Return whether delay and the answering faults apply to a request for path."""
        return self.only_paths is None or path in self.only_paths


class HeaderDict(dict[str, str]):
    """A plain dict of the request headers as received, whose lookups ignore case.

    Clients may send "authorization" or "Authorization"; tests should not care which.
    """

    def _find(self, key: object) -> str | None:
        if isinstance(key, str):
            if dict.__contains__(self, key):
                return key
            lowered = key.lower()
            for name in self:
                if name.lower() == lowered:
                    return name
        return None

    def __getitem__(self, key: str) -> str:
        """Return the header's value, whatever the case of key."""
        found = self._find(key)
        if found is None:
            raise KeyError(key)
        return dict.__getitem__(self, found)

    def __contains__(self, key: object) -> bool:
        """Return whether the header was sent, whatever the case of key."""
        return self._find(key) is not None

    def get(self, key: str, default: Any = None) -> Any:
        """Return the header's value or default, whatever the case of key."""
        found = self._find(key)
        return default if found is None else dict.__getitem__(self, found)


@dataclass
class RecordedRequest:
    """One request as the simulator received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    text: str


@dataclass
class LogRecord:
    """One message to one receiver: a row of /v1/sms/listlog plus what the simulator needs."""

    time_sent: datetime  # aware; the scheduled time when scheduled, else the moment it was sent
    dlr_status: int
    receiver: int
    country: str  # two-letter code, as the log shows it
    sender: str
    message_size: int
    format: int  # 0 GSM, 1 unicode
    message: str
    credit_cost: float
    user_reference: str | None
    batch_id: str
    dlr_url: str | None = None
    scheduled: datetime | None = None  # aware; None when sent at once
    submitted: datetime | None = None  # aware; when the send request came in
    final: bool = False  # True once the final status is applied (it never changes again)
    seq: int = field(default=0, repr=False)  # creation order, for newest-first sorting

    @property
    def time_sent_text(self) -> str:
        """The timeSent field as the log shows it."""
        return format_time_sent(self.time_sent)

    def to_json(self, *, receiver_as_string: bool = False) -> dict[str, Any]:
        """Return the record as the listlog answer shows it."""
        return {
            "timeSent": self.time_sent_text,
            "dlrStatus": self.dlr_status,
            "receiver": str(self.receiver) if receiver_as_string else self.receiver,
            "country": self.country,
            "sender": self.sender,
            "messageSize": self.message_size,
            "format": self.format,
            "message": self.message,
            # The live log shows a whole cost as 1, where the send answer shows 1.0.
            "creditCost": (
                int(self.credit_cost) if self.credit_cost.is_integer() else self.credit_cost
            ),
            "userReference": self.user_reference,
            "batchId": self.batch_id,
        }
