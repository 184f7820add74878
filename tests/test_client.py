"""The SMS.dk client over real HTTP: against the simulator, and against canned answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
import gzip
import json
import socket
import struct
from typing import Any
import zlib
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
import pytest

from custom_components.sms_dk.smsdk import (
    RESPONSE_CODES,
    DeliveryStatus,
    MessageFormat,
    SmsDkApiError,
    SmsDkAuthenticationError,
    SmsDkClient,
    SmsDkConnectionError,
    SmsDkError,
    SmsDkInsufficientCreditsError,
    SmsDkMalformedResponseError,
    SmsDkNotFoundError,
    SmsDkRateLimitError,
    SmsDkRejectedError,
    SmsDkServerError,
    SmsDkTimeoutError,
    SmsDkValidationError,
    token_is_well_formed,
)
from custom_components.sms_dk.smsdk.codes import parse_remaining, parse_retry_after
from custom_components.sms_dk.smsdk.fields import format_scheduled
from custom_components.sms_dk.smsdk.models import as_float, as_receiver, parse_time_sent
from tests.simulator import DEMO_TOKEN, SmsDkSimulator

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    """A plain aiohttp session, as Home Assistant's shared one would be."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def client(session: aiohttp.ClientSession, simulator: SmsDkSimulator) -> SmsDkClient:
    """A client of the simulator."""
    return SmsDkClient(session, DEMO_TOKEN, base_url=simulator.url)


@dataclass
class Canned:
    """A tiny server that answers every request with what the test set."""

    status: int = 200
    body: str = "{}"
    content_type: str = "application/json"
    # Sent as they are; a Content-Type here (with its charset) replaces content_type.
    headers: dict[str, str] = field(default_factory=dict)
    # When set, the body's exact bytes (body is then ignored).
    raw: bytes | None = None
    url: str = ""
    seen: list[web.Request] = field(default_factory=list)

    def answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body if isinstance(body, str) else json.dumps(body)
        self.headers = headers or {}
        self.raw = None


