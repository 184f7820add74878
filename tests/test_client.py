"""The SMS.dk client over real HTTP: against the simulator, and against canned answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import json
from typing import Any
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
)
from custom_components.sms_dk.smsdk.client import format_scheduled
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
    url: str = ""
    seen: list[web.Request] = field(default_factory=list)

    def answer(self, status: int, body: Any) -> None:
        self.status = status
        self.body = body if isinstance(body, str) else json.dumps(body)


@pytest.fixture
async def canned(socket_enabled: None) -> AsyncGenerator[Canned]:
    """A server on loopback that answers with canned bodies."""
    state = Canned()

    async def handler(request: web.Request) -> web.Response:
        state.seen.append(request)
        return web.Response(status=state.status, text=state.body, content_type=state.content_type)

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


async def test_log_follows_delivery(
    simulator: SmsDkSimulator, session: aiohttp.ClientSession
) -> None:
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
    setattr(simulator.faults, fault, True)
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


async def test_unknown_endpoint(client: SmsDkClient, simulator: SmsDkSimulator) -> None:
    """An endpoint the API does not have answers 1051."""
    with pytest.raises(SmsDkNotFoundError) as err:
        await client._request("GET", "no/such/endpoint")
    assert (err.value.code, err.value.http_status) == (1051, 404)


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
