"""A local SMS.dk API simulator: an aiohttp application that answers like api.sms.dk/v1.

It mirrors what is known of the real API (see docs/smsdk-api.md): the exact response codes, HTTP
statuses and message texts of the official table, the answer shapes of send and listlog, and
delivery reports by GET to the dlrUrl. Where the real behaviour is unknown the simulator makes a
choice and says so in a comment; docs/smsdk-api.md, "What the simulator guesses", lists them all.
It shares no code with the integration, so that it can serve as an independent witness in tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
import contextlib
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
import json
import logging
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
import uuid

import aiohttp
from aiohttp import web

from . import codes
from .gsm import encode
from .models import (
    DEMO_TOKEN,
    LOSE_ANSWER_MODES,
    Faults,
    HeaderDict,
    LogRecord,
    LoseAnswerMode,
    RecordedRequest,
    format_time_sent,
)
from .numbers import Country, check_receiver
from .validation import SendError, int_param, parse_send, present

_LOGGER: Final = logging.getLogger(__name__)

SEND_PATH: Final = "/v1/sms/send"
LISTLOG_PATH: Final = "/v1/sms/listlog"
CREDITS_PATH: Final = "/v1/user/getcreditvalue"
SENDERS_PATH: Final = "/v1/sendername/list"
DELETE_PATH: Final = "/v1/sms/delete"

DEFAULT_SENDER_NAMES: Final = ("SMSDKDemo", "HomeAlarm")

LISTLOG_LIMIT_DEFAULT: Final = 10
LISTLOG_LIMIT_MAX: Final = 1000
CREDIT_PER_PART: Final = 1.0
DLR_TIMEOUT: Final = 5.0
AUTO_ADVANCE_INTERVAL: Final = 0.5
# How long stop() waits for requests still in progress (a delay fault may be sleeping in one).
SHUTDOWN_TIMEOUT: Final = 0.5

HTML_404: Final = (
    "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
    "<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>\n"
)
HTML_502: Final = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
HTML_504: Final = (
    "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    "<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
# A send answer cut off in the middle, as a proxy or a crashed worker might leave it.
MALFORMED_JSON: Final = (
    '{"status": "success", "messageCode": 5000, "result": {"totalCreditSum": 1.0, "messa'
)

type Handler = Callable[[web.Request, Any], Awaitable[web.Response]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _error(code: int, text: str | None = None) -> web.Response:
    return web.json_response(
        {"status": "error", "messageCode": code, "message": text or codes.message(code)},
        status=codes.http_status(code),
    )


def _success(result: Any) -> web.Response:
    return web.json_response({"status": "success", "messageCode": 5000, "result": result})


def _html(status: int, body: str) -> web.Response:
    return web.Response(status=status, text=body, content_type="text/html")


def _page(status: int, *, plain: bool) -> web.Response:
    """A page such as a gateway or a rate limiter in front of the API answers with."""
    try:
        title = f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        title = f"{status} Error"
    if plain:
        return web.Response(status=status, text=f"{title}\n", content_type="text/plain")
    return _html(
        status,
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n",
    )


class SmsDkSimulator:
    """The simulated SMS.dk account and its HTTP API."""

    def __init__(
        self,
        *,
        token: str = DEMO_TOKEN,
        credits: float = 100.0,  # noqa: A002 - the public interface's name
        sender_names: Sequence[str] = DEFAULT_SENDER_NAMES,
        now: Callable[[], datetime] | None = None,
        dlr_delay: float = 2.0,
    ) -> None:
        """Create an account with a token, a credit balance and approved sender names."""
        self.token: str = token
        self.credits: float = float(credits)
        self.sender_names: list[str] = list(sender_names)
        self.now: Callable[[], datetime] = now or _utcnow
        self.dlr_delay: float = dlr_delay
        self.faults: Faults = Faults()
        self.requests: list[RecordedRequest] = []
        self.messages: list[LogRecord] = []
        self.dlr_calls: list[tuple[str, int]] = []
        # Receivers (digit strings) that are well-formed but rejected with 1045.
        self.invalid_receivers: set[str] = set()
        # Final dlrStatus per receiver (digit string); 1 (delivered) when not set.
        self.outcomes: dict[str, int] = {}
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._session: aiohttp.ClientSession | None = None
        self._advance_task: asyncio.Task[None] | None = None
        self._seq = 0
        self._sends_answered = 0
        self._routes: dict[str, dict[str, Handler]] = {
            SEND_PATH: {"POST": self._send},
            LISTLOG_PATH: {"POST": self._listlog},
            CREDITS_PATH: {"GET": self._credits},
            SENDERS_PATH: {"GET": self._senders},
            DELETE_PATH: {"DELETE": self._delete},
        }

    # ------------------------------------------------------------------ public helpers

    def set_outcome(self, receiver: int | str, dlr_status: int) -> None:
        """Set the final dlrStatus of messages to receiver (read when the status becomes due)."""
        self.outcomes[str(receiver).lstrip("+")] = dlr_status

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:54321 (no trailing slash, no /v1)."""
        if self._url is None:
            raise RuntimeError("The simulator is not running")
        return self._url

    @property
    def sends(self) -> list[RecordedRequest]:
        """The POST /v1/sms/send requests received, in order."""
        return [r for r in self.requests if r.method == "POST" and r.path == SEND_PATH]

    @property
    def log_reads(self) -> list[RecordedRequest]:
        """The requests for the delivery log (/v1/sms/listlog) received, in order."""
        return [r for r in self.requests if r.path == LISTLOG_PATH]

    def make_app(self) -> web.Application:
        """Return a new aiohttp application serving this simulator (for aiohttp test clients)."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, *, auto_advance: bool = False
    ) -> str:
        """Start serving; return the base URL. auto_advance runs advance() every 0.5 s."""
        if self._runner is not None:
            raise RuntimeError("The simulator is already running")
        runner = web.AppRunner(
            self.make_app(),
            handle_signals=False,
            access_log=None,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        bound_port = runner.addresses[0][1]
        shown_host = f"[{host}]" if ":" in host else host
        self._url = f"http://{shown_host}:{bound_port}"
        if auto_advance:
            self._advance_task = asyncio.create_task(self._auto_advance())
        return self._url

    async def stop(self) -> None:
        """Stop serving and release everything the simulator opened."""
        if self._advance_task is not None:
            self._advance_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._advance_task
            self._advance_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._url = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def advance(self) -> None:
        """Apply every status change due by the clock now; await the delivery reports it sends."""
        now = self.now()
        delay = timedelta(seconds=self.dlr_delay)
        changed: list[LogRecord] = []
        for record in self.messages:
            if record.final or record.time_sent + delay > now:
                continue
            record.final = True
            status = self.outcomes.get(str(record.receiver), 1)
            if status != record.dlr_status:
                record.dlr_status = status
                if record.dlr_url:
                    changed.append(record)
        if changed:
            await asyncio.gather(*(self._deliver_report(record) for record in changed))

    # ------------------------------------------------------------------ plumbing

    async def _auto_advance(self) -> None:
        while True:
            await asyncio.sleep(AUTO_ADVANCE_INTERVAL)
            try:
                await self.advance()
            except Exception:
                _LOGGER.exception("Advancing the simulated delivery status failed")

    def _client_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # The threaded resolver starts nothing until a name must be resolved (never for
            # 127.0.0.1), so the session leaves no lingering threads behind in tests.
            connector = aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver())
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    def _report_url(self, record: LogRecord) -> str:
        """The dlrUrl with the report's parameters added, keeping its own query (the secret)."""
        assert record.dlr_url is not None
        parts = urlsplit(record.dlr_url)
        params: dict[str, str] = {
            "batchId": record.batch_id,
            "dlrStatus": str(record.dlr_status),
            "receiver": str(record.receiver),
        }
        if record.user_reference is not None:
            params["userReference"] = record.user_reference
        params["timeSent"] = format_time_sent(record.time_sent)
        own = parse_qsl(parts.query, keep_blank_values=True)
        kept = [(key, value) for key, value in own if key not in params]
        query = urlencode([*kept, *params.items()])
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))

    async def _deliver_report(self, record: LogRecord) -> None:
        url = self._report_url(record)
        status = 0
        try:
            async with self._client_session().get(
                url, timeout=aiohttp.ClientTimeout(total=DLR_TIMEOUT)
            ) as response:
                await response.read()
                status = response.status
        except Exception as err:  # noqa: BLE001 - a failed report must never break advance()
            _LOGGER.debug("Delivery report failed: %r", err)
        # Logged without the query: users put a secret there.
        parts = urlsplit(url)
        _LOGGER.info(
            "Delivery report %s=%s to %s://%s%s: %s",
            record.receiver,
            record.dlr_status,
            parts.scheme,
            parts.netloc,
            parts.path,
            status or "connection failed",
        )
        self.dlr_calls.append((url, status))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        text = raw.decode("utf-8", errors="replace")
        body: Any = None
        body_ok = False
        if text.strip():
            try:
                body = json.loads(text)
                body_ok = True
            except ValueError:
                body = None
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query.items()),
                headers=HeaderDict(request.headers.items()),
                json=body,
                text=text,
            )
        )
        response = await self._answer(request, body if body_ok else None)
        _LOGGER.info(
            "%s %s %s",
            request.method,
            request.path,
            "dropped" if response is None else response.status,
        )
        if response is None:
            # Close the connection without a word. aiohttp handles the failed write of the
            # placeholder answer below quietly (the transport is already gone).
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=499)
        return response

    async def _answer(self, request: web.Request, body: Any) -> web.Response | None:
        """Return the answer, or None when the connection must be dropped."""
        faults = self.faults
        lost = self._take_lost_answer(request)
        if faults.applies_to(request.path):
            if faults.delay > 0:
                await asyncio.sleep(faults.delay)
            if faults.hold is not None and lost != "late":
                # Answer only when the test says so (works with a frozen clock, unlike delay).
                await faults.hold.wait()
            if faults.drop_connection:
                # Before processing: the request never reached "SMS.dk".
                return None
            fault = self._fault_answer(faults)
            if fault is not None:
                if faults.retry_after_header is not None:
                    fault.headers["Retry-After"] = faults.retry_after_header
                response = fault
            else:
                response = await self._process(request, body)
        else:
            response = await self._process(request, body)
        if lost == "drop":
            # After processing: the text is logged and charged, only its answer is lost.
            return None
        if lost == "gateway":
            # A proxy in front gave up waiting for the API, which took the text all the same.
            return _html(504, HTML_504)
        if lost == "error":
            # The API took the text, then failed on its way to the answer.
            return _error(1000)
        if lost == "garbled":
            # The API took the text; what came back of the answer cannot be read.
            return web.Response(
                status=200, text='{"status": "success", "resu', content_type="application/json"
            )
        if lost == "late":
            if faults.hold is not None:
                await faults.hold.wait()
            else:
                await asyncio.sleep(faults.late_answer_delay)
        return response

    def _take_lost_answer(self, request: web.Request) -> LoseAnswerMode | None:
        """Count down lose_answers for a send request; return how its answer is lost, if it is."""
        faults = self.faults
        if request.method != "POST" or request.path != SEND_PATH or faults.lose_answers <= 0:
            return None
        if faults.lose_answer_mode not in LOSE_ANSWER_MODES:
            raise ValueError(f"Unknown lose_answer_mode: {faults.lose_answer_mode!r}")
        faults.lose_answers -= 1
        return faults.lose_answer_mode

    async def _process(self, request: web.Request, body: Any) -> web.Response:
        """The API's own answer: authentication, routing, then the endpoint."""
        path = request.path
        if path != "/v1" and not path.startswith("/v1/"):
            return _html(404, HTML_404)
        # Auth before routing: every /v1 request needs the token, known path or not (a guess).
        auth = request.headers.get("Authorization", "")
        scheme, _, token = auth.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _error(1053)
        if token.strip() != self.token:
            return _error(1054)
        handler = self._routes.get(path, {}).get(request.method)
        if handler is None:
            return _error(1051)
        if request.method == "POST" and not isinstance(body, dict):
            return _error(1044)
        return await handler(request, body)

    @staticmethod
    def _fault_answer(faults: Faults) -> web.Response | None:
        if faults.page_status is not None:
            return _page(faults.page_status, plain=faults.page_text_plain)
        if faults.html_404:
            return _html(404, HTML_404)
        if faults.bad_gateway:
            return _html(502, HTML_502)
        if faults.server_error:
            return _error(1000)
        if faults.cooldown is not None:
            return _error(1050, f"{codes.message(1050)} {faults.cooldown}")
        if faults.error_code is not None:
            return _error(faults.error_code)
        if faults.malformed_json:
            return web.Response(status=200, text=MALFORMED_JSON, content_type="application/json")
        if faults.unexpected_shape:
            return web.json_response({"status": "success", "messageCode": 5000, "result": "???"})
        return None

    # ------------------------------------------------------------------ endpoints

    async def _send(self, _request: web.Request, body: dict[str, Any]) -> web.Response:
        limit = self.faults.fail_sends_after
        if limit is not None and self._sends_answered >= limit:
            return _error(1000)
        self._sends_answered += 1
        now = self.now()
        try:
            send = parse_send(body, self.sender_names, now)
        except SendError as err:
            return _error(err.code)

        encoded = encode(send.message, send.format)
        credit_cost = encoded.parts * CREDIT_PER_PART
        accepted: list[tuple[str, Country]] = []
        rejected: list[dict[str, Any]] = []
        as_string = self.faults.receiver_as_string
        for digits in send.receivers:
            verdict = check_receiver(digits, self.invalid_receivers)
            if isinstance(verdict, Country):
                accepted.append((digits, verdict))
            else:
                rejected.append(
                    {
                        "receiver": digits if as_string else int(digits),
                        "messageCode": verdict,
                        "message": codes.message(verdict),
                    }
                )

        batch_id = str(uuid.uuid4())
        if not accepted:
            if self.faults.rejected_as_207:
                report = {"accepted": [], "rejected": rejected}
                return web.json_response(
                    {
                        "status": "mixed",
                        "messageCode": 3000,
                        "result": {
                            "totalCreditSum": 0,
                            "messageSize": encoded.parts,
                            "batchId": batch_id,
                            "report": report,
                        },
                    },
                    status=207,
                )
            return web.json_response(
                {
                    "status": "error",
                    "messageCode": 1059,
                    "message": codes.message(1059),
                    "errorResult": {"report": {"accepted": [], "rejected": rejected}},
                },
                status=codes.http_status(1059),
            )

        total = credit_cost * len(accepted)
        if total > self.credits:
            return _error(1030)
        self.credits -= total

        time_sent = send.scheduled or now
        for digits, country in accepted:
            self._seq += 1
            self.messages.append(
                LogRecord(
                    time_sent=time_sent,
                    dlr_status=0,
                    receiver=int(digits),
                    country=country.code,
                    sender=send.sender,
                    message_size=encoded.parts,
                    format=encoded.format,
                    message=send.message,
                    credit_cost=credit_cost,
                    user_reference=send.user_reference,
                    batch_id=batch_id,
                    dlr_url=send.dlr_url,
                    scheduled=send.scheduled,
                    submitted=now,
                    seq=self._seq,
                )
            )
        result = {
            "totalCreditSum": total,
            "messageSize": encoded.parts,
            "batchId": None if self.faults.omit_batch_id else batch_id,
            "report": {
                "accepted": [
                    {
                        "receiver": digits if as_string else int(digits),
                        "country": country.name,
                        "countryCode": country.code,
                        "creditCost": credit_cost,
                    }
                    for digits, country in accepted
                ],
                "rejected": rejected,
            },
        }
        if rejected:
            return web.json_response(
                {"status": "mixed", "messageCode": 3000, "result": result}, status=207
            )
        return _success(result)

    async def _listlog(self, _request: web.Request, body: dict[str, Any]) -> web.Response:
        limit = int_param(body.get("limit"), LISTLOG_LIMIT_DEFAULT)
        offset = int_param(body.get("offset"), 0)
        # The code for a limit out of range is a guess: 1040 is the table's generic one.
        if limit is None or not 1 <= limit <= LISTLOG_LIMIT_MAX:
            return _error(1040)
        if offset is None or offset < 0:
            return _error(1040)
        batch_id = body.get("batchId")
        matching = [
            record
            for record in self.messages
            if not present(batch_id) or record.batch_id == str(batch_id)
        ]
        matching.sort(key=lambda record: (record.time_sent, record.seq), reverse=True)
        as_string = self.faults.receiver_as_string
        data = [
            record.to_json(receiver_as_string=as_string)
            for record in matching[offset : offset + limit]
        ]
        if self.faults.log_without_batch_id:
            for shown in data:
                del shown["batchId"]
        return _success(
            {"limit": limit, "offset": offset, "recordsTotal": len(matching), "data": data}
        )

    async def _credits(self, _request: web.Request, _body: Any) -> web.Response:
        if self.faults.credits_as_string:
            return _success(str(self.credits))
        return _success(self.credits)

    async def _senders(self, _request: web.Request, _body: Any) -> web.Response:
        return _success(
            [
                {"senderName": name, "id": index, "approved": True}
                for index, name in enumerate(self.sender_names, start=1)
            ]
        )

    async def _delete(self, request: web.Request, body: Any) -> web.Response:
        batch_id: Any = request.query.get("batchId")
        if not present(batch_id) and isinstance(body, dict):
            batch_id = body.get("batchId")  # tolerate a JSON body too
        if not present(batch_id):
            return _error(1048)
        now = self.now()
        pending = [
            record
            for record in self.messages
            if record.batch_id == str(batch_id)
            and record.scheduled is not None
            and record.time_sent > now
            and not record.final
        ]
        if not pending:
            return _error(1049)
        for record in pending:
            self.messages.remove(record)
            self.credits += record.credit_cost
        return web.json_response(
            {"status": "success", "messageCode": 5014, "message": codes.message(5014)}
        )