@pytest.fixture
async def canned(socket_enabled: None) -> AsyncGenerator[Canned]:
    """A server on loopback that answers with canned bodies."""
    state = Canned()

    async def handler(request: web.Request) -> web.Response:
        state.seen.append(request)
        if state.raw is not None or "Content-Type" in state.headers:
            raw = state.body.encode() if state.raw is None else state.raw
            return web.Response(status=state.status, body=raw, headers=state.headers)
        return web.Response(
            status=state.status,
            text=state.body,
            content_type=state.content_type,
            headers=state.headers,
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.url = f"http://127.0.0.1:{port}"
    try:
        yield state
    finally:
        await runner.cleanup()


@pytest.fixture
def canned_client(session: aiohttp.ClientSession, canned: Canned) -> SmsDkClient:
    """A client of the canned server."""
    return SmsDkClient(session, DEMO_TOKEN, base_url=canned.url)


# --- against the simulator -------------------------------------------------------------------


async def test_send_success(client: SmsDkClient, simulator: SmsDkSimulator) -> None:
    """A send posts the documented body and returns the typed outcome."""
    credits_before = simulator.credits
    result = await client.send(
        receiver="4522113344",
        sender="SMSDKDemo",
        message="Hej fra Home Assistant",
        message_format=MessageFormat.GSM,
        dlr_url="http://127.0.0.1:1/api/webhook/abc?secret=1",
        reference="alarm-1",
    )
    assert result.code == 5000
    assert result.batch_id
    assert result.parts == 1
    assert result.credits == 1.0
    assert [r.receiver for r in result.accepted] == ["4522113344"]
    assert result.accepted[0].country == "Denmark"
    assert result.accepted[0].credit_cost == 1.0
    assert result.rejected == ()
    assert not result.mixed
    assert simulator.credits == credits_before - 1.0

    sent = simulator.sends[-1]
    assert sent.headers["Authorization"] == f"Bearer {DEMO_TOKEN}"
    assert sent.json == {
        "receiver": 4522113344,
        "senderName": "SMSDKDemo",
        "message": "Hej fra Home Assistant",
        "format": "gsm",
        "encoding": "utf8",
        "dlrUrl": "http://127.0.0.1:1/api/webhook/abc?secret=1",
        "userReference": "alarm-1",
    }


async def test_send_unicode_counts_parts(client: SmsDkClient, simulator: SmsDkSimulator) -> None:
    """A long unicode text costs one credit a part."""
    result = await client.send(
        receiver=4522113344,
        sender="SMSDKDemo",
        message="🔥" * 40,
        message_format=MessageFormat.UNICODE,
    )
    assert result.parts == 2
    assert result.credits == 2.0
    assert simulator.sends[-1].json["format"] == "unicode"


async def test_send_scheduled_and_cancel(client: SmsDkClient, simulator: SmsDkSimulator) -> None:
    """A scheduled message carries its time with offset, and can be cancelled once."""
    when = datetime.now(UTC) + timedelta(hours=1)
    result = await client.send(
        receiver="4522113344", sender="SMSDKDemo", message="Later", scheduled=when
    )
    assert result.batch_id
    sent = simulator.sends[-1].json["scheduled"]
    assert datetime.fromisoformat(sent) == when.replace(microsecond=0)

    await client.cancel_scheduled(result.batch_id)
    delete = simulator.requests[-1]
    assert (delete.method, delete.path, delete.query) == (
        "DELETE",
        "/v1/sms/delete",
        {"batchId": result.batch_id},
    )
    with pytest.raises(SmsDkNotFoundError) as err:
        await client.cancel_scheduled(result.batch_id)
    assert err.value.code == 1049
    assert err.value.message == "There is no record to delete."


async def test_send_all_rejected(client: SmsDkClient) -> None:
    """A 409 with a rejected array raises, keeping each receiver's reason."""
    with pytest.raises(SmsDkRejectedError) as err:
        await client.send(receiver="452211334", sender="SMSDKDemo", message="Hej")
    assert err.value.code == 1059
    assert err.value.http_status == 409
    assert err.value.message == "See specific error in returned rejected array."
    assert err.value.field == "receiver"
    rejected = err.value.result.rejected
    assert [(r.receiver, r.code) for r in rejected] == [("452211334", 1015)]
    assert rejected[0].message == "Country code and phone number do not match."
    assert err.value.result.accepted == ()


async def test_send_rejected_as_mixed(client: SmsDkClient, simulator: SmsDkSimulator) -> None:
    """A 207 is a success at HTTP level; the outcome is judged by the report."""
    simulator.faults.rejected_as_207 = True
    result = await client.send(receiver="22113344", sender="SMSDKDemo", message="Hej")
    assert result.code == 3000
    assert result.mixed
    assert result.accepted == ()
    assert [(r.receiver, r.code) for r in result.rejected] == [("22113344", 1065)]
    assert result.rejected[0].message == "Phone number might be a local number"


async def test_send_unapproved_sender(client: SmsDkClient) -> None:
    """An unapproved sender name is a validation error of that field."""
    with pytest.raises(SmsDkValidationError) as err:
        await client.send(receiver="4522113344", sender="Unknown", message="Hej")
    assert err.value.code == 1017
    assert err.value.field == "senderName"
    assert err.value.message == 'Parameter "senderName" is not a approved sender name.'


async def test_send_refuses_non_digit_receiver_locally(
    client: SmsDkClient, simulator: SmsDkSimulator
) -> None:
    """A receiver that is not digits never reaches the API."""
    with pytest.raises(SmsDkValidationError) as err:
        await client.send(receiver="+45 22 11", sender="SMSDKDemo", message="Hej")
    assert err.value.field == "receiver"
    assert simulator.sends == []


async def test_insufficient_credits(client: SmsDkClient, simulator: SmsDkSimulator) -> None:
    """With no credits left the send is refused with 1030 / HTTP 402."""
    simulator.credits = 0
    with pytest.raises(SmsDkInsufficientCreditsError) as err:
        await client.send(receiver="4522113344", sender="SMSDKDemo", message="Hej")
    assert (err.value.code, err.value.http_status) == (1030, 402)


async def test_credits(client: SmsDkClient, simulator: SmsDkSimulator) -> None:
    """The credit balance is a number, also when the API sends a string."""
    simulator.credits = 123.5
    assert await client.get_credits() == 123.5
    simulator.faults.credits_as_string = True
    assert await client.get_credits() == 123.5


async def test_sender_names(client: SmsDkClient, simulator: SmsDkSimulator) -> None:
    """The account's sender names."""
    names = await client.get_sender_names()
    assert [n.name for n in names] == list(simulator.sender_names)


@pytest.mark.usefixtures("socket_enabled")  # the test runs a simulator of its own
async def test_log_follows_delivery(session: aiohttp.ClientSession) -> None:
    """The log shows a message pending, then delivered, with a Danish-time timestamp."""
    now = datetime(2026, 8, 23, 10, 33, 57, tzinfo=UTC)
    sim = SmsDkSimulator(now=lambda: now, dlr_delay=5)
    await sim.start()
    try:
        client = SmsDkClient(session, DEMO_TOKEN, base_url=sim.url)
        sim.faults.receiver_as_string = True
        result = await client.send(
            receiver="4522113344", sender="SMSDKDemo", message="Hej", reference="ref-1"
        )
        page = await client.get_log(batch_id=result.batch_id)
        assert page.total == 1
        entry = page.entries[0]
        assert entry.status is DeliveryStatus.PENDING
        assert not entry.status.is_final
        assert entry.receiver == "4522113344"
        assert entry.time_sent == now
        assert entry.time_sent.tzinfo == CPH
        assert entry.reference == "ref-1"
        assert entry.format is MessageFormat.GSM
        assert entry.parts == 1

        now += timedelta(seconds=10)
        await sim.advance()
        page = await client.get_log(batch_id=result.batch_id, limit=5000)
        assert page.entries[0].status is DeliveryStatus.DELIVERED
        assert page.entries[0].status.is_final
        assert sim.requests[-1].json == {"limit": 1000, "offset": 0, "batchId": result.batch_id}

        assert (await client.get_log(batch_id="no-such-batch")).entries == ()
    finally:
        await sim.stop()


async def test_wrong_token(session: aiohttp.ClientSession, simulator: SmsDkSimulator) -> None:
    """A wrong token is an authentication error, and the token is in no text."""
    client = SmsDkClient(session, "secret-wrong-token", base_url=simulator.url)
    with pytest.raises(SmsDkAuthenticationError) as err:
        await client.get_credits()
    assert (err.value.code, err.value.http_status, err.value.message) == (
        1054,
        401,
        "Invalid token.",
    )
    assert "secret-wrong-token" not in repr(client)
    assert "secret-wrong-token" not in str(err.value)
    assert "secret-wrong-token" not in repr(err.value)


@pytest.mark.parametrize(
    ("fault", "error", "code", "http_status"),
    [
        ("server_error", SmsDkServerError, 1000, 500),
        ("bad_gateway", SmsDkServerError, None, 502),
        ("html_404", SmsDkMalformedResponseError, None, 404),
        ("malformed_json", SmsDkMalformedResponseError, None, 200),
        ("unexpected_shape", SmsDkMalformedResponseError, None, None),
        ("drop_connection", SmsDkConnectionError, None, None),
        ("page_status", SmsDkServerError, None, 503),
    ],
)
async def test_faults(
    client: SmsDkClient,
    simulator: SmsDkSimulator,
    fault: str,
    error: type[SmsDkError],
    code: int | None,
    http_status: int | None,
) -> None:
    """Every kind of broken answer becomes its own exception."""
    setattr(simulator.faults, fault, 503 if fault == "page_status" else True)
    with pytest.raises(error) as err:
        await client.get_credits()
    assert err.value.code == code
    assert err.value.http_status == http_status
    assert DEMO_TOKEN not in str(err.value)


async def test_malformed_send_answer(client: SmsDkClient, simulator: SmsDkSimulator) -> None:
    """A send answer without a result object is malformed, not a crash."""
    simulator.faults.unexpected_shape = True
    with pytest.raises(SmsDkMalformedResponseError):
        await client.send(receiver="4522113344", sender="SMSDKDemo", message="Hej")


async def test_timeout(session: aiohttp.ClientSession, simulator: SmsDkSimulator) -> None:
    """A slow API is a timeout error after the client's timeout."""
    simulator.faults.delay = 1.0
    client = SmsDkClient(session, DEMO_TOKEN, base_url=simulator.url, timeout=0.1)
    with pytest.raises(SmsDkTimeoutError) as err:
        await client.get_credits()
    assert isinstance(err.value, SmsDkConnectionError)
    assert str(err.value) == "SMS.dk did not answer within 0.1 seconds"
    await asyncio.sleep(1.0)  # let the simulator's slow handler finish before the test ends


async def test_cool_down(client: SmsDkClient, simulator: SmsDkSimulator) -> None:
    """A cool-down says how long to wait."""
    simulator.faults.cooldown = 42
    with pytest.raises(SmsDkRateLimitError) as err:
        await client.get_credits()
    assert err.value.code == 1050
    assert err.value.retry_after == 42


async def test_unknown_endpoint(session: aiohttp.ClientSession, simulator: SmsDkSimulator) -> None:
    """An endpoint the API does not have answers 1051 (an API address with a path of its own
    makes every endpoint one the API does not have)."""
    client = SmsDkClient(session, DEMO_TOKEN, base_url=f"{simulator.url}/v1/no/such")
    with pytest.raises(SmsDkNotFoundError) as err:
        await client.get_credits()
    assert (err.value.code, err.value.http_status) == (1051, 404)
    assert simulator.requests[-1].path == "/v1/no/such/v1/user/getcreditvalue"


# --- every documented code, from canned answers ----------------------------------------------

ERROR_ROWS = [row for row in RESPONSE_CODES.values() if row.error is not None]


def test_table_is_complete() -> None:
    """The table has every code of the official description, and no other."""
    codes = set(RESPONSE_CODES)
    assert codes == {*range(1000, 1067)} - {1001} | {3000} | set(range(5000, 5015))
    assert RESPONSE_CODES[1017].message == 'Parameter "senderName" is not a approved sender name.'


@pytest.mark.parametrize("row", ERROR_ROWS, ids=lambda row: str(row.code))
async def test_every_error_code(canned: Canned, canned_client: SmsDkClient, row: Any) -> None:
    """Each error code raises its exception, keeping the code, HTTP status and message."""
    canned.answer(
        row.http_status, {"status": "error", "messageCode": row.code, "message": row.message}
    )
    with pytest.raises(row.error) as err:
        await canned_client.get_credits()
    assert err.value.code == row.code
    assert err.value.http_status == row.http_status
    assert err.value.message == row.message
    if isinstance(err.value, SmsDkValidationError):
        assert err.value.field == row.field


async def test_cool_down_remaining_with_decimals(
    canned: Canned, canned_client: SmsDkClient
) -> None:
    """The remaining cool-down is read from the message."""
    canned.answer(
        409,
        {"status": "error", "messageCode": 1050, "message": "There is a cool down. remaining: 2,5"},
    )
    with pytest.raises(SmsDkRateLimitError) as err:
        await canned_client.get_credits()
    assert err.value.retry_after == 2.5
    canned.answer(409, {"status": "error", "messageCode": 1050, "message": ""})
    with pytest.raises(SmsDkRateLimitError) as err:
        await canned_client.get_credits()
    assert err.value.retry_after is None
    assert err.value.message == "There is a cool down. remaining:"


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"status": "error"}, SmsDkAuthenticationError),
        (403, {"message": "Forbidden"}, SmsDkAuthenticationError),
        (402, {"status": "error"}, SmsDkInsufficientCreditsError),
        (404, {"status": "error"}, SmsDkNotFoundError),
        (429, {"status": "error", "message": "Slow down"}, SmsDkRateLimitError),
        (503, {"status": "error"}, SmsDkServerError),
        (500, {"status": "error", "messageCode": 4242}, SmsDkServerError),
        (507, {"message": "Insufficient Storage"}, SmsDkServerError),
        (418, {"status": "error", "messageCode": 1999, "message": "Teapot"}, SmsDkApiError),
        (200, {"status": "error", "messageCode": 4242}, SmsDkApiError),
    ],
)
async def test_errors_without_known_code(
    canned: Canned,
    canned_client: SmsDkClient,
    status: int,
    body: dict[str, Any],
    error: type[SmsDkError],
) -> None:
    """An error answer with no documented code is judged by its HTTP status."""
    canned.answer(status, body)
    with pytest.raises(error) as err:
        await canned_client.get_credits()
    assert type(err.value) is error
    assert err.value.message


async def test_rejected_without_error_result(canned: Canned, canned_client: SmsDkClient) -> None:
    """A 1059 answer without its array still raises, with an empty outcome."""
    canned.answer(409, {"status": "error", "messageCode": 1059, "errorResult": None})
    with pytest.raises(SmsDkRejectedError) as err:
        await canned_client.send(receiver="4522113344", sender="SMSDKDemo", message="x")
    assert err.value.result.rejected == ()


async def test_odd_but_valid_shapes(canned: Canned, canned_client: SmsDkClient) -> None:
    """Receivers as strings or numbers, amounts as strings, unknown fields: all understood."""
    canned.answer(
        200,
        {
            "status": "success",
            "messageCode": 5000,
            "result": {
                "totalCreditSum": "2",
                "messageSize": 2.0,
                "batchId": "b-1",
                "somethingNew": True,
                "report": {
                    "accepted": [
                        {
                            "receiver": "+4531317428",
                            "country": "Denmark",
                            "countryCode": "DK",
                            "creditCost": 1,
                        },
                        "junk",
                    ],
                    "rejected": [
                        {
                            "receiver": 4.6701234567e10,
                            "messageCode": "1066",
                            "message": "The country is not supported",
                        }
                    ],
                },
            },
        },
    )
    result = await canned_client.send(receiver="4531317428", sender="SMSDKDemo", message="x")
    assert result.credits == 2.0
    assert result.parts == 2
    assert result.accepted[0].receiver == "4531317428"
    assert result.accepted[0].country_code == "DK"
    assert result.rejected[0].receiver == "46701234567"
    assert result.rejected[0].code == 1066

    canned.answer(200, {"status": "success", "result": {"report": "nope"}})
    result = await canned_client.send(receiver="4531317428", sender="SMSDKDemo", message="x")
    assert (result.batch_id, result.accepted, result.rejected, result.credits) == (
        None,
        (),
        (),
        0.0,
    )


async def test_odd_log_entries(canned: Canned, canned_client: SmsDkClient) -> None:
    """Unknown statuses and odd times never fail the log."""
    canned.answer(
        200,
        {
            "status": "success",
            "messageCode": 5000,
            "result": {
                "limit": "10",
                "offset": 0,
                "recordsTotal": 3,
                "data": [
                    {"dlrStatus": 3, "timeSent": "garbage", "receiver": 4522680880, "format": 1},
                    {"dlrStatus": "x", "timeSent": "2026-08-23T12:33:57", "format": 7},
                    {"dlrStatus": 8, "timeSent": None, "message": {"nested": 1}},
                    42,
                ],
            },
        },
    )
    page = await canned_client.get_log()
    assert page.limit == 10
    assert [e.status for e in page.entries] == [
        DeliveryStatus.UNKNOWN,
        DeliveryStatus.UNKNOWN,
        DeliveryStatus.BUFFERED,
    ]
    assert page.entries[0].raw_status == 3
    assert page.entries[0].time_sent is None
    assert page.entries[0].format is MessageFormat.UNICODE
    assert page.entries[1].time_sent == datetime(2026, 8, 23, 12, 33, 57, tzinfo=CPH)
    assert page.entries[1].format is None
    assert page.entries[2].message is None
    assert page.entries[2].receiver == ""


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ({"credits": "17"}, 17.0),
        ({"value": 3}, 3.0),
    ],
)
async def test_credits_wrapped(
    canned: Canned, canned_client: SmsDkClient, result: Any, expected: float
) -> None:
    """A credit balance wrapped in an object is still read."""
    canned.answer(200, {"status": "success", "messageCode": 5000, "result": result})
    assert await canned_client.get_credits() == expected


@pytest.mark.parametrize("result", [None, "many", True, [1]])
async def test_credits_not_a_number(
    canned: Canned, canned_client: SmsDkClient, result: Any
) -> None:
    """A credit balance that is not a number is malformed."""
    canned.answer(200, {"status": "success", "messageCode": 5000, "result": result})
    with pytest.raises(SmsDkMalformedResponseError):
        await canned_client.get_credits()


async def test_other_malformed_answers(canned: Canned, canned_client: SmsDkClient) -> None:
    """Answers without result, lists where objects belong: malformed, never a crash."""
    canned.answer(200, {"status": "success"})
    with pytest.raises(SmsDkMalformedResponseError):
        await canned_client.get_credits()
    canned.answer(200, {"status": "success", "result": "x"})
    with pytest.raises(SmsDkMalformedResponseError):
        await canned_client.get_log()
    with pytest.raises(SmsDkMalformedResponseError):
        await canned_client.get_sender_names()
    canned.answer(200, [1, 2])
    with pytest.raises(SmsDkMalformedResponseError):
        await canned_client.get_credits()


async def test_sender_name_shapes(canned: Canned, canned_client: SmsDkClient) -> None:
    """Sender names as objects, strings or wrapped lists."""
    canned.answer(
        200,
        {
            "status": "success",
            "result": {
                "data": [
                    {"senderName": "Alarm", "approved": True},
                    {"name": "Other", "approved": "yes"},
                    "Plain",
                    "",
                    {"id": 3},
                    7,
                ]
            },
        },
    )
    names = await canned_client.get_sender_names()
    assert [(n.name, n.approved) for n in names] == [
        ("Alarm", True),
        ("Other", None),
        ("Plain", None),
    ]


def test_helpers() -> None:
    """The defensive parsers."""
    assert as_float("1,5") == 1.5
    assert as_float(True) is None
    assert as_float(None) is None
    assert as_receiver(None) == ""
    assert as_receiver(True) == ""
    assert as_receiver(4522113344.0) == "4522113344"
    assert parse_time_sent("23.08.2026 12.33.57") == datetime(2026, 8, 23, 12, 33, 57, tzinfo=CPH)
    assert parse_time_sent("23.08.2026 12:33:57") == datetime(2026, 8, 23, 12, 33, 57, tzinfo=CPH)
    assert parse_time_sent("2026-08-23T10:33:57+00:00") == datetime(
        2026, 8, 23, 10, 33, 57, tzinfo=UTC
    )
    assert parse_time_sent("") is None
    assert format_scheduled(datetime(2026, 12, 24, 18, 0)) == "2026-12-24T18:00:00+01:00"
    assert (
        format_scheduled(datetime(2026, 7, 1, 10, 0, 0, 500, tzinfo=UTC))
        == "2026-07-01T12:00:00+02:00"
    )


SUCCESS_ROWS = [row for row in RESPONSE_CODES.values() if row.error is None]


@pytest.mark.parametrize("row", SUCCESS_ROWS, ids=lambda row: str(row.code))
async def test_every_success_code(canned: Canned, canned_client: SmsDkClient, row: Any) -> None:
    """Each success (and the mixed) code is an answer, not an error."""
    canned.answer(
        row.http_status,
        {
            "status": "mixed" if row.code == 3000 else "success",
            "messageCode": row.code,
            "message": row.message,
            "result": {"totalCreditSum": 1, "messageSize": 1, "batchId": "b", "report": {}},
        },
    )
    result = await canned_client.send(receiver="4522113344", sender="SMSDKDemo", message="x")
    assert result.code == row.code
    assert result.batch_id == "b"


# --- cool-downs and outages, whoever answers ----------------------------------------------------


@pytest.mark.parametrize(
    ("plain", "header", "retry_after"),
    [
        (False, None, None),
        (True, "120", 120.0),
        (False, " 7 ", 7.0),
        (True, "soon", None),
        (False, "-5", None),
        (False, "Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # long past: no need to wait
    ],
)
async def test_429_page_is_a_cool_down(
    client: SmsDkClient,
    simulator: SmsDkSimulator,
    plain: bool,
    header: str | None,
    retry_after: float | None,
) -> None:
    """Any 429 (a rate limiter's HTML or text page) is a cool-down, timed by Retry-After."""
    simulator.faults.page_status = 429
    simulator.faults.page_text_plain = plain
    simulator.faults.retry_after_header = header
    with pytest.raises(SmsDkRateLimitError) as err:
        await client.get_credits()
    assert (err.value.code, err.value.http_status) == (None, 429)
    assert err.value.retry_after == retry_after
    assert err.value.message == "SMS.dk asks to wait before the next request (HTTP 429)"


async def test_429_retry_after_date(client: SmsDkClient, simulator: SmsDkSimulator) -> None:
    """A Retry-After HTTP-date is the time left until then."""
    when = datetime.now(UTC) + timedelta(seconds=90)
    simulator.faults.page_status = 429
    simulator.faults.retry_after_header = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
    with pytest.raises(SmsDkRateLimitError) as err:
        await client.get_credits()
    assert err.value.retry_after is not None
    assert 80 <= err.value.retry_after <= 90


@pytest.mark.parametrize(
    ("status", "body", "header", "code", "message", "retry_after"),
    [
        # The API's own cool-down: its remaining time wins over the header.
        (409, {"messageCode": 1050, "message": "There is a cool down. remaining: 42"}, "7", 1050,
         "There is a cool down. remaining: 42", 42.0),
        # Its cool-down without a number: the header says how long.
        (409, {"messageCode": 1050, "message": "There is a cool down. remaining:"}, "7", 1050,
         "There is a cool down. remaining:", 7.0),
        (200, {"status": "error", "messageCode": 1050}, None, 1050,
         "There is a cool down. remaining:", None),
        # A 429 is a cool-down whatever code its JSON carries.
        (429, {"status": "error", "messageCode": 1054, "message": "Invalid token."}, "3", 1054,
         "Invalid token.", 3.0),
        (429, {"status": "error", "messageCode": 1059, "message": "x"}, None, 1059, "x", None),
        (429, [1, 2], "3", None, "SMS.dk asks to wait before the next request (HTTP 429)", 3.0),
        (429, "Too Many Requests", None, None,
         "SMS.dk asks to wait before the next request (HTTP 429)", None),
    ],
)  # fmt: skip
async def test_cool_down_sources(
    canned: Canned,
    canned_client: SmsDkClient,
    status: int,
    body: Any,
    header: str | None,
    code: int | None,
    message: str,
    retry_after: float | None,
) -> None:
    """The remaining time comes from the API's 1050 text, else from Retry-After."""
    canned.answer(status, body, {"Retry-After": header} if header else None)
    with pytest.raises(SmsDkRateLimitError) as err:
        await canned_client.get_credits()
    assert (err.value.code, err.value.http_status, err.value.message) == (code, status, message)
    assert err.value.retry_after == retry_after


async def test_409_rejected_is_still_rejected(canned: Canned, canned_client: SmsDkClient) -> None:
    """A JSON 409/1059 keeps its own exception, Retry-After or not."""
    canned.answer(409, {"status": "error", "messageCode": 1059}, {"Retry-After": "5"})
    with pytest.raises(SmsDkRejectedError) as err:
        await canned_client.send(receiver="4522113344", sender="SMSDKDemo", message="x")
    assert (err.value.code, err.value.http_status) == (1059, 409)


@pytest.mark.parametrize("status", [502, 503, 504])
@pytest.mark.parametrize(
    ("body", "content_type", "code", "message"),
    [
        ("<html><h1>Bad Gateway</h1></html>", "text/html", None, None),
        ("upstream connect error", "text/plain", None, None),
        ("", "text/plain", None, None),
        ({"status": "error"}, "application/json", None, None),
        ({"status": "error", "messageCode": 1054, "message": "Invalid token."}, "application/json",
         1054, "Invalid token."),
        ({"status": "success", "messageCode": 5000, "result": 5}, "application/json", 5000, None),
        ([1], "application/json", None, None),
    ],
)  # fmt: skip
async def test_gateway_statuses_are_temporary(
    canned: Canned,
    canned_client: SmsDkClient,
    status: int,
    body: Any,
    content_type: str,
    code: int | None,
    message: str | None,
) -> None:
    """502, 503 and 504 are a temporary server error, whatever the body says."""
    canned.answer(status, body)
    canned.content_type = content_type
    with pytest.raises(SmsDkServerError) as err:
        await canned_client.get_credits()
    assert (err.value.code, err.value.http_status) == (code, status)
    assert err.value.message == (message or f"SMS.dk is unavailable for now (HTTP {status})")


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_page_from_the_simulator(
    client: SmsDkClient, simulator: SmsDkSimulator, status: int
) -> None:
    """The simulator's gateway pages, HTML or text, are server errors for every request."""
    simulator.faults.page_status = status
    for plain in (False, True):
        simulator.faults.page_text_plain = plain
        with pytest.raises(SmsDkServerError) as err:
            await client.send(receiver="4522113344", sender="SMSDKDemo", message="Hej")
        assert err.value.http_status == status
    assert simulator.messages == []


@pytest.mark.parametrize("status", [500, 501, 507])
async def test_another_server_page_is_a_server_error(
    canned: Canned, canned_client: SmsDkClient, status: int
) -> None:
    """Another 5xx whose body is not SMS.dk's JSON (a crashed worker's page) is a server error
    that says its status, not a malformed answer."""
    canned.answer(status, "<html><body><h1>Internal Server Error</h1></body></html>")
    canned.content_type = "text/html"
    with pytest.raises(SmsDkServerError) as err:
        await canned_client.get_credits()
    assert err.value.http_status == status
    assert err.value.message == f"SMS.dk failed with HTTP {status}"


async def test_redirect_is_not_followed(canned: Canned, canned_client: SmsDkClient) -> None:
    """A redirect means a wrong address: not followed (it would turn a POST into a GET)."""
    canned.answer(
        301,
        {"status": "success", "messageCode": 5000, "result": {"batchId": "b"}},
        {"Location": f"{canned.url}/elsewhere"},
    )
    with pytest.raises(SmsDkMalformedResponseError) as err:
        await canned_client.send(receiver="4522113344", sender="SMSDKDemo", message="x")
    assert err.value.http_status == 301
    assert "is the API address right?" in err.value.message
    assert [(r.method, r.path) for r in canned.seen] == [("POST", "/v1/sms/send")]


# --- lost answers: may the text have been sent? -------------------------------------------------


def _closed_port() -> int:
    """A loopback port nobody listens on (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.usefixtures("socket_enabled")
async def test_refused_connection_sent_nothing(session: aiohttp.ClientSession) -> None:
    """A refused connection: nothing was sent, the text may be sent again at once."""
    client = SmsDkClient(session, DEMO_TOKEN, base_url=f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(SmsDkConnectionError) as err:
        await client.send(receiver="4522113344", sender="SMSDKDemo", message="Hej")
    assert type(err.value) is SmsDkConnectionError
    assert err.value.may_have_arrived is False
    assert err.value.message.startswith("Could not reach SMS.dk: ClientConnectorError")


async def test_answer_lost_after_processing(client: SmsDkClient, simulator: SmsDkSimulator) -> None:
    """The connection dies after SMS.dk sent the text: it may have arrived, and it did."""
    simulator.faults.lose_answers = 1
    with pytest.raises(SmsDkConnectionError) as err:
        await client.send(receiver="4522113344", sender="SMSDKDemo", message="Hej")
    assert type(err.value) is SmsDkConnectionError
    assert err.value.may_have_arrived is True
    assert err.value.message.startswith("Lost the connection to SMS.dk: ServerDisconnectedError")
    # The delivery log, which a caller reads before trying again, has the text.
    page = await client.get_log()
    assert [(e.receiver, e.message) for e in page.entries] == [("4522113344", "Hej")]
    assert simulator.credits == 99.0


async def test_connection_dropped_before_processing(
    client: SmsDkClient, simulator: SmsDkSimulator
) -> None:
    """Dropped before SMS.dk processed it: the client cannot tell, so it says "maybe"."""
    simulator.faults.drop_connection = True
    with pytest.raises(SmsDkConnectionError) as err:
        await client.send(receiver="4522113344", sender="SMSDKDemo", message="Hej")
    assert err.value.may_have_arrived is True
    simulator.faults.drop_connection = False
    assert (await client.get_log()).entries == ()


async def test_late_answer_is_a_timeout_that_may_have_arrived(
    session: aiohttp.ClientSession, simulator: SmsDkSimulator
) -> None:
    """An answer that comes after the client's timeout: the text was sent all the same."""
    hold = asyncio.Event()
    simulator.faults.hold = hold
    simulator.faults.lose_answers = 1
    simulator.faults.lose_answer_mode = "late"
    client = SmsDkClient(session, DEMO_TOKEN, base_url=simulator.url, timeout=0.2)
    with pytest.raises(SmsDkTimeoutError) as err:
        await client.send(receiver="4522113344", sender="SMSDKDemo", message="Hej")
    assert err.value.may_have_arrived is True
    assert err.value.message == "SMS.dk did not answer within 0.2 seconds"
    assert [m.message for m in simulator.messages] == ["Hej"]
    hold.set()


async def test_connect_timeout_sent_nothing(simulator: SmsDkSimulator) -> None:
    """The session's connect timeout (here: no free connection in its pool) sent nothing."""
    hold = asyncio.Event()
    simulator.faults.hold = hold
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=1), timeout=aiohttp.ClientTimeout(connect=0.05)
    ) as one_connection:
        client = SmsDkClient(one_connection, DEMO_TOKEN, base_url=simulator.url)
        first = asyncio.create_task(client.get_credits())
        while not simulator.requests:
            await asyncio.sleep(0.01)
        with pytest.raises(SmsDkTimeoutError) as err:
            await client.send(receiver="4522113344", sender="SMSDKDemo", message="Hej")
        assert err.value.may_have_arrived is False
        assert err.value.message.startswith("Could not connect to SMS.dk in time")
        hold.set()
        assert await first == 100.0
    assert simulator.sends == []


@dataclass
class RawServer:
    """A TCP server that reads one HTTP request and answers it with raw bytes, then closes."""

    reply: bytes = b""
    reset: bool = False
    url: str = ""


@pytest.fixture
async def raw_server(socket_enabled: None) -> AsyncGenerator[RawServer]:
    state = RawServer()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        await reader.readexactly(length)
        if state.reset:
            # SO_LINGER 0: close() sends a reset instead of a polite FIN.
            writer.get_extra_info("socket").setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        else:
            writer.write(state.reply)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield state
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(
    ("reply", "reset"),
    [
        # An answer cut off in the middle of its body.
        (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
            False,
        ),
        # Something that is not HTTP at all.
        (b"SMTP ready\r\n\r\n", False),
        # Closed without a byte.
        (b"", False),
        # Reset by the peer.
        (b"", True),
    ],
)
async def test_broken_answers_may_have_arrived(
    session: aiohttp.ClientSession, raw_server: RawServer, reply: bytes, reset: bool
) -> None:
    """Whatever breaks after the request went out, the text may have been sent."""
    raw_server.reply = reply
    raw_server.reset = reset
    client = SmsDkClient(session, DEMO_TOKEN, base_url=raw_server.url)
    with pytest.raises(SmsDkConnectionError) as err:
        await client.send(receiver="4522113344", sender="SMSDKDemo", message="Hej")
    assert type(err.value) is SmsDkConnectionError
    assert err.value.may_have_arrived is True
    assert err.value.message.startswith("Lost the connection to SMS.dk: ")
    assert DEMO_TOKEN not in str(err.value)


@pytest.mark.parametrize("base_url", ["http://[::1", "not a url", "ftp://127.0.0.1", "http://"])
async def test_unusable_address(session: aiohttp.ClientSession, base_url: str) -> None:
    """An address aiohttp cannot use is a connection error that sent nothing."""
    client = SmsDkClient(session, DEMO_TOKEN, base_url=base_url)
    with pytest.raises(SmsDkConnectionError) as err:
        await client.get_credits()
    assert err.value.may_have_arrived is False
    assert err.value.message.startswith("Could not make the request (is the API address right?)")


def test_connection_error_defaults_to_maybe() -> None:
    """Built without saying, a connection error is a "maybe": the safe side."""
    assert SmsDkConnectionError("x").may_have_arrived is True
    assert SmsDkTimeoutError("x").may_have_arrived is True


# --- per-call timeout -----------------------------------------------------------------------


async def test_get_credits_timeout_per_call(
    session: aiohttp.ClientSession, simulator: SmsDkSimulator
) -> None:
    """A short probe times out on its own timeout; a generous one outlasts the client's."""
    hold = asyncio.Event()
    simulator.faults.hold = hold
    client = SmsDkClient(session, DEMO_TOKEN, base_url=simulator.url)  # 15 s by default
    with pytest.raises(SmsDkTimeoutError) as err:
        await client.get_credits(timeout=0.05)
    assert err.value.message == "SMS.dk did not answer within 0.05 seconds"
    hold.set()

    simulator.faults.hold = None
    simulator.faults.delay = 0.1
    impatient = SmsDkClient(session, DEMO_TOKEN, base_url=simulator.url, timeout=0.01)
    assert await impatient.get_credits(timeout=5) == 100.0
    with pytest.raises(SmsDkTimeoutError):
        await impatient.get_credits()
    await asyncio.sleep(0.1)  # let the simulator's slow handler finish before the test ends


# --- the token is never sent broken, and never shown ------------------------------------------

BAD_TOKENS = [
    "x\r\nX-Evil: 1",
    "a b",
    "\t",
    "tok\x00en",
    "tok\x7fen",
    "tøken",
    "\u200btoken",
    "token\u00a0",
    "",
]

PUBLIC_CALLS: dict[str, Callable[[SmsDkClient], Awaitable[object]]] = {
    "get_credits": lambda c: c.get_credits(),
    "get_sender_names": lambda c: c.get_sender_names(),
    "send": lambda c: c.send(receiver="4522113344", sender="SMSDKDemo", message="Hej"),
    "get_log": lambda c: c.get_log(),
    "cancel_scheduled": lambda c: c.cancel_scheduled("b-1"),
}


def test_token_is_well_formed() -> None:
    assert token_is_well_formed(DEMO_TOKEN)
    assert token_is_well_formed("Ab0-._~+/=!#$%&'*^`|")
    for token in BAD_TOKENS:
        assert not token_is_well_formed(token), repr(token)


@pytest.mark.parametrize("token", BAD_TOKENS, ids=repr)
@pytest.mark.parametrize("call", PUBLIC_CALLS)
async def test_broken_token_is_never_sent(
    session: aiohttp.ClientSession, simulator: SmsDkSimulator, token: str, call: str
) -> None:
    """A token that cannot go in a header makes no request, and the error does not quote it."""
    client = SmsDkClient(session, token, base_url=simulator.url)
    with pytest.raises(SmsDkAuthenticationError) as err:
        await PUBLIC_CALLS[call](client)
    assert err.value.message == (
        "The API token is empty"
        if not token
        else "The API token contains characters that cannot be sent (spaces, line breaks,"
        " control or non-ASCII characters)"
    )
    assert simulator.requests == []
    if token.strip():
        assert token not in str(err.value)
        assert token not in repr(err.value)


async def test_token_echoed_by_the_server_is_hidden(
    canned: Canned, session: aiohttp.ClientSession
) -> None:
    """An answer that quotes the token does not put it in the error."""
    token = "s3cret-token-4242"
    client = SmsDkClient(session, token, base_url=canned.url)
    canned.answer(401, {"status": "error", "messageCode": 1054, "message": f"Bad token {token}"})
    with pytest.raises(SmsDkAuthenticationError) as auth:
        await client.get_credits()
    canned.answer(429, {"message": f"Slow down, {token}"})
    with pytest.raises(SmsDkRateLimitError) as cool:
        await client.get_credits()
    canned.answer(503, {"message": f"Down for {token}"})
    with pytest.raises(SmsDkServerError) as down:
        await client.get_credits()
    assert [auth.value.message, cool.value.message, down.value.message] == [
        "Bad token ***",
        "Slow down, ***",
        "Down for ***",
    ]
    for err in (auth.value, cool.value, down.value):
        assert token not in str(err)
        assert token not in repr(err)


async def test_token_in_a_broken_address_is_hidden(session: aiohttp.ClientSession) -> None:
    """A token pasted into the address field does not come back in the error text."""
    token = "s3cret-token-4242"
    client = SmsDkClient(session, token, base_url=f"http://[{token}")
    with pytest.raises(SmsDkConnectionError) as err:
        await client.get_credits()
    assert "***" in str(err.value)
    assert token not in str(err.value)
    assert token not in repr(err.value)


# --- nothing but SmsDkError escapes ---------------------------------------------------------


@pytest.mark.parametrize(
    "when",
    [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14))),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
    ],
)
async def test_schedule_beyond_the_calendar(
    client: SmsDkClient, simulator: SmsDkSimulator, when: datetime
) -> None:
    """A time with no Danish equivalent is refused like the API's own 1029, unsent."""
    with pytest.raises(SmsDkValidationError) as err:
        format_scheduled(when)
    assert (err.value.code, err.value.field) == (1029, "scheduled")
    assert err.value.message == "The date and time is not following the ISO 8601 standard."
    with pytest.raises(SmsDkValidationError) as err:
        await client.send(receiver="4522113344", sender="SMSDKDemo", message="x", scheduled=when)
    assert (err.value.code, err.value.field) == (1029, "scheduled")
    assert simulator.requests == []


@pytest.mark.parametrize(
    ("receiver", "code"),
    [("²²", 1060), ("٤٥٢٢١١٣٣٤٤", 1060), ("1234567890123456", 1064), ("9" * 5000, 1064)],
)
async def test_receiver_refused_locally(
    client: SmsDkClient, simulator: SmsDkSimulator, receiver: str, code: int
) -> None:
    """Digits int() would refuse or misread, or too many for any phone number, are not sent."""
    with pytest.raises(SmsDkValidationError) as err:
        await client.send(receiver=receiver, sender="SMSDKDemo", message="x")
    assert (err.value.code, err.value.field) == (code, "receiver")
    assert err.value.message == RESPONSE_CODES[code].message
    assert simulator.requests == []


async def test_lone_surrogate_is_not_sent(client: SmsDkClient, simulator: SmsDkSimulator) -> None:
    """Text that has no UTF-8 form is refused before the request."""
    with pytest.raises(SmsDkValidationError) as err:
        await client.send(receiver="4522113344", sender="SMSDKDemo", message="a\ud800b")
    assert err.value.message == (
        "The request holds text that cannot be sent (a lone UTF-16 surrogate)"
    )
    assert simulator.requests == []


async def test_text_is_sent_as_utf8(client: SmsDkClient, simulator: SmsDkSimulator) -> None:
    """Non-ASCII text goes out as UTF-8 JSON, whatever the session's own serialiser."""
    await client.send(receiver="4522113344", sender="SMSDKDemo", message="Ærø 🔥")
    sent = simulator.sends[-1]
    assert sent.headers["Content-Type"] == "application/json"
    assert '"message": "Ærø 🔥"' in sent.text
    assert sent.json["message"] == "Ærø 🔥"


@pytest.mark.parametrize(
    ("content_type", "raw", "expected"),
    [
        # Charsets Python does not know, or knows as no text encoding: read as UTF-8.
        (
            "application/json; charset=no-such-charset",
            '{"result": "7,5", "message": "æ"}'.encode(),
            7.5,
        ),
        ("application/json; charset=base64", b'{"result": 8}', 8.0),
        ("application/json; charset=idna", b'{"result": 9}', 9.0),
        ("text/plain; charset=rot13", b'{"result": 10}', 10.0),
        # A declared charset Python knows is honoured.
        ("application/json; charset=utf-16", '{"result": 11}'.encode("utf-16"), 11.0),
        ("application/json; charset=latin-1", b'{"result": "12", "message": "\xe6"}', 12.0),
        # No Content-Type at all.
        ("", b'{"result": 13}', 13.0),
    ],
)
async def test_odd_charsets(
    canned: Canned, canned_client: SmsDkClient, content_type: str, raw: bytes, expected: float
) -> None:
    """The declared charset never breaks reading an answer."""
    canned.answer(200, "", {"Content-Type": content_type} if content_type else None)
    canned.raw = raw
    assert await canned_client.get_credits() == expected


@pytest.mark.parametrize(
    "body",
    [
        '{"status": "success", "result": NaN}',
        '{"status": "success", "result": Infinity}',
        '{"status": "success", "result": -Infinity}',
        '{"status": "success", "result": "1e999"}',
        '{"status": "success", "result": ' + "9" * 400 + "}",
        '{"status": "success", "result": ' + "9" * 5000 + "}",
        "[" * 100_000 + "]" * 100_000,
        '{"status": "success", "messageCode": ' + "9" * 400 + ', "result": "x"}',
    ],
    ids=["nan", "inf", "-inf", "1e999", "400 digits", "5000 digits", "deep", "huge code"],
)
async def test_numbers_beyond_floats(canned: Canned, canned_client: SmsDkClient, body: str) -> None:
    """Non-finite, enormous or deeply nested JSON is a malformed answer, not a crash."""
    canned.answer(200, body)
    with pytest.raises(SmsDkMalformedResponseError):
        await canned_client.get_credits()


def test_retry_after_parsing() -> None:
    now = datetime(2015, 10, 21, 7, 27, tzinfo=UTC)
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("120", now=now) == 120.0
    assert parse_retry_after("1.5", now=now) is None
    assert parse_retry_after("٣", now=now) is None
    assert parse_retry_after("9" * 400, now=now) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 60.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 -0000", now=now) == 60.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:26:00 GMT", now=now) == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 +9999", now=now) is None
    assert parse_retry_after("tomorrow", now=now) is None
    assert parse_remaining("There is a cool down. remaining: " + "9" * 400) is None


# --- content codings, undone by the client itself ------------------------------------------------


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        # What some servers send as "deflate": a raw stream without the zlib wrapper.
        ("deflate", _raw_deflate),
        (" GZIP ", gzip.compress),
        ("identity", lambda data: data),
    ],
    ids=["gzip", "x-gzip", "deflate", "raw deflate", "GZIP", "identity"],
)
async def test_compressed_answers(
    canned: Canned, canned_client: SmsDkClient, coding: str, encode: Callable[[bytes], bytes]
) -> None:
    """gzip and deflate answers are read like plain ones; the client asks for nothing else."""
    body = json.dumps({"status": "success", "messageCode": 5000, "result": 42}).encode()
    canned.answer(200, "", {"Content-Type": "application/json", "Content-Encoding": coding})
    canned.raw = encode(body)
    assert await canned_client.get_credits() == 42.0
    assert canned.seen[-1].headers["Accept-Encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    ("status", "coding", "raw", "error"),
    [
        (200, "br", b"\x1b\x00", SmsDkMalformedResponseError),
        (200, "gzip", b"not gzip at all", SmsDkMalformedResponseError),
        (200, "gzip", gzip.compress(b'{"result": 1}')[:-12], SmsDkMalformedResponseError),
        (200, "gzip", b"", SmsDkMalformedResponseError),
        (200, "gzip, br", gzip.compress(b'{"result": 1}'), SmsDkMalformedResponseError),
        # A bomb: far more than any answer inflates to.
        (200, "deflate", zlib.compress(b"0" * (17 * 1024 * 1024)), SmsDkMalformedResponseError),
        # What cannot be undone leaves the status to speak.
        (429, "br", b"\x1b\x00", SmsDkRateLimitError),
        (503, "zstd", b"\x28\xb5", SmsDkServerError),
    ],
    ids=["br", "not gzip", "truncated gzip", "empty gzip", "two codings", "bomb", "429", "503"],
)
async def test_codings_that_cannot_be_undone(
    canned: Canned,
    canned_client: SmsDkClient,
    status: int,
    coding: str,
    raw: bytes,
    error: type[SmsDkError],
) -> None:
    """An answer whose coding cannot be undone is unreadable, never a crash."""
    canned.answer(status, "", {"Content-Type": "application/json", "Content-Encoding": coding})
    canned.raw = raw
    with pytest.raises(error) as err:
        await canned_client.get_credits()
    assert err.value.http_status == status


@pytest.mark.parametrize(("status", "error"), [(429, SmsDkRateLimitError), (502, SmsDkServerError)])
async def test_status_speaks_when_the_body_is_cut_off(
    session: aiohttp.ClientSession, raw_server: RawServer, status: int, error: type[SmsDkError]
) -> None:
    """A 429 or 502 whose body never arrives in full is still a cool-down or an outage."""
    raw_server.reply = (
        f"HTTP/1.1 {status} Whatever\r\nContent-Type: text/html\r\n"
        "Retry-After: 9\r\nContent-Length: 100\r\n\r\n<html>"
    ).encode()
    client = SmsDkClient(session, DEMO_TOKEN, base_url=raw_server.url)
    with pytest.raises(error) as err:
        await client.send(receiver="4522113344", sender="SMSDKDemo", message="Hej")
    assert err.value.http_status == status
    if isinstance(err.value, SmsDkRateLimitError):
        assert err.value.retry_after == 9.0
